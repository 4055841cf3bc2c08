/**
 * In-process micro-benchmark of the map's viewport query (issue 6), for a quick before/after on a
 * busy machine: the registry alone (memory store and bus, no HTTP, no browser), 100,000 devices of
 * bench/map.ts's city, the three views of bench/map.ts. Each round runs the straightforward path
 * (the route's former code: `scan` then `viewportAnswer`) and the indexed one (`registry.viewport`)
 * back to back, alternating which goes first, so both see the same load; figures are ms per query
 * and the ratio old / new from the same run.
 *
 *   npx tsx bench/map-viewport.ts [--devices 100000] [--rounds 50]
 */
import { parseArgs } from 'node:util';
import { FakeClock } from '../src/core/clock.js';
import { sealSafeEvent, type SafeEvent } from '../src/core/event.js';
import { DeviceRegistry } from '../src/registry/registry.js';
import { inViewport, parseViewport, viewportAnswer, type Viewport, type ViewportAnswer } from '../src/registry/viewport.js';
import { createMemoryStore } from '../src/store/memory/memory-store.js';
import { MemoryBus } from '../src/bus/memory/memory-bus.js';
import { cityDevices, MAP_VIEWS } from './map-devices.js';

const { values: args } = parseArgs({ options: { devices: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '50' } } });
const N = Number(args.devices);
const ROUNDS = Number(args.rounds);
const WARMUP = 5;

const log = (m: string) => process.stderr.write(`${m}\n`);
const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

function pct(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

function sameAnswer(a: ViewportAnswer, b: ViewportAnswer): boolean {
  return a.total === b.total && a.clustered === b.clustered && a.clusters.length === b.clusters.length && a.devices.length === b.devices.length && JSON.stringify(a.bounds) === JSON.stringify(b.bounds);
}

async function main(): Promise<void> {
  const clock = new FakeClock(Date.now());
  const store = createMemoryStore();
  const bus = new MemoryBus((_t, err) => {
    throw err;
  });
  const registry = new DeviceRegistry({ store: store.devices, bus, clock });

  const all = cityDevices(N);
  let t = performance.now();
  for (const d of all) await registry.put(d);
  const putMs = performance.now() - t;
  log(`${N.toLocaleString()} devices put in ${Math.round(putMs)} ms (index kept on every put)`);

  // Liveness as bench/map.ts: 85 % heartbeat, 1 in 50 of those then a fault; the rest stay unknown.
  const now = clock.now();
  const ev = (device: string, kind: 'device.heartbeat' | 'device.fault', at: number, data: Record<string, unknown>): SafeEvent =>
    sealSafeEvent({ id: null, ts: at, received_at: at, device, site: '', zone: null, kind, data });
  const events = all.flatMap((d, i) => (i % 100 < 85 ? [ev(d.id, 'device.heartbeat', now - 1000, {}), ...(i % 50 === 7 ? [ev(d.id, 'device.fault', now, { code: 'E1' })] : [])] : []));
  t = performance.now();
  for (let i = 0; i < events.length; i += 10_000) await registry.committed(registry.livenessFor(events.slice(i, i + 10_000)));
  const livenessMs = performance.now() - t;
  log(`${events.length.toLocaleString()} liveness events committed in ${Math.round(livenessMs)} ms`);

  const old = (vp: Viewport, sites: readonly string[] | null) =>
    viewportAnswer(
      registry.scan((d) => inViewport(d, vp) && (sites === null || sites.includes(d.site))),
      vp,
      (s) => registry.view(s.device.id),
    );
  const indexed = (vp: Viewport, sites: readonly string[] | null) => registry.viewport(vp, sites);

  const scoped = Array.from({ length: 5 }, (_, i) => `district-${i * 8}`);
  const cases: Array<[string, Viewport, readonly string[] | null]> = MAP_VIEWS.map(([name, bbox, zoom]) => [name, parseViewport(bbox, zoom), null]);
  const cityView = cases[0]?.[1] ?? parseViewport('-9.35,38.60,-8.93,38.84', 11);
  cases.push(['city (z11), scoped to 5 of 40 sites', cityView, scoped]);
  cases.push(['city (z11.5: cells not aligned with tiles)', { ...cityView, zoom: 11.5 }, null]);

  const results: Record<string, unknown> = {};
  for (const [name, vp, sites] of cases) {
    const a = old(vp, sites);
    const b = indexed(vp, sites);
    if (!sameAnswer(a, b)) throw new Error(`${name}: the answers differ (${a.total}/${a.clusters.length} vs ${b.total}/${b.clusters.length})`);
    const times = { old: [] as number[], indexed: [] as number[] };
    for (let r = 0; r < WARMUP + ROUNDS; r++) {
      const order: Array<'old' | 'indexed'> = r % 2 === 0 ? ['old', 'indexed'] : ['indexed', 'old'];
      for (const which of order) {
        const t0 = performance.now();
        if (which === 'old') old(vp, sites);
        else indexed(vp, sites);
        if (r >= WARMUP) times[which].push(performance.now() - t0);
      }
    }
    const row = {
      total: b.total,
      items: b.devices.length + b.clusters.length,
      old_ms: { p50: round(pct(times.old, 50)), p95: round(pct(times.old, 95)) },
      indexed_ms: { p50: round(pct(times.indexed, 50), 3), p95: round(pct(times.indexed, 95), 3) },
      ratio_p50: round(pct(times.old, 50) / pct(times.indexed, 50), 0),
    };
    results[name] = row;
    log(`${name}: ${JSON.stringify(row)}`);
  }

  // Worst case for status freshness: every heartbeat deadline passes at once (all were sent in the
  // same second), and the next query moves some 83,000 devices offline before it answers.
  clock.advance(600_000);
  t = performance.now();
  const expired = indexed(cityView, null);
  const expiryMs = performance.now() - t;
  const offline = expired.clusters.reduce((n, c) => n + c.status.offline, 0) + expired.devices.filter((d) => d.status === 'offline').length;
  t = performance.now();
  const check = old(cityView, null);
  const oldAfterMs = performance.now() - t;
  if (!sameAnswer(check, expired)) throw new Error('the answers differ after the deadlines passed');
  log(`all deadlines passing at once: first indexed query ${round(expiryMs)} ms (${offline.toLocaleString()} now offline); straightforward ${round(oldAfterMs)} ms`);

  process.stdout.write(
    JSON.stringify(
      {
        at: new Date().toISOString(),
        devices: N,
        rounds: ROUNDS,
        put_ms: Math.round(putMs),
        liveness_commit_ms: Math.round(livenessMs),
        queries: results,
        all_deadlines_at_once: { indexed_first_query_ms: round(expiryMs), old_ms: round(oldAfterMs), offline },
      },
      null,
      2,
    ) + '\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
