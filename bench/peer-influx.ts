/**
 * (f) The peer, in the same run (`--peer-influx`): InfluxDB 1.6, Debian's `influxdb`, the store issue 2
 * names as the one to catch ("about 170,000 events/s … no authentication, no validation and plates
 * in clear"; a device page "in about 5 ms"). It is started on its own, on this machine, with its
 * packaged defaults (WAL fsync on every write, in-memory index) except for ports, directories and
 * logging, and given the benchmark's own work:
 *
 *   (f1) ingest: the same raw event stream as (e), plates and cards in clear, as line protocol over
 *        HTTP, with the same requests in flight and events per request, for the same duration; then
 *        per device the stored count must equal what it acknowledged;
 *   (f2) query: the same 5,000,000-event stream as (c), then the same device pages, in the same
 *        order, through its HTTP API (its only interface; Parapet's (c) goes through the store port).
 *
 * One point per event: measurement `events`, tags device and kind (and site and zone in f2), the
 * event's id and data as fields. Two events of a device and kind with the same millisecond would be
 * one point to InfluxDB (a series keeps one value per timestamp), so each event's time carries its
 * number in the stream as nanoseconds: no event is overwritten.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import type { SafeEvent } from '../src/core/event.js';
import { deviceId, District } from './rows.js';
import { rawEvent } from './e2e.js';
import { streamOptions } from './store-append.js';
import { measureQueries } from './queries.js';
import { cpuMs, fmt, peakRssMb, rate, UsageError, type BenchContext, type Figures, type Section } from './measure.js';
import { runLoad, type Answer } from './load.js';
import { freePort } from '../test/helpers/ports.js';

const DEFAULT_INFLUXD = '/usr/bin/influxd';

// Line protocol escaping (InfluxDB 1.x reference, "Line protocol syntax").
// Tag values and keys: commas, equals signs and spaces (a backslash needs no escape there).
const tag = (v: string): string => v.replace(/[,= ]/g, (c) => `\\${c}`);
const fieldKey = tag;
const str = (v: string): string => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;

function fieldValue(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : str(String(v));
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return str(v);
  return str(JSON.stringify(v));
}

export interface LineEvent {
  readonly id: string | null;
  readonly device: string;
  readonly kind: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly tags?: Readonly<Record<string, string | null>>;
}

/** One event as one line-protocol point at `ns` nanoseconds (a decimal string: ns exceed 2^53). */
export function toLine(e: LineEvent, ns: string): string {
  let head = `events,device=${tag(e.device)},kind=${tag(e.kind)}`;
  for (const [k, v] of Object.entries(e.tags ?? {})) if (v !== null && v !== '') head += `,${tag(k)}=${tag(v)}`;
  const fields: string[] = [];
  if (e.id !== null) fields.push(`id=${str(e.id)}`);
  for (const [k, v] of Object.entries(e.data)) if (v !== null && v !== undefined) fields.push(`${fieldKey(k === 'id' ? 'data_id' : k)}=${fieldValue(v)}`);
  if (fields.length === 0) fields.push('n=1');
  return `${head} ${fields.join(',')} ${ns}`;
}

/** Milliseconds plus a sub-millisecond place, as nanoseconds. */
const nsOf = (ms: number, place: number): string => `${ms}${String(place).padStart(6, '0')}`;

interface Influx {
  readonly child: ChildProcess;
  readonly url: string;
  readonly version: string;
}

