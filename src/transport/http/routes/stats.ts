/** k-anonymous aggregates (SPEC §3 `GET /stats/footfall`, `/stats/occupancy`; §4.4). */
import Type from 'typebox';
import { ParapetError } from '../../../core/errors.js';
import { DAY } from '../../../core/clock.js';
import { parseTimestamp } from '../../../ingest/timestamp.js';
import { parseInterval } from '../../../search/query-params.js';
import { footfall, occupancy, type StatsQuery } from '../../../privacy/stats.js';
import type { Principal } from '../../../auth/principal.js';
import { parseWith, principalOf, type RouteModule } from '../route-kit.js';

const StatsQueryString = Type.Object(
  {
    from: Type.Optional(Type.String({ maxLength: 40, description: 'RFC 3339 or epoch ms; default: 24 h before to' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'RFC 3339 or epoch ms; default: now' })),
    site: Type.Optional(Type.String({ maxLength: 64 })),
    zone: Type.Optional(Type.String({ maxLength: 128 })),
    interval: Type.Optional(Type.String({ maxLength: 16, description: 'e.g. 15m, 1h, 1d, or ms; default 1h' })),
  },
  { additionalProperties: false },
);

/** Most buckets one answer may have. */
const MAX_BUCKETS = 2000;

function time(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  try {
    return parseTimestamp(/^\d+$/.test(v) ? Number(v) : v);
  } catch (err) {
    throw new ParapetError('invalid_query', `${name}: ${err instanceof ParapetError ? err.detail.replace(/^ts\b/, name) : 'unreadable'}`);
  }
}

/** The store query of a stats request, or null when the caller's scope excludes the asked site. */
export function toStatsQuery(raw: unknown, p: Principal, now: number, k: number): StatsQuery | null {
  const q = parseWith(StatsQueryString, raw);
  const to = time('to', q.to) ?? now;
  const from = time('from', q.from) ?? to - DAY;
  if (from >= to) throw new ParapetError('invalid_query', 'from must be before to');
  const intervalMs = q.interval === undefined ? 3_600_000 : parseInterval(q.interval, to - from);
  if ((to - from) / intervalMs > MAX_BUCKETS) throw new ParapetError('invalid_query', `more than ${MAX_BUCKETS} buckets; use a wider interval`);
  if (q.site !== undefined && p.sites.length > 0 && !p.sites.includes(q.site)) return null;
  return { from, to, intervalMs, sites: p.sites, k, ...(q.site !== undefined ? { site: q.site } : {}), ...(q.zone !== undefined ? { zone: q.zone } : {}) };
}

export const statsRoutes: RouteModule = (app, deps) => {
  const answer = async (raw: unknown, p: Principal, fn: typeof footfall) => {
    const now = deps.clock.now();
    const q = toStatsQuery(raw, p, now, deps.config.privacy.k_anonymity);
    if (q === null) {
      // Another site's data: an empty answer, never a hint that the site exists (SPEC §5.3).
      const to = now;
      return { from: new Date(to - DAY).toISOString(), to: new Date(to).toISOString(), interval_ms: 3_600_000, k: deps.config.privacy.k_anonymity, series: [] };
    }
    return fn(deps.store.events, q);
  };

  app.get(
    '/stats/footfall',
    { config: { action: 'stats.read' }, schema: { summary: 'People entering per zone and interval (k-anonymous)', tags: ['stats'], querystring: StatsQueryString } },
    async (req) => answer(req.query, principalOf(req), footfall),
  );

  app.get(
    '/stats/occupancy',
    { config: { action: 'stats.read' }, schema: { summary: 'Peak presence per zone and interval, cameras and Wi-Fi (k-anonymous)', tags: ['stats'], querystring: StatsQueryString } },
    async (req) => answer(req.query, principalOf(req), occupancy),
  );
};
