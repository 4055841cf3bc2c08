import { afterEach, describe, expect, it } from 'vitest';
import { ParapetError } from '../core/errors.js';
import { sealSafeEvent } from '../core/event.js';
import { createMemoryStore } from '../store/memory/memory-store.js';
import { MemoryBus } from './memory/memory-bus.js';
import { HoldingBus, drainOutbox, outboxPrefix, type OutboxDrain } from './outbox.js';
import type { Bus, BusTopic, BusTopics, Delivery, StoredSafeEvent } from './bus.js';

const stored = (seq: number): StoredSafeEvent[] => [
  { seq, event: sealSafeEvent({ id: `e${seq}`, ts: 1_000 + seq, received_at: 1_000 + seq, device: 'door-1', site: 'harbour', zone: null, kind: 'access.door_forced', data: { door: 'D1' } }) },
];

/** A shared bus whose server can go away: publishes fail with `unavailable` while it is down. */
class FlakyBus extends MemoryBus implements Bus {
  up = true;
  readonly sent: number[] = [];
  constructor() {
    super(() => undefined);
  }
  override async publish<T extends BusTopic>(topic: T, msg: BusTopics[T]): Promise<void> {
    if (!this.up) throw new ParapetError('unavailable', 'NATS at test did not store the message: timeout');
    this.sent.push(Array.isArray(msg) ? ((msg as StoredSafeEvent[])[0]?.seq ?? -1) : -1);
    await super.publish(topic, msg);
  }
  reachable(): boolean {
    return this.up;
  }
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('bus outbox: notices an ingest node could not put on the bus reach the serving node through the store', () => {
  const drains: OutboxDrain[] = [];
  const buses: Bus[] = [];
  afterEach(async () => {
    for (const d of drains.splice(0)) await d.stop();
    for (const b of buses.splice(0)) await b.close();
  });

  const setup = () => {
    const store = createMemoryStore();
    const inner = new FlakyBus();
    const logs: string[] = [];
    const node = new HoldingBus(inner, { kv: store.kv, busPrefix: 'p1', origin: 'node-a', now: () => 42, log: (m) => logs.push(m), pollMs: 20 });
    // The serving node: its own bus, reading the same store.
    const serving = new MemoryBus(() => undefined);
    const seen: Array<{ seq: number; remote: boolean }> = [];
    serving.subscribe('events.stored', (batch, d: Delivery) => void seen.push(...batch.map((s) => ({ seq: s.seq, remote: d.remote }))));
    buses.push(node, serving);
    return { store, inner, node, serving, seen, logs };
  };

  it('publishes over the bus while it takes notices, and holds nothing', async () => {
    const { store, inner, node } = setup();
    await node.publish('events.stored', stored(1));
    expect(inner.sent).toEqual([1]);
    expect(await store.kv.list(outboxPrefix('p1'))).toEqual([]);
    expect(node.held()).toBe(0);
  });

  it('holds a notice the bus refused, and every later one, in order, until the serving node has them', async () => {
    const { store, inner, node, serving, seen, logs } = setup();
    inner.up = false;
    await node.publish('events.stored', stored(1));
    // The bus is back, but notice 1 is still held: notice 2 must not overtake it.
    inner.up = true;
    await node.publish('events.stored', stored(2));
    await node.publish('events.stored', stored(3));
    expect(inner.sent).toEqual([]);
    expect(node.held()).toBe(3);
    const held = await store.kv.list<{ topic: string; at: number; msg: StoredSafeEvent[] }>(outboxPrefix('p1'));
    expect(held.map(([k]) => k)).toEqual(['bus/outbox/p1/node-a/000000000001', 'bus/outbox/p1/node-a/000000000002', 'bus/outbox/p1/node-a/000000000003']);
    expect(held[0]?.[1]).toMatchObject({ topic: 'events.stored', at: 42, msg: [{ seq: 1, event: { id: 'e1', kind: 'access.door_forced' } }] });
    expect(logs.some((l) => /holding them in the store/.test(l))).toBe(true);

    const drain = drainOutbox(serving, store.kv, { busPrefix: 'p1', log: () => undefined, pollMs: 60_000 });
    drains.push(drain);
    expect(await drain.drainOnce()).toBe(3);
    expect(seen).toEqual([
      { seq: 1, remote: true },
      { seq: 2, remote: true },
      { seq: 3, remote: true },
    ]);
    expect(await store.kv.list(outboxPrefix('p1'))).toEqual([]);
    expect(drain.metricLines()).toContain('parapet_bus_outbox_delivered_total 3');
    expect(node.metricLines()).toContain('parapet_bus_outbox_holding 3');
    // Drained and reachable: the node publishes over the bus again.
    await wait(100);
    expect(node.held()).toBe(0);
    expect(node.isHolding()).toBe(false);
    await node.publish('events.stored', stored(4));
    expect(inner.sent).toEqual([4]);
    expect(logs.some((l) => /publishing over the bus again/.test(l))).toBe(true);
    expect(node.metricLines()).toEqual(expect.arrayContaining(['parapet_bus_outbox_holding 0', 'parapet_bus_outbox_held_total 3']));
  });

  it('holds without trying the bus while it has lost its server, and keeps holding until it is back', async () => {
    const { store, inner, node, serving } = setup();
    inner.up = false;
    await node.publish('events.stored', stored(1));
    const drain = drainOutbox(serving, store.kv, { busPrefix: 'p1', log: () => undefined, pollMs: 60_000 });
    drains.push(drain);
    expect(node.held()).toBe(1);
    expect(await drain.drainOnce()).toBe(1);
    await wait(100);
    // Drained (nothing outstanding), but the bus is still down: still holding.
    expect(node.held()).toBe(0);
    expect(node.isHolding()).toBe(true);
    await node.publish('events.stored', stored(2));
    expect(inner.sent).toEqual([]);
    expect(node.held()).toBe(1);
    expect(await drain.drainOnce()).toBe(1);
    inner.up = true;
    await wait(100);
    expect(node.isHolding()).toBe(false);
    await node.publish('events.stored', stored(3));
    expect(inner.sent).toEqual([3]);
  });

  it('passes on a failure that is not the bus being unavailable (nothing is held for it)', async () => {
    const { store, node } = setup();
    const broken = new HoldingBus(
      {
        publish: () => Promise.reject(new Error('handler bug')),
        subscribe: () => () => undefined,
        close: async () => undefined,
      },
      { kv: store.kv, busPrefix: 'p1', origin: 'node-b', now: () => 0, log: () => undefined },
    );
    buses.push(broken);
    await expect(broken.publish('events.stored', stored(1))).rejects.toThrow('handler bug');
    expect(await store.kv.list(outboxPrefix('p1'))).toEqual([]);
    expect(node.held()).toBe(0);
  });

  it('drains on its own timer, every node in its holding order, and only its own bus prefix', async () => {
    const { store, inner, node, serving, seen } = setup();
    inner.up = false;
    const other = new HoldingBus(inner, { kv: store.kv, busPrefix: 'p1', origin: 'node-b', now: () => 0, log: () => undefined, pollMs: 20 });
    const elsewhere = new HoldingBus(inner, { kv: store.kv, busPrefix: 'p2', origin: 'node-c', now: () => 0, log: () => undefined, pollMs: 20 });
    buses.push(other, elsewhere);
    await node.publish('events.stored', stored(1));
    await other.publish('events.stored', stored(10));
    await node.publish('events.stored', stored(2));
    await elsewhere.publish('events.stored', stored(99));
    drains.push(drainOutbox(serving, store.kv, { busPrefix: 'p1', log: () => undefined, pollMs: 20 }));
    for (let i = 0; i < 50 && seen.length < 3; i++) await wait(20);
    expect(seen.map((s) => s.seq)).toEqual([1, 2, 10]);
    expect((await store.kv.list(outboxPrefix('p2'))).length).toBe(1);
  });

  it('drops what is not a held notice, and goes on', async () => {
    const { store, serving, seen } = setup();
    await store.kv.set(`${outboxPrefix('p1')}x/000000000001`, 'garbage');
    await store.kv.set(`${outboxPrefix('p1')}x/000000000002`, { topic: 'events.stored', at: 1, msg: stored(5) });
    const logs: string[] = [];
    const drain = drainOutbox(serving, store.kv, { busPrefix: 'p1', log: (m) => logs.push(m), pollMs: 60_000 });
    drains.push(drain);
    expect(await drain.drainOnce()).toBe(1);
    expect(seen.map((s) => s.seq)).toEqual([5]);
    expect(logs.some((l) => /is not a held notice/.test(l))).toBe(true);
    expect(await store.kv.list(outboxPrefix('p1'))).toEqual([]);
  });
});