async function startInflux(bin: string, dir: string): Promise<Influx> {
  mkdirSync(dir, { recursive: true });
  const [http, rpc] = [await freePort(), await freePort()];
  const conf = join(dir, 'influxdb.conf');
  writeFileSync(
    conf,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpc}"`,
      '[meta]',
      `  dir = "${join(dir, 'meta')}"`,
      '  logging-enabled = false',
      '[data]',
      `  dir = "${join(dir, 'data')}"`,
      `  wal-dir = "${join(dir, 'wal')}"`,
      '  query-log-enabled = false',
      '[monitor]',
      '  store-enabled = false',
      '[http]',
      `  bind-address = "127.0.0.1:${http}"`,
      '  log-enabled = false',
      '',
    ].join('\n'),
  );
  const log = openSync(join(dir, 'influxd.log'), 'a');
  const child = spawn(bin, ['-config', conf], { stdio: ['ignore', log, log] });
  closeSync(log);
  const url = `http://127.0.0.1:${http}`;
  const until = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`influxd exited with code ${child.exitCode}; see ${join(dir, 'influxd.log')}`);
    try {
      const res = await request(`${url}/ping`);
      await res.body.dump();
      if (res.statusCode === 204) return { child, url, version: String(res.headers['x-influxdb-version'] ?? 'unknown') };
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`influxd did not answer /ping within 30 s; see ${join(dir, 'influxd.log')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopInflux(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

interface InfluxSeries {
  readonly tags?: Record<string, string>;
  readonly values?: unknown[][];
}

async function influxQuery(ix: Influx, agent: Agent, db: string, q: string): Promise<InfluxSeries[]> {
  const params = new URLSearchParams({ db, q, epoch: 'ms' });
  const res = await request(`${ix.url}/query?${params.toString()}`, { method: 'POST', dispatcher: agent });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`influxdb query answered ${res.statusCode}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { results?: Array<{ series?: InfluxSeries[]; error?: string }> };
  const first = body.results?.[0];
  if (first?.error) throw new Error(`influxdb query failed: ${first.error} (${q})`);
  return first?.series ?? [];
}

async function write(ix: Influx, agent: Agent, db: string, body: string): Promise<void> {
  const res = await request(`${ix.url}/write?db=${db}&precision=ns`, { method: 'POST', dispatcher: agent, body });
  const text = await res.body.text();
  if (res.statusCode !== 204) throw new Error(`influxdb write answered ${res.statusCode}: ${text.slice(0, 300)}`);
}

