/**
 * Watchlists over HTTP (SPEC §3 `GET/POST/DELETE /watchlists/:list/entries`, §4.6): admins only.
 * Every entry has a reason, a legal basis and an expiry; the identifier goes in once and never
 * comes back out (responses carry id, label, reason, legal basis and dates).
 */
import Type from 'typebox';
import { parseTimestamp } from '../../../ingest/timestamp.js';
import type { JsonLimits } from '../../../ingest/json-guard.js';
import { parseList } from '../../../rules/watchlists.js';
import { parseWith, principalOf, type RouteModule } from '../route-kit.js';
import { readJsonBody } from './alerts.js';

const strict = { additionalProperties: false } as const;
const ListParams = Type.Object({ list: Type.String({ minLength: 1, maxLength: 32 }) }, strict);
const EntryParams = Type.Object({ list: Type.String({ minLength: 1, maxLength: 32 }), id: Type.String({ minLength: 1, maxLength: 64 }) }, strict);
const EntryBody = Type.Object(
  {
    /** The plate or credential, in clear: normalised and pseudonymised, stored only sealed. */
    value: Type.String({ minLength: 1, maxLength: 128 }),
    /** What operators see in the alert. */
    label: Type.String({ minLength: 1, maxLength: 200 }),
    reason: Type.String({ minLength: 3, maxLength: 2000 }),
    legal_basis: Type.String({ minLength: 3, maxLength: 500 }),
    /** Mandatory (SPEC §4.6): RFC 3339 or epoch ms. */
    expires_at: Type.Union([Type.String({ maxLength: 40 }), Type.Integer({ minimum: 0 })]),
  },
  strict,
);

export const watchlistRoutes: RouteModule = (app, deps) => {
  const limits: JsonLimits = { maxDepth: deps.config.http.max_json_depth, maxString: deps.config.http.max_string_length };
  const w = deps.rules.watchlists;

  app.get('/watchlists/:list/entries', { config: { action: 'watchlists.manage' }, schema: { summary: 'Live entries (never their values)', tags: ['watchlists'], params: ListParams } }, async (req) => {
    const list = parseList(parseWith(ListParams, req.params).list);
    return { entries: w.list(list) };
  });

  app.post('/watchlists/:list/entries', { config: { action: 'watchlists.manage' }, schema: { summary: 'Add an entry (reason, legal basis and expiry required)', tags: ['watchlists'], params: ListParams } }, async (req, reply) => {
    const p = principalOf(req);
    const list = parseList(parseWith(ListParams, req.params).list);
    const body = readJsonBody(EntryBody, req.body, limits);
    const expires = parseTimestamp(typeof body.expires_at === 'string' && /^\d+$/.test(body.expires_at) ? Number(body.expires_at) : body.expires_at);
    const entry = await w.add(list, { value: body.value, label: body.label, reason: body.reason, legal_basis: body.legal_basis, expires_at: expires }, p.name);
    return reply.status(201).send(entry);
  });

  app.delete('/watchlists/:list/entries/:id', { config: { action: 'watchlists.manage' }, schema: { summary: 'Remove an entry', tags: ['watchlists'], params: EntryParams } }, async (req, reply) => {
    const p = principalOf(req);
    const params = parseWith(EntryParams, req.params);
    await w.remove(parseList(params.list), params.id, p.name);
    return reply.status(204).send();
  });
};
