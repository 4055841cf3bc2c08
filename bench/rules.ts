/**
 * Rule engine micro-benchmark (issue 4 target: ≥ 300,000 events/s with the built-in pack on one
 * core). Evaluates pre-built batches of a realistic district mix through RuleEngine.process with
 * every built-in rule enabled and a watchlist of 1,000 plates (so every plate read is looked up).
 * Signals are counted, not turned into alerts: that is the alert service's cost, measured by the
 * end-to-end latency benchmark. Run: npx tsx bench/rules.ts [events] [batch]
 */
import { createHash } from 'node:crypto';
import { FakeClock } from '../src/core/clock.js';
import { sealSafeEvent, type SafeEvent } from '../src/core/event.js';
import type { EventKind } from '../src/core/kinds.js';
import type { StoredSafeEvent } from '../src/bus/bus.js';
import { createMemoryAlertStore } from '../src/store/memory/alerts.js';
import { BUILTIN_RULES } from '../src/rules/builtin/index.js';
import { RuleEngine } from '../src/rules/engine.js';
import { Watchlists } from '../src/rules/watchlists.js';
import type { DeviceInfo } from '../src/rules/subject.js';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const BATCH = Number(process.argv[3] ?? 1000);
const EPOCH = '20261126';
const pseudo = (cls: string, raw: string): string => `${cls}:${EPOCH}:${createHash('sha256').update(cls + raw).digest('base64url').slice(0, 22)}`;

// A district: 2,000 devices of every type over 4 sites.
const TYPES = ['camera', 'lpr', 'access', 'fire', 'env', 'wifi', 'meter', 'other'] as const;
const devices = new Map<string, DeviceInfo & { site: string; zone: string }>();
for (let i = 0; i < 2000; i++) {
  const type = TYPES[i % TYPES.length] ?? 'other';
  devices.set(`${type}-${i}`, { type, name: `${type} ${i}`, site: `site-${i % 4}`, zone: `zone-${i % 40}` });
}
const byType = (t: string): string[] => [...devices.keys()].filter((id) => id.startsWith(t + '-'));

let seed = 42;
const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

/** Kind mix of a busy district (weights ≈ share of traffic). */
const MIX: Array<[number, EventKind, string, () => Record<string, unknown>]> = [
  [20, 'camera.motion', 'camera', () => ({})],
  [8, 'camera.occupancy', 'camera', () => ({ zone: 'plaza', object: 'person', count: Math.floor(rnd() * 110) })],
  [6, 'camera.line_crossing', 'camera', () => ({ line: 'gate', direction: pick(['in', 'out']), object: 'person', count: 1 })],
  [15, 'lpr.read', 'lpr', () => ({ plate: pseudo('plate', `P${Math.floor(rnd() * 50_000)}`), confidence: 0.9 })],
  [10, 'access.granted', 'access', () => ({ door: `D${Math.floor(rnd() * 20)}`, credential: pseudo('credential', `C${Math.floor(rnd() * 5000)}`), method: 'card' })],
  [2, 'access.denied', 'access', () => ({ door: `D${Math.floor(rnd() * 20)}`, credential: pseudo('credential', `C${Math.floor(rnd() * 5000)}`), reason: pick(['unknown', 'expired', 'schedule', 'revoked']) })],
  [10, 'device.heartbeat', 'other', () => ({ uptime_s: 100 })],
  [8, 'wifi.count', 'wifi', () => ({ unique_devices: 12, interval_s: 60 })],
  [8, 'env.air_quality', 'env', () => ({ pm25: rnd() * 60, pm10: rnd() * 90, no2: rnd() * 150 })],
  [5, 'telemetry.reading', 'meter', () => ({ metric: 'litres', value: rnd() * 10 })],
  [4, 'env.noise', 'env', () => ({ laeq: 40 + rnd() * 40 })],
  [2, 'device.battery', 'other', () => ({ percent: Math.floor(rnd() * 100) })],
  [1, 'fire.trouble', 'fire', () => ({ point: `P${Math.floor(rnd() * 10)}`, condition: 'ground fault' })],
  [1, 'fire.restore', 'fire', () => ({ point: `P${Math.floor(rnd() * 10)}` })],
];
const weights = MIX.reduce((s, m) => s + m[0], 0);
const pools = new Map(TYPES.map((t) => [t, byType(t)]));

const clock = new FakeClock();
function makeEvent(i: number): SafeEvent {
  let r = rnd() * weights;
  let m = MIX[0];
  for (const x of MIX) {
    r -= x[0];
    if (r <= 0) {
      m = x;
      break;
    }
  }
  if (!m) throw new Error('empty mix');
  const device = pick(pools.get(m[2] as (typeof TYPES)[number]) ?? []);
  const d = devices.get(device);
  const ts = clock.now() + i; // ~1 event/ms of event time
  return sealSafeEvent({ id: null, ts, received_at: ts, device, site: d?.site ?? 's', zone: d?.zone ?? null, kind: m[1], data: m[3]() });
}

async function main(): Promise<void> {
  const batches: StoredSafeEvent[][] = [];
  let seq = 0;
  for (let b = 0; b < TOTAL / BATCH; b++) {
    const batch: StoredSafeEvent[] = [];
    for (let i = 0; i < BATCH; i++) batch.push({ seq: ++seq, event: makeEvent(seq) });
    batches.push(batch);
  }
  const store = createMemoryAlertStore();
  const watch = new Watchlists({ store, clock, key: Buffer.alloc(32, 1), pseudonymsFor: (cls, raw) => [pseudo(cls, raw)], audit: () => undefined });
  for (let i = 0; i < 1000; i++) {
    await watch.add('plates', { value: `P${i * 50}`, label: `vehicle ${i}`, reason: 'bench', legal_basis: 'bench', expires_at: clock.now() + 86_400_000 }, 'bench');
  }
  let signals = 0;
  const engine = new RuleEngine({ clock, store, devices: (id) => devices.get(id), watch, sink: (s) => (signals += s.length) });
  engine.setRules(BUILTIN_RULES);

  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    for (const b of batches) engine.process(b);
    engine.tick();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    rounds.push((TOTAL / ms) * 1000);
  }
  rounds.sort((a, b) => a - b);
  const median = rounds[Math.floor(rounds.length / 2)] ?? 0;
  console.log(`rules: ${BUILTIN_RULES.length} built-in, ${engine.activeRules().length} active; events: ${TOTAL} in batches of ${BATCH}; signals: ${signals}`);
  console.log(`rounds (events/s): ${rounds.map((r) => Math.round(r).toLocaleString('en-US')).join(', ')}`);
  console.log(`median: ${Math.round(median).toLocaleString('en-US')} events/s (target ≥ 300,000 on one core) ${median >= 300_000 ? 'MET' : 'MISSED'}`);
}

await main();
