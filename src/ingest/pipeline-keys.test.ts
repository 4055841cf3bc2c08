/**
 * Epoch keys at ingest on several nodes (docs/scale-out.md): an event whose epoch key is not live
 * waits until the key is stored, so it is pseudonymised with the key every node uses — never with a
 * key this process made and then lost to another node's insert-if-absent.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DAY, FakeClock } from '../core/clock.js';
import { testConfig } from '../config/load.js';
import { createMemoryStore } from '../store/memory/memory-store.js';
import { MemoryBus } from '../bus/memory/memory-bus.js';
import { DeviceRegistry } from '../registry/registry.js';
import { Keyring, type KeyEvent } from '../privacy/keyring.js';
import { createPseudonymiser } from '../privacy/pseudonymiser.js';
import type { Principal } from '../auth/principal.js';
import type { KvStore } from '../store/store.js';
import { testPipeline } from './test-kit.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const ingestToken: Principal = { kind: 'token', id: 't', name: 't', role: 'ingest', sites: [] };

/** A kv whose setIfAbsent waits for `release()` while held: the other node's store in between. */
function slowKv(kv: KvStore): KvStore & { hold(): void; release(): void; waiting(): number } {
  let held = false;
  let waiting: Array<() => void> = [];
  return Object.assign(Object.create(kv) as KvStore, {
    setIfAbsent: async <T>(key: string, value: T): Promise<T> => {
      if (held) await new Promise<void>((r) => waiting.push(r));
      return kv.setIfAbsent(key, value);
    },
    hold: () => void (held = true),
    release: () => {
      held = false;
      for (const r of waiting) r();
      waiting = [];
    },
    waiting: () => waiting.length,
  });
}

async function node(kv: KvStore, master: Buffer, clock: FakeClock) {
  const store = createMemoryStore();
  const bus = new MemoryBus((_t, err) => {
    throw err;
  });
  const registry = new DeviceRegistry({ store: store.devices, bus, clock });
  await registry.put({ id: 'gate-1', type: 'lpr', name: 'Gate 1', site: 'harbour' });
  const events: KeyEvent[] = [];
  const keyring = await Keyring.open({ master, kv, clock, config: testConfig(), onKeyEvent: (e) => events.push(e) });
  // As the hub does: today's and tomorrow's keys before the first event.
  await keyring.prepare();
  const pipeline = testPipeline({ clock, store: store.events, bus, registry, pseudonymiser: createPseudonymiser(keyring) });
  return { store, keyring, pipeline, events };
}

const plateRead = (ts: number, id: string) => ({ item: { id, ts: new Date(ts).toISOString(), device: 'gate-1', kind: 'lpr.read', data: { plate: 'AB-123-CD' } } });

describe('epoch keys at ingest on several nodes', () => {
  it('pseudonymises with the key another node stored first, not with one of its own', async () => {
    const clock = new FakeClock(T0);
    const master = randomBytes(32);
    const shared = createMemoryStore().kv;
    const kv = slowKv(shared);
    const a = await node(kv, master, clock);
    // Two days back: no node prepared that epoch, so its key is made on demand.
    const old = T0 - 2 * DAY;
    kv.hold();
    const answer = a.pipeline.ingest([plateRead(old, 'r1'), plateRead(T0, 'r2')], { principal: ingestToken });
    // The batch waits for the key; meanwhile another node stores its key for that epoch first.
    await new Promise((r) => setImmediate(r));
    expect(kv.waiting()).toBe(1);
    const b = await node(shared, master, clock);
    const bKey = b.keyring.keyFor('plate', { ts: old, site: 'harbour' });
    await b.keyring.flush();
    kv.release();
    const out = await answer;
    expect(out).toMatchObject({ accepted: 2, rejected: [] });

    const page = await a.store.events.query({ limit: 10, order: 'asc' });
    const byId = new Map(page.events.map((e) => [e.id, e.data.plate]));
    const expected = createPseudonymiser(b.keyring).pseudonymise('plate', 'AB-123-CD', { ts: old, site: 'harbour' });
    expect(byId.get('r1')).toBe(expected);
    expect(byId.get('r1')).toMatch(new RegExp(`^plate:${bKey.epoch}:`));
    // Both nodes now hold the same key; only the node that stored it recorded its creation.
    expect(a.keyring.keyFor('plate', { ts: old, site: 'harbour' }).key.equals(bKey.key)).toBe(true);
    expect(a.events.filter((e) => e.epoch === bKey.epoch)).toEqual([]);
    expect(b.events.filter((e) => e.epoch === bKey.epoch && e.action === 'key.created')).toHaveLength(1);
    // Today's key was live from the start: the second event did not need to wait for anything.
    expect(byId.get('r2')).toBe(createPseudonymiser(b.keyring).pseudonymise('plate', 'AB-123-CD', { ts: T0, site: 'harbour' }));
  });

  it('stores a key it made itself when none is stored, once for a whole batch, and keeps the answer in input order', async () => {
    const clock = new FakeClock(T0);
    const shared = createMemoryStore().kv;
    const a = await node(shared, randomBytes(32), clock);
    const old = T0 - 3 * DAY;
    const out = await a.pipeline.ingest(
      [plateRead(old, 'r1'), { item: { ts: 'yesterday', device: 'gate-1', kind: 'lpr.read', data: { plate: 'X' } } }, plateRead(old + 1, 'r3'), { item: { ts: new Date(old).toISOString(), device: 'gate-1', kind: 'lpr.read', data: { plate: '--' } } }],
      { principal: ingestToken },
    );
    expect(out.accepted).toBe(2);
    // Rejected by validation (index 1) and by pseudonymisation (index 3: nothing left after normalising), in input order.
    expect(out.rejected.map((r) => [r.index, r.error])).toEqual([
      [1, 'invalid_timestamp'],
      [3, 'invalid_field'],
    ]);
    const created = a.events.filter((e) => e.action === 'key.created' && e.epoch === a.keyring.keyFor('plate', { ts: old, site: '' }).epoch);
    expect(created).toHaveLength(1);
    expect((await shared.list('keyring/key/plate/')).length).toBeGreaterThanOrEqual(3);
    expect(a.keyring.ensure('plate', { ts: old, site: '' })).toBeNull();
  });
});
