import { describe, expect, it } from 'vitest';
import { Ajv, type ValidateFunction } from 'ajv';
import { DAY, HOUR, MINUTE, SECOND } from '../core/clock.js';
import { CATALOGUE, INGEST_KINDS, dataSchema } from '../core/kinds.js';
import { createDistrict } from './district.js';
import { createGenerator } from './generator.js';
import { INCIDENT_KINDS, type Incident } from './incidents.js';
import type { SimEvent } from './sim-event.js';

const ajv = new Ajv({ strict: false, allErrors: true });
const validators = new Map<string, ValidateFunction>();
for (const kind of INGEST_KINDS) {
  const spec = CATALOGUE.get(kind);
  if (spec) validators.set(kind, ajv.compile(dataSchema(spec)));
}

/** The SPEC §2 envelope as the simulator sends it: client id ≤ 64, epoch-ms ts, a registered device. */
function envelopeProblem(e: SimEvent, deviceIds: ReadonlySet<string>): string | null {
  if (typeof e.id !== 'string' || e.id.length < 1 || e.id.length > 64) return `bad id ${e.id}`;
  if (!Number.isInteger(e.ts)) return `bad ts ${e.ts}`;
  if (!deviceIds.has(e.device)) return `unknown device ${e.device}`;
  const validate = validators.get(e.kind);
  if (!validate) return `kind ${e.kind} is not an ingest kind`;
  if (!validate(e.data)) return `${e.kind} ${JSON.stringify(e.data)}: ${ajv.errorsText(validate.errors)}`;
  return null;
}

const START = Date.parse('2026-11-26T00:00:00.000Z');

function runDay(devices: number, seed: number) {
  const district = createDistrict({ devices, seed });
  const gen = createGenerator(district, { seed, incidentEveryMs: 15 * MINUTE });
  const events: SimEvent[] = [];
  const incidents: Incident[] = [];
  for (let t = START; t <= START + DAY; t += MINUTE) {
    events.push(...gen.next(t));
    incidents.push(...gen.lastIncidents);
  }
  return { district, events, incidents };
}

