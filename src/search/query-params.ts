/**
 * Query parameters of GET /events and /events/histogram (SPEC §3), parsed once into store queries.
 * Site scope is applied here: a scoped principal asking for another site gets nothing (not an error
 * that would reveal the site exists).
 */
import Type from 'typebox';
import { ParapetError } from '../core/errors.js';
import { CATALOGUE } from '../core/kinds.js';
import type { Principal } from '../auth/principal.js';
import type { EventCursor, EventQuery, HistogramQuery } from '../store/store.js';
import { parseTimestamp } from '../ingest/timestamp.js';
import { DAY } from '../core/clock.js';

const FAMILIES = new Set([...CATALOGUE.keys()].map((k) => k.split('.')[0]));

const common = {
  from: Type.Optional(Type.String({ description: 'RFC 3339 or epoch ms; inclusive' })),
  to: Type.Optional(Type.String({ description: 'RFC 3339 or epoch ms; exclusive' })),
  site: Type.Optional(Type.String({ maxLength: 64 })),
  zone: Type.Optional(Type.String({ maxLength: 128 })),
  device: Type.Optional(Type.String({ maxLength: 64 })),
  kind: Type.Optional(Type.String({ maxLength: 64, description: 'exact kind or family prefix such as camera.*' })),
};

export const EventQueryString = Type.Object(
  {
    ...common,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  },
  { additionalProperties: false },
);

export const HistogramQueryString = Type.Object(
  { ...common, interval: Type.Optional(Type.String({ maxLength: 16, description: 'e.g. 1m, 5m, 1h, 1d, or ms' })) },
  { additionalProperties: false },
);

/** Query values arrive as strings (or numbers once coerced); anything else is refused, never stringified. */
function textParam(name: string, v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new ParapetError('invalid_query', `${name} must be a single value`);
}

function timeParam(name: string, v: unknown): number | undefined {
  if (v === undefined || v === '') return undefined;
  const s = textParam(name, v);
  try {
    return parseTimestamp(/^\d+$/.test(s) ? Number(s) : s);
  } catch (err) {
    throw new ParapetError('invalid_query', `${name}: ${(err as ParapetError).detail}`);
  }
}

function kindParam(v: unknown): string | undefined {
  if (v === undefined || v === '') return undefined;
  const s = textParam('kind', v);
  if (s.endsWith('.*') ? FAMILIES.has(s.slice(0, -2)) : CATALOGUE.has(s)) return s;
  throw new ParapetError('invalid_query', `kind ${s} is neither a kind nor a family prefix like camera.*`);
}

export function encodeCursor(c: EventCursor): string {
  return Buffer.from(`${c.ts}.${c.seq}`, 'utf8').toString('base64url');
}

export function decodeCursor(s: string): EventCursor {
  const m = /^(\d{1,16})\.(\d{1,16})$/.exec(Buffer.from(s, 'base64url').toString('utf8'));
  if (!m) throw new ParapetError('invalid_cursor');
  return { ts: Number(m[1]), seq: Number(m[2]) };
}

interface Filters {
  from?: number;
  to?: number;
  site?: string;
  sites?: readonly string[];
  zone?: string;
  device?: string;
  kind?: string;
}

/** Returns null when the principal's scope excludes the requested site (empty answer). */
function filters(q: Record<string, unknown>, p: Principal): Filters | null {
  const f: Filters = {};
  const from = timeParam('from', q.from);
  const to = timeParam('to', q.to);
  if (from !== undefined) f.from = from;
  if (to !== undefined) f.to = to;
  if (from !== undefined && to !== undefined && from >= to) throw new ParapetError('invalid_query', 'from must be before to');
  const kind = kindParam(q.kind);
  if (kind !== undefined) f.kind = kind;
  for (const key of ['site', 'zone', 'device'] as const) {
    const v = q[key];
    if (typeof v === 'string' && v !== '') f[key] = v;
  }
  if (p.sites.length > 0) {
    if (f.site !== undefined && !p.sites.includes(f.site)) return null;
    f.sites = p.sites;
  }
  return f;
}

export function toEventQuery(q: Record<string, unknown>, p: Principal): EventQuery | null {
  const f = filters(q, p);
  if (!f) return null;
  const limit = typeof q.limit === 'number' ? q.limit : 100;
  const order = q.order === 'asc' ? 'asc' : 'desc';
  const cursor = typeof q.cursor === 'string' && q.cursor !== '' ? decodeCursor(q.cursor) : undefined;
  return { ...f, limit, order, ...(cursor ? { after: cursor } : {}) };
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: DAY };
/** Most buckets one histogram may have. */
export const MAX_BUCKETS = 10_000;

export function parseInterval(v: unknown, span: number): number {
  if (v === undefined || v === '') {
    // about 100 buckets, rounded to a minute
    return Math.max(60_000, Math.ceil(span / 100 / 60_000) * 60_000);
  }
  const s = textParam('interval', v);
  const m = /^(\d{1,9})(s|m|h|d)?$/.exec(s);
  if (!m) throw new ParapetError('invalid_query', `interval ${s} is not like 5m, 1h, 1d or milliseconds`);
  const ms = Number(m[1]) * (m[2] ? (UNITS[m[2]] ?? 1) : 1);
  if (ms < 1000) throw new ParapetError('invalid_query', 'interval must be at least 1 s');
  return ms;
}

export function toHistogramQuery(q: Record<string, unknown>, p: Principal, now: number): { query: HistogramQuery; empty: boolean } {
  const f = filters(q, p);
  const to = f?.to ?? now;
  const from = f?.from ?? to - DAY;
  const intervalMs = parseInterval(q.interval, to - from);
  if ((to - from) / intervalMs > MAX_BUCKETS) throw new ParapetError('invalid_query', `more than ${MAX_BUCKETS} buckets; use a wider interval`);
  return { query: { ...(f ?? {}), from, to, intervalMs }, empty: f === null };
}
