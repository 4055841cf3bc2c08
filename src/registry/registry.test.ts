import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/clock.js';
import { createMemoryStore } from '../store/memory/memory-store.js';
import { MemoryBus } from '../bus/memory/memory-bus.js';
import { DeviceRegistry } from './registry.js';
import { statusEvents } from '../ingest/pipeline.js';
import { testPipeline } from '../ingest/test-kit.js';
import { createPseudonymiser } from '../privacy/pseudonymiser.js';
import type { Principal } from '../auth/principal.js';
import type { Store } from '../store/store.js';
import { sealSafeEvent } from '../core/event.js';
import type { EventKind } from '../core/kinds.js';
import { viewportAnswer, type Viewport, type ViewportAnswer } from './viewport.js';

const ingest: Principal = { kind: 'token', id: 't', name: 't', role: 'ingest', sites: [] };

function setup(store: Store = createMemoryStore(), clock = new FakeClock()) {
  const bus = new MemoryBus((_t, err) => {
    throw err;
  });
  const statuses: Array<{ device: string; status: string; previous: string }> = [];
  bus.subscribe('device.status', (m) => {
    statuses.push({ device: m.device, status: m.status, previous: m.previous });
  });
  const registry = new DeviceRegistry({ store: store.devices, bus, clock });
  const pipeline = testPipeline({ clock, store: store.events, bus, registry, pseudonymiser: createPseudonymiser({ keyFor: () => ({ epoch: 'e', key: Buffer.alloc(32, 7) }) }) });
  registry.setStatusRecorder(async (changes) => {
    void pipeline.record(statusEvents(changes));
  });
  return { store, clock, bus, registry, pipeline, statuses };
}

const hb = (clock: FakeClock, device = 'cam-1') => ({ item: { ts: clock.now(), device, kind: 'device.heartbeat', data: {} } });

