/**
 * Alerts over HTTP (SPEC §3, §2.1): list with filters, one alert, the lifecycle actions, the live
 * SSE stream and the webhook delivery status. Thin: parse → authorize (route action, site scope:
 * another site's alert answers 404) → AlertService → respond.
 */
import type { ServerResponse } from 'node:http';
import Type, { type Static, type TSchema } from 'typebox';
import { ParapetError } from '../../../core/errors.js';
import { parseBoundedJson, type JsonLimits } from '../../../ingest/json-guard.js';
import { parseTimestamp } from '../../../ingest/timestamp.js';
import { canSeeSite, type Principal } from '../../../auth/principal.js';
import type { AlertRecord, AlertQuery } from '../../../store/alerts.js';
import { alertView } from '../../../rules/alert-view.js';
import { parseLastEventId, serveAlertStream } from '../../../rules/delivery/sse.js';
import type { Actor } from '../../../rules/alerts.js';
import { parseWith, principalOf, type RouteModule } from '../route-kit.js';

const strict = { additionalProperties: false } as const;
const Severity = Type.Union([Type.Literal('critical'), Type.Literal('major'), Type.Literal('minor'), Type.Literal('info')]);
const ListQuery = Type.Object(
  {
    state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')])),
    severity: Type.Optional(Severity),
    site: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    device: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    rule: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  strict,
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, strict);
const AckBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, strict);
const ResolveBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, strict);
const SnoozeBody = Type.Object(
  {
    /** RFC 3339 or epoch ms; or `minutes` from now. */
    until: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Integer({ minimum: 0 })])),
    minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 24 * 60 })),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  strict,
);
const AssignBody = Type.Object({ assignee: Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Null()]) }, strict);
const CommentBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 4000 }) }, strict);
const StreamQuery = Type.Object({ last_event_id: Type.Optional(Type.String({ maxLength: 20 })) }, strict);
const DeliveryQuery = Type.Object(
  {
    state: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  strict,
);

/** Bodies arrive as text (the app parses JSON bounded, per route); an empty body is `{}` where allowed. */
export function readJsonBody<S extends TSchema>(schema: S, raw: unknown, limits: JsonLimits, optional = false): Static<S> {
  const parsed: unknown = typeof raw === 'string' ? (raw.trim() === '' && optional ? {} : parseBoundedJson(raw, limits)) : (raw ?? (optional ? {} : raw));
  return parseWith(schema, parsed, 'bad_request');
}

export const actorOf = (p: Principal): Actor => ({ id: p.id, name: p.name });

function encodeCursor(a: AlertRecord): string {
  return Buffer.from(JSON.stringify([a.first_seen, a.id])).toString('base64url');
}

function decodeCursor(c: string): { first_seen: number; id: string } {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return { first_seen: v[0], id: v[1] };
  } catch {
    // fall through
  }
  throw new ParapetError('invalid_cursor', 'the cursor is not one this server issued');
}

