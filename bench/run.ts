/**
 * `npm run bench` (= `tsx bench/run.ts`): the ingest and query benchmark of issue 2, in one run —
 *   (a) the raw baseline: plain better-sqlite3, indexed on time and device+time, 1,000-row transactions;
 *   (b) the store's append throughput on the same rows, and the ratio to (a);
 *   (c) query latency p50/p95 of a 100-event device page on a store of ≥ 5,000,000 events;
 *   (d) peak RSS;
 *   (e) end-to-end HTTP ingest through the whole hub, then a check that every event is queryable;
 *   (f) with --peer-influx: the peer InfluxDB 1.6 given the work of (e) and (c) (peer-influx.ts).
 * Progress goes to the terminal as it runs; the last line of standard output is ONE JSON object of
 * all figures. Everything is written to a temporary directory, removed at the end.
 *
 * Flags: --quick (small smoke run), --rows N, --fill N, --queries N, --devices N, --e2e-seconds S
 * (0 skips e2e), --e2e-concurrency N, --e2e-batch N, --keep (leave the temp dir), --profile DIR (the e2e
 * hub writes V8 CPU profiles of every thread to DIR; open them in Chrome DevTools), --peer-influx
 * (adds (f); --influxd PATH names the server binary, /usr/bin/influxd by default).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProgress } from '../src/cli/progress.js';
import { baselineSection } from './baseline.js';
import { storeSection } from './store-append.js';
import { e2eSection } from './e2e.js';
import { influxdBinary, influxPeerSection } from './peer-influx.js';
import { fmt, peakRssMb, UsageError, type BenchOptions, type Figures, type Section } from './measure.js';

function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

function count(args: readonly string[], name: string, fallback: number): number {
  const v = flag(args, name);
  if (v === undefined) return fallback;
  const n = Number(v.replaceAll('_', ''));
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} wants a whole number, got ${v}`);
  return n;
}

export function parseOptions(args: readonly string[], dir: string): BenchOptions {
  const quick = args.includes('--quick');
  return {
    quick,
    rows: count(args, 'rows', quick ? 50_000 : 2_000_000),
    fill: count(args, 'fill', quick ? 100_000 : 5_000_000),
    queries: count(args, 'queries', quick ? 100 : 1_000),
    devices: count(args, 'devices', quick ? 200 : 1_000),
    e2eSeconds: count(args, 'e2e-seconds', quick ? 5 : 60),
    e2eConcurrency: count(args, 'e2e-concurrency', 8),
    e2eBatch: count(args, 'e2e-batch', 5_000),
    profileDir: flag(args, 'profile'),
    peerInflux: args.includes('--peer-influx'),
    influxd: flag(args, 'influxd'),
    dir,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--peer-influx')) influxdBinary({ influxd: flag(args, 'influxd') });
  parseOptions(args, '');
  const dir = mkdtempSync(join(tmpdir(), 'parapet-bench-'));
  const opts = parseOptions(args, dir);
  const progress = createProgress({ write: (t: string) => process.stderr.write(t), isTTY: process.stderr.isTTY, columns: process.stderr.columns });
  const note = (line: string) => progress.note(line);
  const figures: Figures = {
    node: process.version,
    cpus: cpus().length,
    load_avg_start: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    quick: opts.quick,
  };
  const sections: Section[] = [baselineSection, storeSection, ...(opts.e2eSeconds > 0 ? [e2eSection] : []), ...(opts.peerInflux ? [influxPeerSection] : [])];
  note(`Parapet bench: ${fmt(opts.rows)} rows, store of ${fmt(opts.fill)} events, ${opts.devices} devices, e2e ${opts.e2eSeconds} s — in ${dir}`);
  try {
    for (const s of sections) Object.assign(figures, await s.run({ opts, progress, note }));
    const baseline = figures.baseline_events_per_s;
    const store = figures.store_events_per_s;
    const e2e = figures.e2e_events_per_s;
    if (typeof baseline === 'number' && typeof store === 'number') figures.store_vs_baseline = Math.round((store / baseline) * 100) / 100;
    if (typeof baseline === 'number' && typeof e2e === 'number') figures.e2e_vs_baseline = Math.round((e2e / baseline) * 100) / 100;
    const peer = figures.peer_influx_events_per_s;
    if (typeof peer === 'number' && peer > 0 && typeof e2e === 'number') figures.e2e_vs_peer_influx = Math.round((e2e / peer) * 100) / 100;
    const peerP95 = figures.peer_influx_query_p95_ms;
    if (typeof peerP95 === 'number' && peerP95 > 0 && typeof figures.query_p95_ms === 'number') figures.query_p95_vs_peer_influx = Math.round((figures.query_p95_ms / peerP95) * 100) / 100;
    figures.peak_rss_mb = peakRssMb();
    figures.load_avg_end = Math.round((loadavg()[0] ?? 0) * 100) / 100;
    note(`store / baseline: ${String(figures.store_vs_baseline)}×${figures.e2e_vs_baseline !== undefined ? `; end-to-end / baseline: ${String(figures.e2e_vs_baseline)}×` : ''}; bench process peak RSS ${String(figures.peak_rss_mb)} MB`);
    if (figures.e2e_vs_peer_influx !== undefined) note(`end-to-end / peer InfluxDB ingest: ${String(figures.e2e_vs_peer_influx)}×; device page p95 / peer's: ${String(figures.query_p95_vs_peer_influx)}× (below 1 is faster)`);
    for (const line of verdicts(figures, opts.quick)) note(line);
  } finally {
    progress.update('bench finished');
    progress.done();
    if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

/** Issue 2's targets beside this run's figures: MET or MISSED, never left for the reader to work out. */
function verdicts(f: Figures, quick: boolean): string[] {
  if (quick) return ['targets (issue 2) are judged on a full run, not on --quick'];
  const out: string[] = [];
  const judge = (what: string, ok: boolean, detail: string) => out.push(`target ${what}: ${ok ? 'MET' : 'MISSED'} (${detail})`);
  if (typeof f.query_p95_ms === 'number') {
    const full = typeof f.query_store_events === 'number' && f.query_store_events >= 5_000_000;
    judge('device page p95 ≤ 10 ms on 5,000,000 events', full && f.query_p95_ms <= 10, `${f.query_p95_ms} ms on ${fmt(Number(f.query_store_events))} events`);
  }
  if (typeof f.e2e_hub_peak_rss_mb === 'number') judge('hub peak RSS ≤ 400 MB during sustained ingest', f.e2e_hub_peak_rss_mb <= 400, `${f.e2e_hub_peak_rss_mb} MB`);
  const e2e = f.e2e_events_per_s;
  const base = f.baseline_events_per_s;
  if (typeof e2e === 'number') {
    // The issue sets the target on a machine that runs the baseline "near 40,000 rows/s"; the same
    // hub on a slower or busier moment of a shared machine scales with it, so say where this run stood.
    const scaled = typeof base === 'number' && base > 0 && f.baseline_rows === 2_000_000 ? `; at this run's baseline of ${fmt(base)} rows/s, ${String(f.e2e_vs_baseline)}× the baseline, ≈ ${fmt((e2e * 40_000) / base)} events/s on a 40,000 rows/s one` : '';
    judge('end-to-end ingest ≥ 100,000 events/s for 60 s', e2e >= 100_000 && f.e2e_verified === true && typeof f.e2e_seconds === 'number' && f.e2e_seconds >= 59.5, `${fmt(e2e)} events/s over ${String(f.e2e_seconds)} s, every event ${f.e2e_verified === true ? '' : 'NOT '}found by device and time${scaled}`);
  }
  return out;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof UsageError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
