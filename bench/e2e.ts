/**
 * (e) End-to-end ingest (issue 2, target ≥ 100,000 events/s for 60 s): NDJSON batches over HTTP into
 * the real hub in its own process, started as `npm start` starts it (compiled, same Node.js flags) — auth, decode, validate, refuse-prohibited,
 * pseudonymise, dedupe, append to the encrypted store, rules — answered 202 only after commit.
 * Then every accepted event is checked to be queryable by device and time: per device, the
 * histogram over the run's time range must count exactly what the hub accepted for it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { deviceId, districtDevices } from './rows.js';
import { cpuMs, fmt, peakRssMb, rate, type BenchContext, type Figures, type Section } from './measure.js';
import { runLoad, type Answer } from './load.js';

interface HubInfo {
  readonly url: string;
  readonly ingest: string;
  readonly operator: string;
  readonly admin: string;
}

interface IngestAnswer {
  accepted: number;
  duplicates: number;
  rejected: Array<{ index: number; error: string; detail: string }>;
}

/** Events as devices send them: identifiers (plates, cards) in clear — the hub pseudonymises. */
export function rawEvent(d: number, c: number, ts: number): string {
  const dev = deviceId(d);
  const head = `{"id":"${dev}-${String(c).padStart(8, '0')}","ts":${ts},"device":"${dev}","kind":`;
  if (c % 20 === 19) return `${head}"device.heartbeat","data":{"uptime_s":${c}}}`;
  switch (d % 5) {
    case 0:
      return `${head}"camera.motion","data":{"zone":"zone-${d % 40}"}}`;
    case 1:
      return `${head}"env.noise","data":{"laeq":${40 + (c % 400) / 10}}}`;
    case 2:
      return `${head}"access.granted","data":{"door":"door-${d}","credential":"card-${(c * 7919) % 100_000}","method":"card"}}`;
    case 3:
      return `${head}"lpr.read","data":{"plate":"AB${(c * 31) % 10_000}CD","confidence":0.9,"direction":"in"}}`;
    default:
      return `${head}"telemetry.reading","data":{"metric":"power_kw","value":${(c % 1000) / 10},"unit":"kW"}}`;
  }
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The Node.js flags `npm start` runs the hub with, read from package.json, so the benchmark
 * measures the hub exactly as operators run it: `node [flags] dist/cli/main.js start`.
 */
export function startFlags(pkg: { scripts?: Record<string, string> }): string[] {
  const script = pkg.scripts?.start ?? '';
  const m = /^node((?:\s+--\S+)*)\s+dist\/cli\/main\.js start$/.exec(script.trim());
  if (!m) throw new Error(`package.json's start script is not "node [flags] dist/cli/main.js start": ${script}`);
  return (m[1] ?? '').trim().split(/\s+/).filter((f) => f.length > 0);
}

/** Compiles the hub (incremental tsc, as `npm start` does) so dist/ matches the sources. */
function buildHub(ctx: BenchContext): void {
  ctx.progress.update('e2e: compiling the hub (npm run build:server)');
  const r = spawnSync('npm', ['run', '--silent', 'build:server'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('npm run build:server failed');
}

/** Runs the compiled CLI with the start flags and returns its standard output. */
function cli(flags: readonly string[], args: readonly string[]): string {
  const r = spawnSync(process.execPath, [...flags, join(ROOT, 'dist/cli/main.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`parapet ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** The secret `parapet token create` prints alone on its last line. */
const lastLine = (out: string): string => out.trim().split('\n').at(-1) ?? '';

/**
 * Sets up a data dir with the CLI (devices imported, two tokens) and starts the hub on it, all
 * through the compiled `parapet` binary with the flags of `npm start`.
 */
async function startHubProcess(ctx: BenchContext, dir: string, devices: number, commitBatch: number, profileDir?: string): Promise<{ child: ChildProcess; info: HubInfo }> {
  buildHub(ctx);
  const flags = startFlags(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> });
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'bench-config.json');
  writeFileSync(config, JSON.stringify({ data_dir: join(dir, 'data'), http: { port: 0 }, mqtt: { enabled: false }, log: { level: 'warn' }, ingest: { commit_batch: commitBatch } }));
  const devicesFile = join(dir, 'devices.json');
  writeFileSync(devicesFile, JSON.stringify(districtDevices(devices)));
  ctx.progress.update(`e2e: registering ${devices} devices and three tokens with the parapet CLI`);
  cli(flags, ['--config', config, 'device', 'import', devicesFile]);
  const ingest = lastLine(cli(flags, ['--config', config, 'token', 'create', '--name', 'bench-ingest', '--role', 'ingest']));
  const operator = lastLine(cli(flags, ['--config', config, 'token', 'create', '--name', 'bench-operator', '--role', 'operator']));
  const admin = lastLine(cli(flags, ['--config', config, 'token', 'create', '--name', 'bench-admin', '--role', 'admin']));
  const prof = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...flags, ...prof, join(ROOT, 'dist/cli/main.js'), '--config', config, 'start'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const stdout = child.stdout;
  if (!stdout) throw new Error('the hub process has no stdout');
  const url = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: stdout });
    rl.on('line', (l) => {
      const m = /dashboard and API\s+(\S+)/.exec(l);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`the hub process exited (${code}) before it was ready`)));
  });
  return { child, info: { url, ingest, operator, admin } };
}

