/**
 * Investigations over HTTP (SPEC §3 `POST /investigations/sightings`, §4.5): file a request, list
 * requests, let a second person approve or reject, and fetch approved results. Thin: parse →
 * authorize (route action) → InvestigationService → respond. The raw value in the body is handed to
 * the service and never logged or echoed.
 */
import Type, { type Static } from 'typebox';
import { ParapetError } from '../../../core/errors.js';
import { IDENTIFIER_CLASSES } from '../../../core/kinds.js';
import { parseTimestamp } from '../../../ingest/timestamp.js';
import { parseBoundedJson } from '../../../ingest/json-guard.js';
import { parseWith, principalOf, type RouteModule } from '../route-kit.js';

const Time = Type.Union([Type.String({ maxLength: 40 }), Type.Integer({ minimum: 0 })], { description: 'RFC 3339 or epoch ms' });

export const SightingsBody = Type.Object(
  {
    class: Type.Union(IDENTIFIER_CLASSES.map((c) => Type.Literal(c))),
    value: Type.String({ minLength: 1, maxLength: 128 }),
    case_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f]+$' }),
    reason: Type.String({ minLength: 10, maxLength: 2000 }),
    from: Time,
    to: Time,
  },
  { additionalProperties: false },
);

const DecisionBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
const RejectBody = Type.Object({ note: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const ListQuery = Type.Object(
  { state: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')])) },
  { additionalProperties: false },
);

function time(name: string, v: string | number): number {
  try {
    return parseTimestamp(typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v);
  } catch (err) {
    throw new ParapetError('invalid_query', `${name}: ${err instanceof ParapetError ? err.detail.replace(/^ts\b/, name) : 'unreadable'}`);
  }
}

export const investigationRoutes: RouteModule = (app, deps) => {
  const limits = { maxDepth: deps.config.http.max_json_depth, maxString: deps.config.http.max_string_length };
  /** Bodies arrive as text (the app keeps JSON unparsed for bounded parsing); objects are accepted too. */
  const body = <S extends Parameters<typeof parseWith>[0]>(schema: S, raw: unknown, optional = false): Static<S> => {
    const parsed: unknown = typeof raw === 'string' ? (raw.trim() === '' && optional ? {} : parseBoundedJson(raw, limits)) : (raw ?? (optional ? {} : raw));
    return parseWith(schema, parsed, 'bad_request');
  };
  const svc = () => deps.investigations;

  app.post(
    '/investigations/sightings',
    {
      config: { action: 'investigations.request' },
      schema: { summary: 'Request where one plate, credential or MAC was seen (dual control)', tags: ['investigations'], description: `Body: ${JSON.stringify(SightingsBody)}` },
    },
    async (req, reply) => {
      const b = body(SightingsBody, req.body);
      const view = await svc().request(principalOf(req), { class: b.class, value: b.value, case_id: b.case_id, reason: b.reason, from: time('from', b.from), to: time('to', b.to) });
      return reply.status(201).send(view);
    },
  );

  app.get(
    '/investigations',
    { config: { action: 'investigations.approve' }, schema: { summary: 'Own requests and those awaiting your approval', tags: ['investigations'], querystring: ListQuery } },
    async (req) => {
      const q = parseWith(ListQuery, req.query);
      return { investigations: await svc().list(principalOf(req), q.state) };
    },
  );

  app.get('/investigations/:id', { config: { action: 'investigations.approve' }, schema: { tags: ['investigations'], params: IdParams } }, async (req) => {
    return svc().get(principalOf(req), (req.params as { id: string }).id);
  });

  app.post(
    '/investigations/:id/approve',
    { config: { action: 'investigations.approve' }, schema: { summary: 'Approve as the second person', tags: ['investigations'], params: IdParams } },
    async (req) => {
      const b = body(DecisionBody, req.body, true);
      return svc().decide(principalOf(req), (req.params as { id: string }).id, true, b.note ?? null);
    },
  );

  app.post(
    '/investigations/:id/reject',
    { config: { action: 'investigations.approve' }, schema: { summary: 'Reject, with a note', tags: ['investigations'], params: IdParams } },
    async (req) => {
      const b = body(RejectBody, req.body);
      return svc().decide(principalOf(req), (req.params as { id: string }).id, false, b.note);
    },
  );

  app.get(
    '/investigations/:id/results',
    { config: { action: 'investigations.request' }, schema: { summary: 'Sightings of an approved request (requester only)', tags: ['investigations'], params: IdParams } },
    async (req) => svc().results(principalOf(req), (req.params as { id: string }).id),
  );
};
