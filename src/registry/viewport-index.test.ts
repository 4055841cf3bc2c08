import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Device, DeviceLiveness, DeviceView } from '../core/device.js';
import { deriveStatus, heartbeatDeadline } from './status.js';
import { viewportAnswer, type ScannedDevice, type Viewport, type ViewportAnswer } from './viewport.js';
import { ViewportIndex } from './viewport-index.js';

/**
 * The index against the straightforward computation (viewport.ts) as oracle: a model registry
 * (devices and liveness on a clock) drives both, and every query must agree.
 */
class Model {
  readonly devices = new Map<string, { device: Device; live: DeviceLiveness }>();
  readonly index = new ViewportIndex();
  now = Date.parse('2026-11-26T10:00:00.000Z');

  put(device: Device): void {
    const live = this.devices.get(device.id)?.live ?? { last_seen: null, fault_since: null, fault_code: null };
    this.devices.set(device.id, { device, live });
    this.track(device.id);
  }

  live(id: string, change: (l: DeviceLiveness) => DeviceLiveness): void {
    const e = this.devices.get(id);
    if (!e) return;
    e.live = change(e.live);
    this.track(id);
  }

  delete(id: string): void {
    this.devices.delete(id);
    this.index.remove(id);
  }

  private track(id: string): void {
    const e = this.devices.get(id);
    if (e) this.index.set(e.device, deriveStatus(e.device, e.live, this.now), heartbeatDeadline(e.device, e.live), this.now);
  }

  view(id: string): DeviceView | undefined {
    const e = this.devices.get(id);
    return e && { ...e.device, status: deriveStatus(e.device, e.live, this.now), last_seen: e.live.last_seen === null ? null : new Date(e.live.last_seen).toISOString() };
  }

  /** The oracle: every device scanned, status derived now, then viewportAnswer. */
  oracle(vp: Viewport, sites: readonly string[] | null, max: number, cellPx: number): ViewportAnswer {
    const scanned: ScannedDevice[] = [];
    for (const { device, live } of this.devices.values()) {
      if (sites === null || sites.includes(device.site)) scanned.push({ device, status: deriveStatus(device, live, this.now) });
    }
    return viewportAnswer(scanned, vp, (s) => this.view(s.device.id), max, cellPx);
  }

  indexed(vp: Viewport, sites: readonly string[] | null, max: number, cellPx: number): ViewportAnswer {
    return this.index.answer(vp, sites, this.now, (id) => this.view(id), max, cellPx);
  }
}

function expectSame(got: ViewportAnswer, want: ViewportAnswer): void {
  expect(got.total).toBe(want.total);
  expect(got.clustered).toBe(want.clustered);
  expect(got.bounds).toEqual(want.bounds);
  expect(got.devices).toEqual(want.devices);
  expect(got.clusters.map((c) => [c.count, c.status])).toEqual(want.clusters.map((c) => [c.count, c.status]));
  got.clusters.forEach((c, i) => {
    // Sums are added in another order (per node, not per device): equal within rounding.
    expect(c.lat).toBeCloseTo(want.clusters[i]?.lat ?? Number.NaN, 9);
    expect(c.lon).toBeCloseTo(want.clusters[i]?.lon ?? Number.NaN, 9);
  });
}

const CENTRES = [
  { lat: 38.72, lon: -9.14 },
  { lat: 38.7681, lon: -9.0952 },
  { lat: 0, lon: 179.99 },
];
const STEP = 1e-4;
/** Positions on a grid of STEP around a centre, so boxes can share edges with devices exactly. */
const gridLat = (c: number, k: number) => (CENTRES[c]?.lat ?? 0) + k * STEP;
const gridLon = (c: number, k: number) => Math.max(-180, Math.min(180, (CENTRES[c]?.lon ?? 0) + k * STEP));

const position = fc.oneof(
  { weight: 6, arbitrary: fc.record({ c: fc.integer({ min: 0, max: 2 }), i: fc.integer({ min: -300, max: 300 }), j: fc.integer({ min: -300, max: 300 }) }).map(({ c, i, j }) => ({ lat: gridLat(c, i), lon: gridLon(c, j) })) },
  {
    weight: 2,
    arbitrary: fc.record({
      lat: fc.oneof(fc.double({ min: -90, max: 90, noNaN: true }), fc.constantFrom(-90, 90, 85.06, -85.06, 85.05112878)),
      lon: fc.oneof(fc.double({ min: -180, max: 180, noNaN: true }), fc.constantFrom(-180, 180, 0)),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ lat: null, lon: null }) },
);

const box = fc.oneof(
  fc.constant({ west: -180, south: -90, east: 180, north: 90 }),
  fc
    .record({ c: fc.integer({ min: 0, max: 2 }), i: fc.integer({ min: -320, max: 320 }), j: fc.integer({ min: -320, max: 320 }), h: fc.integer({ min: 0, max: 640 }), w: fc.integer({ min: 0, max: 640 }) })
    .map(({ c, i, j, h, w }) => ({ west: gridLon(c, j), south: gridLat(c, i), east: gridLon(c, j + w), north: gridLat(c, i + h) })),
  fc
    .tuple(fc.double({ min: -180, max: 180, noNaN: true }), fc.double({ min: -180, max: 180, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true }))
    .map(([a, b, c, d]) => ({ west: Math.min(a, b), east: Math.max(a, b), south: Math.min(c, d), north: Math.max(c, d) })),
);