async function stopHubProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export const e2eSection: Section = {
  name: 'e2e',
  async run(ctx: BenchContext): Promise<Figures> {
    const o = ctx.opts;
    const { child, info } = await startHubProcess(ctx, join(o.dir, 'hub'), o.devices, 50_000, o.profileDir);
    const agent = new Agent({ connections: o.e2eConcurrency, pipelining: 1 });
    try {
      const busy0 = await threadBusy(info);
      const hubCpu0 = cpuMs(child.pid ?? 0);
      const loadCpu0 = cpuMs();
      const load = await runLoad(ctx, 'e2e HTTP ingest', rawEvent, async (body): Promise<Answer> => {
        const res = await request(`${info.url}/api/v1/events`, {
          method: 'POST',
          dispatcher: agent,
          headers: { authorization: `Bearer ${info.ingest}`, 'content-type': 'application/x-ndjson' },
          body,
        });
        const text = await res.body.text();
        if (res.statusCode !== 202) return { ok: false, error: `${res.statusCode} ${text.slice(0, 200)}` };
        const a = JSON.parse(text) as IngestAnswer;
        return { ok: true, ...a, ...(a.rejected[0] ? { firstRejection: JSON.stringify(a.rejected[0]) } : {}) };
      });
      const { accepted, duplicates, rejected, expected, ms } = load;
      // CPU per accepted event, of the hub (all its threads) and of this load generator: on a
      // shared machine the rate depends on what else runs, the CPU an event costs much less.
      const hubCpuUs = ((cpuMs(child.pid ?? 0) - hubCpu0) * 1000) / Math.max(1, accepted);
      const loadCpuUs = ((cpuMs() - loadCpu0) * 1000) / Math.max(1, accepted);
      const hubRss = peakRssMb(child.pid ?? 0);
      // Per thread, busy time per accepted event (the hub's own /metrics): which thread limits.
      const busy1 = await threadBusy(info);
      const perThread: Record<string, number> = {};
      for (const [t, s] of busy1) perThread[t] = Math.round((((s - (busy0.get(t) ?? 0)) * 1e6) / Math.max(1, accepted)) * 10) / 10;
      const busyShare = Object.fromEntries(Object.entries(perThread).map(([t, us]) => [t, Math.round(((us * accepted) / 1e6 / (ms / 1000)) * 100)]));
      const figures: Figures = {
        e2e_seconds: Math.round(ms) / 1000,
        e2e_events: accepted,
        e2e_events_per_s: rate(accepted, ms),
        e2e_duplicates: duplicates,
        e2e_rejected: rejected,
        e2e_failed_requests: load.failedRequests,
        e2e_hub_peak_rss_mb: hubRss,
        e2e_hub_cpu_us_per_event: Math.round(hubCpuUs * 10) / 10,
        e2e_loadgen_cpu_us_per_event: Math.round(loadCpuUs * 10) / 10,
        ...Object.fromEntries(Object.entries(perThread).map(([t, us]) => [`e2e_busy_us_per_event_${t}`, us])),
        e2e_concurrency: o.e2eConcurrency,
        e2e_batch: o.e2eBatch,
      };
      ctx.note(`(e) end-to-end HTTP ingest: ${fmt(rate(accepted, ms))} events/s for ${(ms / 1000).toFixed(1)} s (${fmt(accepted)} events, hub peak RSS ${hubRss} MB)`);
      ctx.note(`    CPU per event: hub ${hubCpuUs.toFixed(1)} µs (all threads), load generator ${loadCpuUs.toFixed(1)} µs; ${cpus().length} cores give ${fmt((cpus().length * 1e6) / (hubCpuUs + loadCpuUs))} events/s at most with both on this machine`);
      ctx.note(`    busy per event, by hub thread: ${Object.entries(perThread).map(([t, us]) => `${t} ${us} µs (${busyShare[t]} % of the run)`).join(', ')}`);
      for (const e of load.errors) ctx.note(`    error: ${e}`);
      Object.assign(figures, await verify(ctx, info, agent, expected, load.minTs, load.maxTs + 1));
      return figures;
    } finally {
      await agent.close();
      await stopHubProcess(child);
    }
  },
};