describe('device registry and status events', () => {
  it('goes unknown → online → offline at the deadline, announcing each change as a bus message and an event', async () => {
    const s = setup();
    await s.registry.put({ id: 'cam-1', type: 'camera', site: 'harbour', heartbeat_s: 60 });
    expect(s.registry.view('cam-1')?.status).toBe('unknown');
    await s.pipeline.ingest([hb(s.clock)], { principal: ingest });
    expect(s.registry.view('cam-1')?.status).toBe('online');
    s.clock.advance(120_000);
    await s.registry.sweep();
    expect(s.registry.view('cam-1')?.status).toBe('online');
    s.clock.advance(1);
    await s.registry.sweep();
    expect(s.registry.view('cam-1')?.status).toBe('offline');
    expect(s.statuses).toEqual([
      { device: 'cam-1', status: 'online', previous: 'unknown' },
      { device: 'cam-1', status: 'offline', previous: 'online' },
    ]);
    await s.pipeline.drain();
    const recorded = await s.store.events.query({ device: 'cam-1', kind: 'device.status', limit: 10, order: 'asc' });
    expect(recorded.events.map((e) => e.data)).toEqual([
      { status: 'online', previous: 'unknown' },
      { status: 'offline', previous: 'online' },
    ]);
  });

  it('refuses the reserved device id token (the MQTT username for API tokens)', async () => {
    const s = setup();
    await expect(s.registry.put({ id: 'token', type: 'other', site: 'harbour' })).rejects.toMatchObject({ code: 'invalid_device' });
    await expect(s.registry.put({ id: 'TOKEN', type: 'other', site: 'harbour' })).rejects.toMatchObject({ code: 'invalid_device' });
  });

  it('enters fault on device.fault and leaves it on the next heartbeat', async () => {
    const s = setup();
    await s.registry.put({ id: 'cam-1', type: 'camera', site: 'harbour', heartbeat_s: 60 });
    await s.pipeline.ingest([{ item: { ts: s.clock.now(), device: 'cam-1', kind: 'device.fault', data: { code: 'E42' } } }], { principal: ingest });
    expect(s.registry.view('cam-1')?.status).toBe('fault');
    s.clock.advance(1000);
    await s.pipeline.ingest([hb(s.clock)], { principal: ingest });
    expect(s.registry.view('cam-1')?.status).toBe('online');
  });

  it('derives the same status after a restart from liveness stored with the events', async () => {
    const s = setup();
    await s.registry.put({ id: 'cam-1', type: 'camera', site: 'harbour', heartbeat_s: 60 });
    await s.registry.put({ id: 'cam-2', type: 'camera', site: 'harbour', heartbeat_s: 60 });
    await s.pipeline.ingest([hb(s.clock), { item: { ts: s.clock.now(), device: 'cam-2', kind: 'device.fault', data: { code: 'X' } } }], { principal: ingest });
    await s.pipeline.drain();
    const again = setup(s.store, s.clock);
    await again.registry.load();
    expect(again.registry.view('cam-1')?.status).toBe('online');
    expect(again.registry.view('cam-2')?.status).toBe('fault');
    s.clock.advance(121_000);
    expect(again.registry.view('cam-1')?.status).toBe('offline');
  });

  it('builds the liveness of each append on the appends still in flight, and falls back when one fails', async () => {
    const s = setup();
    await s.registry.put({ id: 'cam-1', type: 'camera', site: 'harbour', heartbeat_s: 60 });
    const at = (ms: number, kind: EventKind, data: Record<string, unknown> = {}) =>
      sealSafeEvent({ id: null, ts: ms, received_at: ms, device: 'cam-1', site: 'harbour', zone: null, kind, data });
    // Append 1 (a fault) has started but not committed when append 2 (a heartbeat) starts.
    const first = s.registry.livenessFor([at(1_000, 'device.fault', { code: 'E1' })]);
    const second = s.registry.livenessFor([at(2_000, 'device.heartbeat')]);
    expect(first[0]).toMatchObject({ last_seen: 1_000, fault_since: 1_000, fault_code: 'E1' });
    expect(second[0]).toMatchObject({ last_seen: 2_000, fault_since: null, fault_code: null });
    // The other way round: the fault that arrives later is the state that stays.
    const third = s.registry.livenessFor([at(3_000, 'device.heartbeat')]);
    const fourth = s.registry.livenessFor([at(4_000, 'device.fault', { code: 'E2' })]);
    expect(fourth[0]).toMatchObject({ last_seen: 4_000, fault_since: 4_000, fault_code: 'E2' });
    await s.registry.committed(first);
    await s.registry.committed(second);
    await s.registry.committed(third);
    await s.registry.committed(fourth);
    expect(s.registry.view('cam-1')?.status).toBe('fault');
    // A failed append retires its pending liveness: the next starts from what committed.
    const lost = s.registry.livenessFor([at(5_000, 'device.heartbeat')]);
    s.registry.abandoned(lost);
    const next = s.registry.livenessFor([at(4_500, 'camera.motion')]);
    expect(next[0]).toMatchObject({ last_seen: 4_500, fault_since: 4_000, fault_code: 'E2' });
  });
});