const op = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('put' as const), id: fc.integer({ min: 0, max: 30 }), site: fc.constantFrom('a', 'b', 'c'), pos: position, heartbeat: fc.constantFrom(0, 1, 30, 300) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), id: fc.integer({ min: 0, max: 30 }) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constantFrom('beat' as const, 'fault' as const), id: fc.integer({ min: 0, max: 30 }) }) },
  {
    weight: 3,
    // Steps that land exactly on deadlines (2 × heartbeat) as well as anywhere.
    arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.oneof(fc.constantFrom(1, 1000, 2000, 60_000, 600_000), fc.integer({ min: 0, max: 2_500 }), fc.integer({ min: 0, max: 700_000 })) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('back' as const), ms: fc.integer({ min: 1, max: 100_000 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('query' as const),
      box,
      zoom: fc.oneof(fc.integer({ min: 0, max: 22 }), fc.double({ min: 0, max: 22, noNaN: true })),
      sites: fc.constantFrom(null, ['a'], ['a', 'b'], ['b', 'b'], ['nowhere'], [] as string[]),
      max: fc.constantFrom(0, 1, 5, 20, 2000),
      cellPx: fc.constantFrom(64, 16, 100, 256),
    }),
  },
);

describe('ViewportIndex', () => {
  it('answers as the straightforward computation for any devices, liveness, clock, box, zoom and site scope', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 150 }), (ops) => {
        const m = new Model();
        for (const o of ops) {
          if (o.op === 'put') m.put({ id: `d-${o.id}`, type: 'camera', name: `d${o.id}`, site: o.site, zone: null, lat: o.pos.lat, lon: o.pos.lon, heartbeat_s: o.heartbeat });
          else if (o.op === 'delete') m.delete(`d-${o.id}`);
          else if (o.op === 'beat') m.live(`d-${o.id}`, () => ({ last_seen: m.now, fault_since: null, fault_code: null }));
          else if (o.op === 'fault') m.live(`d-${o.id}`, (l) => ({ last_seen: m.now, fault_since: l.fault_since ?? m.now, fault_code: 'E1' }));
          else if (o.op === 'tick') m.now += o.ms;
          else if (o.op === 'back') m.now -= o.ms;
          else if (o.op === 'query') {
            const vp = { ...o.box, zoom: o.zoom };
            expectSame(m.indexed(vp, o.sites, o.max, o.cellPx), m.oracle(vp, o.sites, o.max, o.cellPx));
          }
        }
        // And a final look at the whole world, so every run compares at least once.
        const world = { west: -180, south: -90, east: 180, north: 90, zoom: 3 };
        expectSame(m.indexed(world, null, 3, 64), m.oracle(world, null, 3, 64));
      }),
      { numRuns: 300 },
    );
  });

  it('answers a city of 20,000 devices in districts as the straightforward computation at every zoom', () => {
    const m = new Model();
    let seed = 7;
    const r = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < 20_000; i++) {
      const c = CENTRES[i % 2] ?? { lat: 0, lon: 0 };
      const id = `d-${String(i).padStart(6, '0')}`;
      m.put({ id, type: 'meter', name: id, site: `s${i % 7}`, zone: null, lat: c.lat + (r() - 0.5) * 0.05, lon: c.lon + (r() - 0.5) * 0.07, heartbeat_s: 300 });
      if (i % 10 < 8) m.live(id, () => ({ last_seen: m.now - Math.floor(r() * 900_000), fault_since: i % 50 === 7 ? m.now : null, fault_code: null }));
    }
    const city = { west: -9.35, south: 38.6, east: -8.93, north: 38.84 };
    for (const zoom of [3, 9, 10.5, 11, 12, 13.3, 14, 16, 18]) {
      for (const sites of [null, ['s1', 's3']]) expectSame(m.indexed({ ...city, zoom }, sites, 2000, 64), m.oracle({ ...city, zoom }, sites, 2000, 64));
    }
    const district = { west: -9.16, south: 38.7, east: -9.11, north: 38.73, zoom: 14 };
    expectSame(m.indexed(district, null, 2000, 64), m.oracle(district, null, 2000, 64));
  });

  it('counts a device offline the moment its heartbeat deadline has passed, without any update', () => {
    const m = new Model();
    for (let i = 0; i < 3; i++) m.put({ id: `d-${i}`, type: 'camera', name: 'x', site: 'a', zone: null, lat: 38.72, lon: -9.14, heartbeat_s: 60 });
    for (let i = 0; i < 3; i++) m.live(`d-${i}`, () => ({ last_seen: m.now + i, fault_since: null, fault_code: null }));
    const vp = { west: -10, south: 38, east: -9, north: 39, zoom: 10 };
    m.now += 120_000;
    expect(m.indexed(vp, null, 0, 64).clusters[0]?.status).toEqual({ online: 3, offline: 0, fault: 0, unknown: 0 });
    m.now += 1;
    expect(m.indexed(vp, null, 0, 64).clusters[0]?.status).toEqual({ online: 2, offline: 1, fault: 0, unknown: 0 });
    m.now += 10;
    expect(m.indexed(vp, null, 0, 64).clusters[0]?.status).toEqual({ online: 0, offline: 3, fault: 0, unknown: 0 });
    // A clock set back (a test clock, an NTP step) makes them online again, as derived status would.
    m.now -= 11;
    expect(m.indexed(vp, null, 0, 64).clusters[0]?.status).toEqual({ online: 3, offline: 0, fault: 0, unknown: 0 });
    // …and they go offline again when the clock passes their deadlines once more.
    m.now += 11;
    expect(m.indexed(vp, null, 0, 64).clusters[0]?.status).toEqual({ online: 0, offline: 3, fault: 0, unknown: 0 });
  });

  it('moves a device offline at its new deadline when its heartbeat period shrinks', () => {
    const m = new Model();
    const cam = (heartbeat_s: number) => ({ id: 'cam', type: 'camera' as const, name: 'x', site: 'a', zone: null, lat: 38.72, lon: -9.14, heartbeat_s });
    m.put(cam(300));
    m.put({ ...cam(0), id: 'other' });
    m.live('cam', () => ({ last_seen: m.now, fault_since: null, fault_code: null }));
    m.put(cam(1));
    const vp = { west: -10, south: 38, east: -9, north: 39, zoom: 10 };
    m.now += 2001;
    expect(m.indexed(vp, null, 0, 64).clusters[0]?.status).toEqual({ online: 0, offline: 1, fault: 0, unknown: 1 });
  });

  it('keeps a device online up to its newest deadline when it was queued under an older one', () => {
    const m = new Model();
    m.put({ id: 'cam', type: 'camera', name: 'x', site: 'a', zone: null, lat: 38.72, lon: -9.14, heartbeat_s: 60 });
    m.live('cam', () => ({ last_seen: m.now, fault_since: null, fault_code: null }));
    m.now += 60_000;
    m.live('cam', () => ({ last_seen: m.now, fault_since: null, fault_code: null }));
    const vp = { west: -10, south: 38, east: -9, north: 39, zoom: 10 };
    // A second device in the same place, so the two make a cluster (statuses from the index).
    m.put({ id: 'other', type: 'camera', name: 'x', site: 'a', zone: null, lat: 38.72, lon: -9.14, heartbeat_s: 0 });
    // Straight to the newest deadline: the entry queued under the first one comes up now.
    m.now += 120_000;
    expect(m.indexed(vp, null, 0, 64).clusters[0]?.status).toEqual({ online: 1, offline: 0, fault: 0, unknown: 1 });
    m.now += 1;
    expect(m.indexed(vp, null, 0, 64).clusters[0]?.status).toEqual({ online: 0, offline: 1, fault: 0, unknown: 1 });
  });

  it('reads whole nodes for a city view instead of every device, and frees every node when devices leave', () => {
    const m = new Model();
    for (let i = 0; i < 5000; i++) m.put({ id: `d-${i}`, type: 'camera', name: 'x', site: `s${i % 3}`, zone: null, lat: 38.7 + (i % 71) * 1e-3, lon: -9.2 + Math.floor(i / 71) * 1e-3, heartbeat_s: 0 });
    expect(m.index.size).toBe(5000);
    expect(m.index.nodes).toBeGreaterThan(0);
    for (let i = 0; i < 5000; i++) m.delete(`d-${i}`);
    expect(m.index.size).toBe(0);
    expect(m.index.nodes).toBe(0);
    const a = m.indexed({ west: -180, south: -90, east: 180, north: 90, zoom: 2 }, null, 10, 64);
    expect(a).toEqual({ devices: [], clusters: [], total: 0, clustered: false, bounds: null });
  });

  it('keeps cluster means exact after many moves (nodes are recomputed, not decremented)', () => {
    const m = new Model();
    m.put({ id: 'still', type: 'camera', name: 'x', site: 'a', zone: null, lat: 38.7, lon: -9.1, heartbeat_s: 0 });
    for (let i = 0; i < 20_000; i++) m.put({ id: 'mover', type: 'camera', name: 'x', site: 'a', zone: null, lat: 38.7 + (i % 13) * 1e-3 + 1e-9 * i, lon: -9.1 + (i % 11) * 1e-3, heartbeat_s: 0 });
    m.put({ id: 'mover', type: 'camera', name: 'x', site: 'a', zone: null, lat: 38.70002, lon: -9.10002, heartbeat_s: 0 });
    const c = m.indexed({ west: -10, south: 38, east: -9, north: 39, zoom: 10 }, null, 0, 64).clusters[0];
    expect(c?.count).toBe(2);
    expect(c?.lat).toBe((38.7 + 38.70002) / 2);
    expect(c?.lon).toBe((-9.1 + -9.10002) / 2);
  });
});
