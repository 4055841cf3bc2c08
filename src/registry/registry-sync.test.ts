/**
 * Registry changes made by another process on the same store (an offline `parapet device import`
 * beside the running hub, another node on the same database) reach the running registry at its
 * next sweep, through the store's devices revision — and the registry's own writes never cost a
 * reload or get undone by one.
 */
import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../core/clock.js';
import { createMemoryStore } from '../store/memory/memory-store.js';
import { MemoryBus } from '../bus/memory/memory-bus.js';
import type { DeviceStore, Store } from '../store/store.js';
import { DeviceRegistry } from './registry.js';
import { sealSafeEvent, type SafeEvent } from '../core/event.js';

function registryOn(store: Store, clock: FakeClock): { registry: DeviceRegistry; statuses: string[] } {
  const bus = new MemoryBus((_t, err) => {
    throw err;
  });
  const statuses: string[] = [];
  bus.subscribe('device.status', (m) => void statuses.push(`${m.device} ${m.previous}→${m.status}`));
  return { registry: new DeviceRegistry({ store: store.devices, bus, clock }), statuses };
}

/** Two registries on one store: `hub` is the running hub, `other` an offline command or another node. */
async function twoProcesses() {
  const store = createMemoryStore();
  const clock = new FakeClock();
  const hub = registryOn(store, clock);
  const other = registryOn(store, clock);
  await hub.registry.load();
  await other.registry.load();
  return { store, clock, hub: hub.registry, hubStatuses: hub.statuses, other: other.registry };
}

describe('device registry: changes made by another process', () => {
  it('knows a device imported elsewhere after its next sweep, and not before', async () => {
    const t = await twoProcesses();
    await t.other.put({ id: 'cam-9', type: 'camera', site: 'harbour', heartbeat_s: 60 });
    expect(t.hub.get('cam-9')).toBeUndefined();
    await t.hub.sweep();
    expect(t.hub.get('cam-9')).toMatchObject({ id: 'cam-9', site: 'harbour' });
    expect(t.hub.view('cam-9')?.status).toBe('unknown');
  });

  it('adopts a change of site made elsewhere and drops a device deleted elsewhere', async () => {
    const t = await twoProcesses();
    await t.hub.put({ id: 'cam-1', type: 'camera', site: 'harbour', heartbeat_s: 60 });
    await t.hub.put({ id: 'cam-2', type: 'camera', site: 'harbour', heartbeat_s: 60 });
    await t.other.load();
    await t.other.put({ id: 'cam-1', type: 'camera', site: 'campus', heartbeat_s: 60 });
    await t.other.delete('cam-2');
    await t.hub.sweep();
    expect(t.hub.get('cam-1')?.site).toBe('campus');
    expect(t.hub.get('cam-2')).toBeUndefined();
    expect(t.hub.size).toBe(1);
  });

  it('keeps the liveness it holds in memory and announces a status the change brings, through the sweep', async () => {
    const t = await twoProcesses();
    await t.hub.put({ id: 'cam-1', type: 'camera', site: 'harbour', heartbeat_s: 60 });
    const seenAt = t.clock.now();
    await t.hub.committed(t.hub.livenessFor([heartbeat('cam-1', seenAt)]));
    expect(t.hub.view('cam-1')?.status).toBe('online');
    t.clock.advance(90_000);
    // Elsewhere the heartbeat interval goes from 60 s to 30 s: 90 s without news is now offline.
    await t.other.load();
    await t.other.put({ id: 'cam-1', type: 'camera', site: 'harbour', heartbeat_s: 30 });
    await t.hub.sweep();
    expect(t.hub.view('cam-1')).toMatchObject({ status: 'offline', last_seen: new Date(seenAt).toISOString() });
    expect(t.hubStatuses).toEqual(['cam-1 unknown→online', 'cam-1 online→offline']);
  });

  it('does not reload for its own writes', async () => {
    const t = await twoProcesses();
    const list = vi.spyOn(t.store.devices, 'list');
    for (let i = 0; i < 5; i++) await t.hub.put({ id: `cam-${i}`, type: 'camera', site: 'harbour', heartbeat_s: 60 });
    await t.hub.delete('cam-0');
    await t.hub.delete('never-there');
    await t.hub.sweep();
    expect(list).not.toHaveBeenCalled();
    expect(await t.hub.sync()).toBe(false);
  });

  it('never undoes a put of its own that finished while it was reading the list', async () => {
    const store = createMemoryStore();
    const clock = new FakeClock();
    const other = registryOn(store, clock).registry;
    // The hub's store answers list() only after the hub's own put went through.
    let releaseList: () => void = () => undefined;
    const gate = new Promise<void>((r) => (releaseList = r));
    const devices: DeviceStore = {
      ...store.devices,
      list: async () => {
        const snapshot = await store.devices.list();
        await gate;
        return snapshot;
      },
    };
    const bus = new MemoryBus((_t, err) => {
      throw err;
    });
    const hub = new DeviceRegistry({ store: devices, bus, clock });
    await other.put({ id: 'cam-elsewhere', type: 'camera', site: 'harbour', heartbeat_s: 60 });
    const syncing = hub.sync();
    await hub.put({ id: 'cam-mine', type: 'camera', site: 'harbour', heartbeat_s: 60 });
    releaseList();
    expect(await syncing).toBe(false);
    expect(hub.get('cam-mine')).toBeDefined();
    // The next sweep reloads, with both devices.
    expect(await hub.sync()).toBe(true);
    expect([hub.get('cam-mine')?.id, hub.get('cam-elsewhere')?.id]).toEqual(['cam-mine', 'cam-elsewhere']);
  });
});