describe('the map viewport of the registry', () => {
  const city: Viewport = { west: -9.3, south: 38.6, east: -9.0, north: 38.9, zoom: 11 };
  /** The index's answer against viewportAnswer over a scan (the straightforward computation). */
  function expectIndexed(r: DeviceRegistry, vp: Viewport, sites: readonly string[] | null): ViewportAnswer {
    const got = r.viewport(vp, sites);
    const want = viewportAnswer(
      r.scan((d) => sites === null || sites.includes(d.site)),
      vp,
      (x) => r.view(x.device.id),
    );
    expect({ ...got, clusters: got.clusters.map((c) => ({ ...c, lat: c.lat.toFixed(9), lon: c.lon.toFixed(9) })) }).toEqual({
      ...want,
      clusters: want.clusters.map((c) => ({ ...c, lat: c.lat.toFixed(9), lon: c.lon.toFixed(9) })),
    });
    return got;
  }
  const at = (i: number) => ({ lat: 38.7 + (i % 50) * 2e-3, lon: -9.2 + Math.floor(i / 50) * 2e-3 });

  it('follows puts, moves, deletes, liveness, store reloads and other nodes’ events', async () => {
    const s = setup();
    for (let i = 0; i < 2500; i++) await s.registry.put({ id: `m-${i}`, type: 'meter', site: i % 3 === 0 ? 'harbour' : 'airport', heartbeat_s: 60, ...at(i) });
    expect(expectIndexed(s.registry, city, null).clustered).toBe(true);
    // Liveness committed with events: online, fault.
    await s.pipeline.ingest(
      Array.from({ length: 2500 }, (_, i) => (i % 4 === 0 ? { item: { ts: s.clock.now(), device: `m-${i}`, kind: 'device.fault', data: { code: 'E1' } } } : hb(s.clock, `m-${i}`))),
      { principal: ingest },
    );
    await s.pipeline.drain();
    expect(expectIndexed(s.registry, city, null).clusters.some((c) => c.status.fault > 0 && c.status.online > 0)).toBe(true);
    // Deadlines pass without any event: offline, without a sweep.
    s.clock.advance(120_001);
    expect(expectIndexed(s.registry, city, ['harbour']).clusters.every((c) => c.status.online === 0)).toBe(true);
    // Moves (position and site), positions taken away, deletes.
    for (let i = 0; i < 300; i++) await s.registry.put({ id: `m-${i}`, type: 'meter', site: 'harbour', heartbeat_s: 60, ...at(i + 1000) });
    for (let i = 300; i < 400; i++) await s.registry.put({ id: `m-${i}`, type: 'meter', site: 'harbour' });
    for (let i = 400; i < 500; i++) await s.registry.delete(`m-${i}`);
    expectIndexed(s.registry, city, null);
    expectIndexed(s.registry, city, ['airport']);
    // Another process writes to the same store; the next sweep adopts it (registry sync).
    const other = new DeviceRegistry({ store: s.store.devices, bus: s.bus, clock: s.clock });
    await other.load();
    for (let i = 3000; i < 3100; i++) await other.put({ id: `m-${i}`, type: 'meter', site: 'harbour', ...at(i) });
    await other.put({ id: 'm-500', type: 'meter', site: 'harbour', lat: 38.8, lon: -9.05 });
    await other.delete('m-501');
    await s.registry.sweep();
    expect(s.registry.get('m-3000')).toBeDefined();
    expect(s.registry.get('m-501')).toBeUndefined();
    expectIndexed(s.registry, city, null);
    // Another ingest node's events (several nodes on one store and bus).
    await s.registry.observeRemote(
      Array.from({ length: 200 }, (_, i) => ({ seq: i, event: sealSafeEvent({ id: null, ts: s.clock.now(), received_at: s.clock.now(), device: `m-${i + 600}`, site: 'airport', zone: null, kind: 'device.heartbeat', data: {} }) })),
    );
    const a = expectIndexed(s.registry, city, null);
    expect(a.clusters.reduce((n, c) => n + c.status.online, 0)).toBeGreaterThan(0);
    // Street zoom: the devices themselves.
    const street = expectIndexed(s.registry, { west: -9.2001, south: 38.6999, east: -9.1959, north: 38.7041, zoom: 18 }, null);
    expect(street.clustered).toBe(false);
    expect(street.devices.length).toBe(street.total);
  });

  it('counts only the sites asked for, and nothing for a site without devices', async () => {
    const s = setup();
    for (let i = 0; i < 2100; i++) await s.registry.put({ id: `m-${i}`, type: 'meter', site: i < 2050 ? 'harbour' : 'airport', ...at(i) });
    expect(s.registry.viewport(city, ['harbour']).total).toBe(2050);
    expect(s.registry.viewport(city, ['airport']).total).toBe(50);
    expect(s.registry.viewport(city, ['nowhere'])).toEqual({ devices: [], clusters: [], total: 0, clustered: false, bounds: null });
    expect(s.registry.viewport(city, null).total).toBe(2100);
  });
});