/** (f1): the (e) stream for the (e) duration; per device, the stored count must equal what was acknowledged. */
async function ingest(ctx: BenchContext, ix: Influx, agent: Agent): Promise<Figures> {
  const o = ctx.opts;
  await influxQuery(ix, agent, '', 'CREATE DATABASE ingest');
  const peerCpu0 = cpuMs(ix.child.pid ?? 0);
  const loadCpu0 = cpuMs();
  // The event's number in the stream keeps apart the events of concurrent requests made in one millisecond.
  const line = (d: number, c: number, ts: number, n: number) => toLine(JSON.parse(rawEvent(d, c, ts)) as LineEvent, nsOf(ts, n % 1_000_000));
  const load = await runLoad(ctx, 'peer InfluxDB ingest', line, async (body, events): Promise<Answer> => {
    try {
      await write(ix, agent, 'ingest', body);
      return { ok: true, accepted: events, duplicates: 0, rejected: [] };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  });
  const { accepted, expected, ms, minTs, maxTs } = load;
  const peerCpuUs = ((cpuMs(ix.child.pid ?? 0) - peerCpu0) * 1000) / Math.max(1, accepted);
  const loadCpuUs = ((cpuMs() - loadCpu0) * 1000) / Math.max(1, accepted);
  const rss = peakRssMb(ix.child.pid ?? 0);
  ctx.note(`(f1) peer InfluxDB ${ix.version}, same stream over HTTP: ${fmt(rate(accepted, ms))} events/s for ${(ms / 1000).toFixed(1)} s (${fmt(accepted)} events, peak RSS ${rss} MB)`);
  ctx.note(`    CPU per event: InfluxDB ${peerCpuUs.toFixed(1)} µs, load generator ${loadCpuUs.toFixed(1)} µs`);
  for (const e of load.errors) ctx.note(`    error: ${e}`);

  // Per device, what InfluxDB holds must be what it acknowledged.
  ctx.progress.update('peer InfluxDB verify');
  const series = await influxQuery(ix, agent, 'ingest', `SELECT count("id") FROM events WHERE time >= ${minTs}ms AND time < ${maxTs + 1}ms GROUP BY "device"`);
  const found = new Map<string, number>();
  for (const s of series) found.set(s.tags?.device ?? '', Number(s.values?.[0]?.[1] ?? 0));
  let mismatched = 0;
  let counted = 0;
  for (let d = 0; d < o.devices; d++) {
    const n = found.get(deviceId(d)) ?? 0;
    counted += n;
    if (n !== expected[d]) mismatched++;
  }
  ctx.note(`    verify: ${fmt(counted)} events found by device — ${mismatched === 0 ? 'every acknowledged event is there' : `${mismatched} devices differ`}`);
  return {
    peer_influx_version: ix.version,
    peer_influx_seconds: Math.round(ms) / 1000,
    peer_influx_events: accepted,
    peer_influx_events_per_s: rate(accepted, ms),
    peer_influx_failed_requests: load.failedRequests,
    peer_influx_cpu_us_per_event: Math.round(peerCpuUs * 10) / 10,
    peer_influx_loadgen_cpu_us_per_event: Math.round(loadCpuUs * 10) / 10,
    peer_influx_peak_rss_mb: rss,
    peer_influx_verified: mismatched === 0,
    peer_influx_mismatched_devices: mismatched,
  };
}

/** A (c) event as a point: site and zone as tags, like device and kind. */
const safeLine = (e: SafeEvent, place: number): string =>
  toLine({ id: e.id, device: e.device, kind: e.kind, data: e.data, tags: { site: e.site, zone: e.zone } }, nsOf(e.ts, place));

/** (f2): the (c) stream into a fresh database, then the (c) pages. */
async function queries(ctx: BenchContext, ix: Influx, agent: Agent): Promise<Figures> {
  const o = ctx.opts;
  await influxQuery(ix, agent, '', 'CREATE DATABASE pages');
  const stream = streamOptions(o);
  const district = new District(stream);
  const t0 = performance.now();
  let written = 0;
  let place = 0;
  const client = async () => {
    while (written < o.fill) {
      const n = Math.min(o.e2eBatch, o.fill - written);
      written += n;
      // Several events of the stream share a millisecond; their place keeps them apart.
      const lines = district.next(n).map((e) => safeLine(e, place++ % 1_000_000));
      await write(ix, agent, 'pages', lines.join('\n'));
      ctx.progress.update(`peer InfluxDB fill: ${fmt(written)} / ${fmt(o.fill)} events, ${fmt(rate(written, performance.now() - t0))} events/s`);
    }
  };
  await Promise.all(Array.from({ length: o.e2eConcurrency }, () => client()));
  const fillMs = performance.now() - t0;
  const stored = Number((await influxQuery(ix, agent, 'pages', 'SELECT count("id") FROM events'))[0]?.values?.[0]?.[1] ?? 0);
  ctx.note(`(f2) peer InfluxDB: ${fmt(stored)} events of the (c) stream in, at ${fmt(rate(o.fill, fillMs))} events/s`);
  const figures: Figures = { peer_influx_fill_events: stored, peer_influx_fill_events_per_s: rate(o.fill, fillMs) };
  const page = async (q: { device: string; from: number; to: number; limit: number }): Promise<number> => {
    const series = await influxQuery(
      ix,
      agent,
      'pages',
      `SELECT * FROM events WHERE "device" = '${q.device.replace(/['\\]/g, (c) => `\\${c}`)}' AND time >= ${q.from}ms AND time < ${q.to}ms ORDER BY time DESC LIMIT ${q.limit}`,
    );
    return series.reduce((a, s) => a + (s.values?.length ?? 0), 0);
  };
  Object.assign(figures, await measureQueries(ctx, page, stored, stream, 'peer_influx_query_', '(f2) peer InfluxDB:'));
  return figures;
}

/** The server binary (f) runs; throws at once when it is missing, before (a)–(e) take their minutes. */
export function influxdBinary(opts: { readonly influxd: string | undefined }): string {
  const bin = opts.influxd ?? DEFAULT_INFLUXD;
  if (!existsSync(bin)) throw new UsageError(`--peer-influx: no influxd at ${bin}; install Debian's influxdb (apt-get install influxdb) or name it with --influxd PATH`);
  return bin;
}

export const influxPeerSection: Section = {
  name: 'peer-influx',
  async run(ctx: BenchContext): Promise<Figures> {
    const bin = influxdBinary(ctx.opts);
    const ix = await startInflux(bin, join(ctx.opts.dir, 'influx'));
    const agent = new Agent({ connections: ctx.opts.e2eConcurrency, pipelining: 1 });
    try {
      const figures = await ingest(ctx, ix, agent);
      Object.assign(figures, await queries(ctx, ix, agent));
      return figures;
    } finally {
      await agent.close();
      await stopInflux(ix.child);
    }
  },
};