describe('district generator', () => {
  const day = runDay(60, 11);

  it('produces only events that validate against the catalogue schema of their kind', () => {
    const ids = new Set(day.district.devices.map((d) => d.id));
    const problems = day.events.map((e) => envelopeProblem(e, ids)).filter((p): p is string => p !== null);
    expect(day.events.length).toBeGreaterThan(10_000);
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it('covers every event family over a simulated day', () => {
    const families = new Set(day.events.map((e) => CATALOGUE.get(e.kind)?.family));
    const expected = new Set(INGEST_KINDS.map((k) => CATALOGUE.get(k)?.family));
    expect([...families].sort()).toEqual([...expected].sort());
  });

  it('stages every kind of incident over a simulated day', () => {
    expect(new Set(day.incidents.map((i) => i.kind))).toEqual(new Set(INCIDENT_KINDS));
    const kinds = new Set(day.events.map((e) => e.kind));
    for (const k of ['access.door_forced', 'access.door_secured', 'fire.waterflow', 'fire.restore', 'device.fault', 'camera.tamper', 'camera.video_loss'] as const) {
      expect(kinds, k).toContain(k);
    }
  });

  it('gives every event a unique id made of its device and a counter', () => {
    const ids = day.events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of day.events.slice(0, 500)) expect(e.id).toMatch(new RegExp(`^${e.device}-\\d{6,}$`));
  });

  it('reads the watch-worthy plate, and several denials of one credential in a row', () => {
    expect(day.events.some((e) => e.kind === 'lpr.read' && e.data.plate === day.district.watchPlate)).toBe(true);
    const denied = day.events.filter((e) => e.kind === 'access.denied' && e.data.reason === 'unknown');
    const perCredential = new Map<unknown, number>();
    for (const e of denied) perCredential.set(e.data.credential, (perCredential.get(e.data.credential) ?? 0) + 1);
    expect(Math.max(...perCredential.values())).toBeGreaterThanOrEqual(5);
  });

  it('reports a low battery', () => {
    expect(day.events.some((e) => e.kind === 'device.battery' && (e.data.percent as number) < 10)).toBe(true);
  });

  it('follows the time of day: more plates at the morning rush than at 03:00, more people in the evening', () => {
    const inHour = (e: SimEvent, h: number) => e.ts >= START + h * HOUR && e.ts < START + (h + 1) * HOUR;
    const plates = (h: number) => day.events.filter((e) => e.kind === 'lpr.read' && inHour(e, h)).length;
    expect(plates(8)).toBeGreaterThan(plates(3) * 5);
    const counted = (h: number) =>
      day.events.filter((e) => e.kind === 'wifi.count' && inHour(e, h)).reduce((n, e) => n + (e.data.unique_devices as number), 0);
    expect(counted(18)).toBeGreaterThan(counted(3) * 5);
  });

  it('silences a camera that goes offline, heartbeats included, and brings it back with a heartbeat', () => {
    const outage = day.incidents.find((i) => i.kind === 'camera_offline');
    expect(outage).toBeDefined();
    if (!outage) return;
    const own = day.events.filter((e) => e.device === outage.device);
    const gapStart = own.filter((e) => e.ts <= outage.at).at(-1);
    const back = own.find((e) => e.ts > outage.at);
    expect(gapStart).toBeDefined();
    expect(back?.kind).toBe('device.heartbeat');
    // Silent for at least five heartbeat periods (60 s each), so the registry sees it offline.
    expect((back?.ts ?? 0) - outage.at).toBeGreaterThanOrEqual(5 * MINUTE);
  });

  it('returns each call the events of (previous now, now], in time order', () => {
    const gen = createGenerator(createDistrict({ devices: 30, seed: 2 }), { seed: 2 });
    gen.next(START);
    let prev = START;
    for (let t = START + 10 * SECOND; t < START + 10 * MINUTE; t += 10 * SECOND) {
      const batch = gen.next(t);
      for (let i = 0; i < batch.length; i++) {
        const e = batch[i];
        expect(e && e.ts > prev && e.ts <= t).toBe(true);
        if (i > 0) expect(e?.ts).toBeGreaterThanOrEqual(batch[i - 1]?.ts ?? 0);
      }
      prev = t;
    }
    expect(gen.next(prev)).toEqual([]);
  });

  it('says hello from every device on the first call', () => {
    const district = createDistrict({ devices: 25 });
    const first = createGenerator(district).next(START);
    expect(first.filter((e) => e.kind === 'device.heartbeat').map((e) => e.device).sort()).toEqual(district.devices.map((d) => d.id).sort());
  });

  it('is reproducible from its seed', () => {
    const run = (seed: number) => {
      const gen = createGenerator(createDistrict({ devices: 20, seed }), { seed });
      return [START, START + MINUTE, START + 5 * MINUTE].flatMap((t) => gen.next(t));
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('holds the requested rate in load-generator mode', () => {
    const gen = createGenerator(createDistrict({ devices: 50 }), { rate: 2_000 });
    gen.next(START);
    let n = 0;
    for (let t = START + 100; t <= START + 10 * SECOND; t += 100) n += gen.next(t).length;
    expect(n).toBeGreaterThan(19_800);
    expect(n).toBeLessThan(20_200);
  });

  it('keeps ids of different runs apart so a second run is not taken for resends', () => {
    const district = createDistrict({ devices: 5 });
    const a = createGenerator(district, { runId: 'r1' }).next(START);
    const b = createGenerator(district, { runId: 'r2' }).next(START);
    expect(a[0]?.id).toMatch(/-r1-000001$/);
    expect(new Set([...a, ...b].map((e) => e.id)).size).toBe(a.length + b.length);
  });

  it('refuses a rate that is not a positive number', () => {
    expect(() => createGenerator(createDistrict({ devices: 5 }), { rate: 0 })).toThrow(/rate/);
    expect(() => createGenerator(createDistrict({ devices: 5 }), { rate: Number.NaN })).toThrow(/rate/);
  });
});