export const alertRoutes: RouteModule = (app, deps) => {
  const limits: JsonLimits = { maxDepth: deps.config.http.max_json_depth, maxString: deps.config.http.max_string_length };
  const svc = deps.rules.alerts;

  /** An alert the caller may see; another site's alert is as absent as a missing one (SPEC §5.3). */
  const visible = async (id: string, p: Principal): Promise<AlertRecord> => {
    const a = await svc.get(id);
    if (!a || !canSeeSite(p, a.site)) throw new ParapetError('not_found', `no alert ${id}`);
    return a;
  };
  const idOf = (req: { params: unknown }): string => parseWith(IdParams, req.params).id;
  // Open streams end when the server closes: a dashboard left open must not hold shutdown up.
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of streams) res.destroy();
  });

  app.get('/alerts', { config: { action: 'alerts.read' }, schema: { summary: 'Alerts, newest first (keyset paging)', tags: ['alerts'], querystring: ListQuery } }, async (req) => {
    const p = principalOf(req);
    const q = parseWith(ListQuery, req.query);
    const limit = q.limit ?? 100;
    const query: AlertQuery = {
      limit,
      ...(q.state ? { state: q.state } : {}),
      ...(q.severity ? { severity: q.severity } : {}),
      ...(q.site ? { site: q.site } : {}),
      ...(q.device ? { device: q.device } : {}),
      ...(q.rule ? { rule: q.rule } : {}),
      ...(p.sites.length ? { sites: p.sites } : {}),
      ...(q.cursor ? { before: decodeCursor(q.cursor) } : {}),
    };
    const alerts = await svc.list(query);
    const last = alerts[alerts.length - 1];
    return { alerts: alerts.map(alertView), next_cursor: alerts.length === limit && last ? encodeCursor(last) : null };
  });

  app.get('/alerts/stream', { config: { action: 'alerts.read' }, schema: { summary: 'Server-Sent Events: one `alert` event per change; resume with Last-Event-ID', tags: ['alerts'], querystring: StreamQuery } }, async (req, reply) => {
    const p = principalOf(req);
    const q = parseWith(StreamQuery, req.query);
    const headers = reply.getHeaders() as Record<string, string | number | string[]>;
    reply.hijack();
    streams.add(reply.raw);
    reply.raw.on('close', () => streams.delete(reply.raw));
    await serveAlertStream(reply.raw, {
      alerts: svc,
      bus: deps.bus,
      lastEventId: parseLastEventId(req.headers['last-event-id'], q.last_event_id),
      visible: (a) => canSeeSite(p, a.site),
      headers,
    });
  });

  app.get('/alerts/webhooks', { config: { action: 'alerts.read' }, schema: { summary: 'Webhook health and recent deliveries (failures first)', tags: ['alerts'], querystring: DeliveryQuery } }, async (req) => {
    const q = parseWith(DeliveryQuery, req.query);
    const deliveries = await deps.rules.webhooks.deliveries(q.state ? [q.state] : undefined, q.limit ?? 100);
    return {
      webhooks: deps.rules.webhooks.status(),
      deliveries: deliveries.map((d) => ({
        id: d.id,
        webhook: d.webhook,
        change: d.change,
        alert: d.alert_id,
        state: d.state,
        attempts: d.attempts,
        last_error: d.last_error,
        next_attempt_at: d.next_at === null ? null : new Date(d.next_at).toISOString(),
        created_at: new Date(d.created_at).toISOString(),
        updated_at: new Date(d.updated_at).toISOString(),
      })),
    };
  });

  app.get('/alerts/:id', { config: { action: 'alerts.read' }, schema: { tags: ['alerts'], params: IdParams } }, async (req) => {
    return alertView(await visible(idOf(req), principalOf(req)));
  });

  app.post('/alerts/:id/ack', { config: { action: 'alerts.act' }, schema: { summary: 'Acknowledge', tags: ['alerts'], params: IdParams } }, async (req) => {
    const p = principalOf(req);
    const a = await visible(idOf(req), p);
    const body = readJsonBody(AckBody, req.body, limits, true);
    return alertView(await svc.ack(a.id, actorOf(p), body.note));
  });

  app.post('/alerts/:id/resolve', { config: { action: 'alerts.act' }, schema: { summary: 'Resolve with a reason', tags: ['alerts'], params: IdParams } }, async (req) => {
    const p = principalOf(req);
    const a = await visible(idOf(req), p);
    const body = readJsonBody(ResolveBody, req.body, limits);
    return alertView(await svc.resolve(a.id, actorOf(p), body.reason));
  });

  app.post('/alerts/:id/snooze', { config: { action: 'alerts.act' }, schema: { summary: 'Snooze until a time (or for minutes)', tags: ['alerts'], params: IdParams } }, async (req) => {
    const p = principalOf(req);
    const a = await visible(idOf(req), p);
    const body = readJsonBody(SnoozeBody, req.body, limits);
    if ((body.until === undefined) === (body.minutes === undefined)) throw new ParapetError('bad_request', 'give either until or minutes');
    const until = body.minutes !== undefined ? deps.clock.now() + body.minutes * 60_000 : parseTimestamp(typeof body.until === 'string' && /^\d+$/.test(body.until) ? Number(body.until) : body.until);
    return alertView(await svc.snooze(a.id, actorOf(p), until, body.note));
  });

  app.post('/alerts/:id/assign', { config: { action: 'alerts.act' }, schema: { summary: 'Assign (null unassigns)', tags: ['alerts'], params: IdParams } }, async (req) => {
    const p = principalOf(req);
    const a = await visible(idOf(req), p);
    const body = readJsonBody(AssignBody, req.body, limits);
    return alertView(await svc.assign(a.id, actorOf(p), body.assignee));
  });

  app.post('/alerts/:id/comments', { config: { action: 'alerts.act' }, schema: { summary: 'Add a comment', tags: ['alerts'], params: IdParams } }, async (req, reply) => {
    const p = principalOf(req);
    const a = await visible(idOf(req), p);
    const body = readJsonBody(CommentBody, req.body, limits);
    return reply.status(201).send(alertView(await svc.comment(a.id, actorOf(p), body.text)));
  });
};
