/**
 * (c) Query latency: a page of 100 events for one device and a time range, newest first — what the
 * dashboard's device view and `GET /events?device=…&from=…&to=…` ask — on the filled store, through
 * the store port (worker hop and copy included). Random devices, random windows of 1–12 hours.
 * The peer (peer-influx.ts) is asked the same pages, in the same order, through its own API.
 */
import type { Store } from '../src/store/store.js';
import { deviceId, type DistrictOptions } from './rows.js';
import { percentile, type BenchContext, type Figures } from './measure.js';

const HOUR = 3_600_000;
const WARMUP = 20;

/** One device page: the events it returned. */
export type PageQuery = (q: { readonly device: string; readonly from: number; readonly to: number; readonly limit: number }) => Promise<number>;

/** Pages through the store port. */
export const storePages =
  (store: Store): PageQuery =>
  async (q) =>
    (await store.events.query(q)).events.length;

/** Times `ctx.opts.queries` pages (after a warm-up); figures are named `<prefix>p50_ms` and so on, the line printed starts with `label`. */
export async function measureQueries(ctx: BenchContext, page: PageQuery, stored: number, stream: DistrictOptions, prefix = 'query_', label = '(c)'): Promise<Figures> {
  const end = stream.start + Math.floor((stored * 1000) / stream.rate);
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const times: number[] = [];
  let returned = 0;
  const total = ctx.opts.queries + WARMUP;
  for (let i = 0; i < total; i++) {
    const span = HOUR + Math.floor(rnd() * 11 * HOUR);
    const from = stream.start + Math.floor(rnd() * Math.max(1, end - stream.start - span));
    const device = deviceId(Math.floor(rnd() * stream.devices));
    const t0 = performance.now();
    const n = await page({ device, from, to: from + span, limit: 100 });
    const ms = performance.now() - t0;
    if (i >= WARMUP) {
      times.push(ms);
      returned += n;
    }
    if (i % 50 === 0) ctx.progress.update(`${prefix}queries: ${i} / ${total}`);
  }
  times.sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  const f = {
    count: times.length,
    store_events: stored,
    p50_ms: r(percentile(times, 50)),
    p95_ms: r(percentile(times, 95)),
    p99_ms: r(percentile(times, 99)),
    max_ms: r(times[times.length - 1] ?? NaN),
    mean_events: r(returned / Math.max(1, times.length)),
  };
  ctx.note(
    `${label} device page of 100 on ${stored.toLocaleString('en-US')} events: p50 ${f.p50_ms} ms, p95 ${f.p95_ms} ms, p99 ${f.p99_ms} ms (${f.mean_events} events/page)`,
  );
  return Object.fromEntries(Object.entries(f).map(([k, v]) => [prefix + k, v]));
}