describe('device registry: events another node committed', () => {
  it('adopts their liveness in memory and announces the status they bring', async () => {
    const t = await twoProcesses();
    await t.hub.put({ id: 'cam-1', type: 'camera', site: 'harbour', heartbeat_s: 60 });
    const at = t.clock.now();
    await t.hub.observeRemote([{ seq: 1, event: heartbeat('cam-1', at) }]);
    expect(t.hub.view('cam-1')).toMatchObject({ status: 'online', last_seen: new Date(at).toISOString() });
    expect(t.hubStatuses).toEqual(['cam-1 unknown→online']);
    // A fault, then an older heartbeat arriving late: the fault stays open, last_seen does not move back.
    await t.hub.observeRemote([{ seq: 2, event: { ...heartbeat('cam-1', at + 10), kind: 'device.fault', data: { code: 'E7' } } }]);
    await t.hub.committed([{ device: 'cam-1', last_seen: at - 5_000, fault_since: at + 10, fault_code: 'E7' }]);
    expect(t.hub.view('cam-1')).toMatchObject({ status: 'fault', last_seen: new Date(at + 10).toISOString() });
    expect(t.hubStatuses).toEqual(['cam-1 unknown→online', 'cam-1 online→fault']);
  });

  it('ignores hub-made events and devices it does not know yet', async () => {
    const t = await twoProcesses();
    await t.hub.put({ id: 'cam-1', type: 'camera', site: 'harbour', heartbeat_s: 60 });
    const status = { ...heartbeat('cam-1', t.clock.now()), kind: 'device.status', data: { status: 'online', previous: 'unknown' } } as SafeEvent;
    await t.hub.observeRemote([{ seq: 1, event: status }, { seq: 2, event: heartbeat('ghost', t.clock.now()) }]);
    expect(t.hub.view('cam-1')?.status).toBe('unknown');
    expect(t.hub.get('ghost')).toBeUndefined();
    expect(t.hubStatuses).toEqual([]);
  });
});

function heartbeat(device: string, at: number): SafeEvent {
  return sealSafeEvent({ id: null, ts: at, received_at: at, device, site: 'harbour', zone: null, kind: 'device.heartbeat', data: {} });
}
