/**
 * (b) The store's append throughput on the baseline's rows, then (c) filling it to the query size
 * and measuring query latency on it. The store is the real one — encrypted SQLite, writer worker,
 * group commit — driven the way the ingest pipeline drives it: append calls of APPEND_BATCH events,
 * a few in flight, each resolving after its commit.
 */
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { District, districtDevices, type DistrictOptions } from './rows.js';
import { fmt, peakRssMb, rate, resetPeakRss, type BenchContext, type BenchOptions, type Figures, type Section } from './measure.js';
import { measureQueries, storePages } from './queries.js';

/** Events per append call (the pipeline's default commit batch) and calls in flight. */
const APPEND_BATCH = 20_000;
const IN_FLIGHT = 4;
/** Events generated ahead of timing, so generation is not measured. */
const CHUNK = 100_000;

/** The one event stream of the benchmark: 2 days of event time over the fill, in day partitions. */
export function streamOptions(o: BenchOptions): DistrictOptions {
  return { devices: o.devices, start: Date.parse('2026-11-20T00:00:00.000Z'), rate: Math.max(1, Math.round(o.fill / (2 * 86_400))), seed: 42 };
}

/** Appends `n` more events of the stream; returns the time spent appending, ms. */
export async function appendStream(store: Store, district: District, n: number, onProgress: (done: number, ms: number) => void): Promise<number> {
  let ms = 0;
  let done = 0;
  while (done < n) {
    const chunk = district.next(Math.min(CHUNK, n - done));
    const t0 = performance.now();
    const running = new Set<Promise<unknown>>();
    for (let i = 0; i < chunk.length; i += APPEND_BATCH) {
      if (running.size >= IN_FLIGHT) await Promise.race(running);
      const p: Promise<unknown> = store.events.append(chunk.slice(i, i + APPEND_BATCH)).finally(() => running.delete(p));
      running.add(p);
    }
    await Promise.all(running);
    ms += performance.now() - t0;
    done += chunk.length;
    onProgress(done, ms);
  }
  return ms;
}

export const storeSection: Section = {
  name: 'store',
  async run(ctx: BenchContext): Promise<Figures> {
    const o = ctx.opts;
    resetPeakRss();
    const store = await openSqliteStore({ file: join(o.dir, 'store.db'), key: randomBytes(32) });
    try {
      for (const d of districtDevices(o.devices)) await store.devices.put(d, Date.now());
      const district = new District(streamOptions(o));
      const ms = await appendStream(store, district, o.rows, (done, t) =>
        ctx.progress.update(`store append: ${fmt(done)} / ${fmt(o.rows)} events, ${fmt(rate(done, t))} events/s`),
      );
      const figures: Figures = { store_rows: o.rows, store_events_per_s: rate(o.rows, ms), store_seconds: Math.round(ms) / 1000 };
      ctx.note(`(b) store append: ${fmt(rate(o.rows, ms))} events/s (${fmt(o.rows)} events, encrypted, dedupe on (device, id))`);

      const more = Math.max(0, o.fill - o.rows);
      const fillMs = await appendStream(store, district, more, (done, t) =>
        ctx.progress.update(`store fill: ${fmt(o.rows + done)} / ${fmt(o.fill)} events, ${fmt(rate(done, t))} events/s`),
      );
      const stored = await store.events.count({});
      figures.store_fill_events = stored;
      figures.store_fill_events_per_s = more > 0 ? rate(more, fillMs) : null;
      figures.store_append_peak_rss_mb = peakRssMb();
      ctx.note(`    fill to ${fmt(stored)} events${more > 0 ? ` at ${fmt(rate(more, fillMs))} events/s` : ''}; peak RSS ${figures.store_append_peak_rss_mb} MB`);

      Object.assign(figures, await measureQueries(ctx, storePages(store), district.count, streamOptions(o)));
      return figures;
    } finally {
      await store.close();
    }
  },
};