/** parapet_thread_busy_seconds_total per thread, from the hub's /metrics. */
async function threadBusy(info: HubInfo): Promise<Map<string, number>> {
  const res = await request(`${info.url}/api/v1/metrics`, { headers: { authorization: `Bearer ${info.admin}` } });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`/metrics answered ${res.statusCode}: ${text.slice(0, 200)}`);
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^parapet_thread_busy_seconds_total\{thread="([a-z]+)"\} ([0-9.]+)$/gm)) out.set(m[1] as string, Number(m[2]));
  return out;
}

/** Per device, the histogram over the run must count exactly the events accepted for it. */
async function verify(ctx: BenchContext, info: HubInfo, agent: Agent, expected: Uint32Array, from: number, to: number): Promise<Figures> {
  let mismatched = 0;
  let counted = 0;
  let d = 0;
  const t0 = performance.now();
  const histogram = async (params: Record<string, string>): Promise<number> => {
    const q = new URLSearchParams({ ...params, from: String(from), to: String(to), interval: '1d' });
    const res = await request(`${info.url}/api/v1/events/histogram?${q.toString()}`, { dispatcher: agent, headers: { authorization: `Bearer ${info.operator}` } });
    const body = (await res.body.json()) as { buckets?: Array<{ count: number }> };
    if (res.statusCode !== 200) throw new Error(`histogram answered ${res.statusCode}: ${JSON.stringify(body)}`);
    return (body.buckets ?? []).reduce((a, b) => a + b.count, 0);
  };
  const worker = async () => {
    while (d < expected.length) {
      const dev = d++;
      const device = deviceId(dev);
      // The hub adds its own device.status events (status changes, SPEC §2 registry): not ours to count.
      const n = (await histogram({ device })) - (await histogram({ device, kind: 'device.status' }));
      counted += n;
      if (n !== expected[dev]) mismatched++;
      if (dev % 50 === 0) ctx.progress.update(`e2e verify: ${dev} / ${expected.length} devices`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, () => worker()));
  const verified = mismatched === 0;
  ctx.note(`    verify: ${fmt(counted)} events found by device and time in ${((performance.now() - t0) / 1000).toFixed(1)} s — ${verified ? 'every accepted event is there' : `${mismatched} devices differ`}`);
  return { e2e_verified: verified, e2e_verified_events: counted, e2e_mismatched_devices: mismatched };
}
