/**
 * (c) Query latency: a page of 100 events for one device and a time range, newest first — what the
 * dashboard's device view and `GET /events?device=…&from=…&to=…` ask — on the filled store, through
 * the store port (worker hop and copy included). Random devices, random windows of 1–12 hours.
 */
import type { Store } from '../src/store/store.js';
import { deviceId, type DistrictOptions } from './rows.js';
import { percentile, type BenchContext, type Figures } from './measure.js';

const HOUR = 3_600_000;
const WARMUP = 20;

export async function measureQueries(ctx: BenchContext, store: Store, stored: number, stream: DistrictOptions): Promise<Figures> {
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
    const page = await store.events.query({ device, from, to: from + span, limit: 100 });
    const ms = performance.now() - t0;
    if (i >= WARMUP) {
      times.push(ms);
      returned += page.events.length;
    }
    if (i % 50 === 0) ctx.progress.update(`queries: ${i} / ${total}`);
  }
  times.sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  const figures: Figures = {
    query_count: times.length,
    query_store_events: stored,
    query_p50_ms: r(percentile(times, 50)),
    query_p95_ms: r(percentile(times, 95)),
    query_p99_ms: r(percentile(times, 99)),
    query_max_ms: r(times[times.length - 1] ?? NaN),
    query_mean_events: r(returned / Math.max(1, times.length)),
  };
  ctx.note(
    `(c) device page of 100 on ${stored.toLocaleString('en-US')} events: p50 ${figures.query_p50_ms} ms, p95 ${figures.query_p95_ms} ms, p99 ${figures.query_p99_ms} ms (${figures.query_mean_events} events/page)`,
  );
  return figures;
}
