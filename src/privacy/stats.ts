/**
 * Footfall and occupancy aggregates (SPEC §3 `GET /stats/footfall`, `/stats/occupancy`; §4.4:
 * every aggregate below k is suppressed). Computed from stored events holding no identifier:
 *   - footfall: people entering, per zone and interval — `camera.line_crossing` with object person
 *     and direction in (sum of `count`);
 *   - occupancy: the peak number present per zone and interval — `camera.occupancy` (object person,
 *     source "camera") and `wifi.count` (unique devices, source "wifi").
 * Each cell below k (and above 0) is published as null with `suppressed: true`; zone totals add the
 * published cells only.
 */
import type { EventFilter, EventStore } from '../store/store.js';
import type { StoredEvent } from '../core/event.js';
import { suppressCount, publishedTotal } from './k-anon.js';

export interface StatsQuery {
  readonly from: number;
  readonly to: number;
  readonly intervalMs: number;
  readonly site?: string;
  readonly zone?: string;
  /** The caller's site scope (empty = all). */
  readonly sites: readonly string[];
  readonly k: number;
}

export interface StatsCell {
  /** Bucket start, RFC 3339. */
  readonly t: string;
  readonly value: number | null;
  readonly suppressed: boolean;
}

export interface StatsSeries {
  readonly site: string;
  readonly zone: string | null;
  readonly source: 'camera' | 'wifi';
  readonly buckets: StatsCell[];
  /** Footfall: sum of published cells; occupancy: peak of published cells. */
  readonly total: number;
}

export interface StatsAnswer {
  readonly from: string;
  readonly to: string;
  readonly interval_ms: number;
  readonly k: number;
  readonly series: StatsSeries[];
}

type Reduce = 'sum' | 'max';

interface Source {
  readonly kind: string;
  readonly source: 'camera' | 'wifi';
  /** The event's contribution, or null when it does not count (e.g. a vehicle). */
  value(e: StoredEvent): number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const FOOTFALL: readonly Source[] = [
  { kind: 'camera.line_crossing', source: 'camera', value: (e) => (e.data.object === 'person' && e.data.direction === 'in' ? num(e.data.count) : null) },
];

const OCCUPANCY: readonly Source[] = [
  { kind: 'camera.occupancy', source: 'camera', value: (e) => (e.data.object === 'person' ? num(e.data.count) : null) },
  { kind: 'wifi.count', source: 'wifi', value: (e) => num(e.data.unique_devices) },
];

async function* scan(events: Pick<EventStore, 'query'>, f: EventFilter): AsyncGenerator<StoredEvent> {
  let after: { ts: number; seq: number } | undefined;
  for (;;) {
    const page = await events.query({ ...f, limit: 1000, order: 'asc', ...(after ? { after } : {}) });
    yield* page.events;
    if (page.next === null) return;
    after = page.next;
  }
}

const seriesKey = (s: { site: string; zone: string | null; source: string }): string => `${s.site}\u0000${s.zone ?? ''}\u0000${s.source}`;

async function aggregate(events: Pick<EventStore, 'query'>, q: StatsQuery, sources: readonly Source[], reduce: Reduce): Promise<StatsAnswer> {
  const cells = new Map<string, { site: string; zone: string | null; source: 'camera' | 'wifi'; values: Map<number, number> }>();
  for (const src of sources) {
    const filter: EventFilter = {
      kind: src.kind,
      from: q.from,
      to: q.to,
      ...(q.site !== undefined ? { site: q.site } : {}),
      ...(q.zone !== undefined ? { zone: q.zone } : {}),
      ...(q.sites.length > 0 ? { sites: q.sites } : {}),
    };
    for await (const e of scan(events, filter)) {
      const v = src.value(e);
      if (v === null) continue;
      const key = seriesKey({ site: e.site, zone: e.zone, source: src.source });
      let series = cells.get(key);
      if (!series) {
        series = { site: e.site, zone: e.zone, source: src.source, values: new Map() };
        cells.set(key, series);
      }
      const t = q.from + Math.floor((Date.parse(e.ts) - q.from) / q.intervalMs) * q.intervalMs;
      const prev = series.values.get(t);
      series.values.set(t, prev === undefined ? v : reduce === 'sum' ? prev + v : Math.max(prev, v));
    }
  }
  const out: StatsSeries[] = [];
  for (const s of cells.values()) {
    const buckets: StatsCell[] = [];
    for (let t = q.from; t < q.to; t += q.intervalMs) {
      const value = suppressCount(s.values.get(t) ?? 0, q.k);
      buckets.push({ t: new Date(t).toISOString(), value, suppressed: value === null });
    }
    const published = buckets.map((b) => b.value);
    const total = reduce === 'sum' ? publishedTotal(published) : Math.max(0, ...published.filter((v): v is number => v !== null));
    out.push({ site: s.site, zone: s.zone, source: s.source, buckets, total });
  }
  // Site, zone, source order; the cell keys (site NUL zone NUL source) sort exactly so.
  const order = [...cells.keys()].sort();
  out.sort((a, b) => order.indexOf(seriesKey(a)) - order.indexOf(seriesKey(b)));
  return { from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString(), interval_ms: q.intervalMs, k: q.k, series: out };
}

export function footfall(events: Pick<EventStore, 'query'>, q: StatsQuery): Promise<StatsAnswer> {
  return aggregate(events, q, FOOTFALL, 'sum');
}

export function occupancy(events: Pick<EventStore, 'query'>, q: StatsQuery): Promise<StatsAnswer> {
  return aggregate(events, q, OCCUPANCY, 'max');
}
