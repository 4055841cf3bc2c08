/** POST /events (ingest), GET /events (search), GET /events/histogram — SPEC §3. */
import Type from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { IngestPipeline } from '../../../ingest/pipeline.js';
import type { Principal } from '../../../auth/principal.js';
import { ParapetError } from '../../../core/errors.js';
import type { IngestInput } from '../../../core/event.js';
import { parseBoundedJson, parseNdjson, type JsonLimits } from '../../../ingest/json-guard.js';
import { principalOf, type RouteModule } from '../route-kit.js';
import { EventQueryString, HistogramQueryString, toEventQuery, toHistogramQuery, encodeCursor } from '../../../search/query-params.js';

const IngestAnswer = Type.Object({
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Array(Type.Object({ index: Type.Integer(), error: Type.String(), detail: Type.String() })),
});

export function decodeBody(body: unknown, contentType: string, limits: JsonLimits, maxBatch: number): { inputs: IngestInput[]; single: boolean } {
  if (typeof body !== 'string' || body.length === 0) throw new ParapetError('invalid_json', 'the body is empty');
  if (/ndjson/i.test(contentType)) {
    const items = parseNdjson(body, limits, maxBatch);
    return { inputs: items.map((it) => (it.ok ? { item: it.value } : { item: null, decodeError: it.error })), single: false };
  }
  const parsed = parseBoundedJson(body, limits);
  if (Array.isArray(parsed)) {
    if (parsed.length > maxBatch) throw new ParapetError('batch_too_large', `${parsed.length} events in one request; the limit is ${maxBatch}`);
    return { inputs: parsed.map((item: unknown) => ({ item })), single: false };
  }
  return { inputs: [{ item: parsed }], single: true };
}

/** Decodes the body and hands it to the pipeline; afterwards neither the body nor the inputs are reachable from the request. */
function startIngest(req: FastifyRequest, pipeline: IngestPipeline, limits: JsonLimits, maxBatch: number, principal: Principal) {
  const { inputs, single } = decodeBody(req.body, String(req.headers['content-type'] ?? ''), limits, maxBatch);
  req.body = undefined;
  return { count: inputs.length, single, pending: pipeline.ingest(inputs, { principal }) };
}

export const eventRoutes: RouteModule = (app, deps) => {
  const limits: JsonLimits = { maxDepth: deps.config.http.max_json_depth, maxString: deps.config.http.max_string_length };

  app.post(
    '/events',
    {
      config: { action: 'events.ingest' },
      schema: {
        summary: 'Ingest events: one object, a JSON array, or NDJSON (gzip accepted)',
        tags: ['events'],
        description: `Answers 202 ${JSON.stringify(IngestAnswer)}`,
      },
    },
    async (req, reply) => {
      const principal = principalOf(req);
      // Only the count is needed after the commit: the body and the decoded items are garbage once
      // the pipeline has made its own events, and must not live (and be promoted) while the batch
      // waits for its transaction — under load, many batches wait at once.
      const { count, single, pending } = startIngest(req, deps.pipeline, limits, deps.config.http.max_batch, principal);
      const out = await pending;
      const body = { accepted: out.accepted, duplicates: out.duplicates, rejected: out.rejected };
      const first = out.rejected[0];
      if (first && out.accepted === 0 && out.duplicates === 0 && (single || out.rejected.length === count)) {
        const e = new ParapetError(first.error, first.detail);
        return reply.status(e.status).send({ ...e.toBody(), ...body });
      }
      return reply.status(202).send(body);
    },
  );

  app.get(
    '/events',
    { config: { action: 'events.read' }, schema: { summary: 'Search stored events (keyset paging)', tags: ['events'], querystring: EventQueryString } },
    async (req) => {
      const principal = principalOf(req);
      const q = toEventQuery(req.query as Record<string, unknown>, principal);
      if (q === null) return { events: [], next_cursor: null };
      const page = await deps.store.events.query(q);
      return { events: page.events, next_cursor: page.next ? encodeCursor(page.next) : null };
    },
  );

  app.get(
    '/events/histogram',
    { config: { action: 'events.read' }, schema: { summary: 'Event counts per time bucket', tags: ['events'], querystring: HistogramQueryString } },
    async (req) => {
      const principal = principalOf(req);
      const q = toHistogramQuery(req.query as Record<string, unknown>, principal, deps.clock.now());
      if (q.empty) return { interval_ms: q.query.intervalMs, buckets: [] };
      const buckets = await deps.store.events.histogram(q.query);
      return { interval_ms: q.query.intervalMs, buckets: buckets.map((b) => ({ t: new Date(b.t).toISOString(), count: b.count })) };
    },
  );
};
