import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/clock.js';
import { createMemoryStore } from '../store/memory/memory-store.js';
import { MemoryBus } from '../bus/memory/memory-bus.js';
import { DeviceRegistry } from './registry.js';
import { createPipeline, statusEvents } from '../ingest/pipeline.js';
import { createPseudonymiser } from '../privacy/pseudonymiser.js';
import type { Principal } from '../auth/principal.js';
import type { Store } from '../store/store.js';

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
  const pipeline = createPipeline({
    clock,
    store: store.events,
    bus,
    registry,
    pseudonymiser: createPseudonymiser({ keyFor: () => ({ epoch: 'e', key: Buffer.alloc(32, 7) }) }),
    maxFutureMs: 300_000,
    retentionByKind: new Map(),
    commitBatch: 1000,
    commitDelayMs: 0,
    onError: (_w, err) => {
      throw err;
    },
  });
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
});
