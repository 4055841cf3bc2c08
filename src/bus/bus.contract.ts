/**
 * The one contract suite of the bus port (STYLE §3), run against every adapter:
 * `runBusContract('nats', (onListenerError) => openNatsBus({ …, onListenerError }))`. It pins down
 * what bus.ts leaves to words and the hub relies on: every subscriber of a topic gets the message,
 * in publish order; publish() resolves only once this process's handlers settled (the pipeline
 * answers a client after it); a failing listener is reported and reaches no one else.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sealSafeEvent } from '../core/event.js';
import type { Bus, BusTopics, StoredSafeEvent } from './bus.js';

export type ListenerErrorSink = (topic: string, err: unknown) => void;

type Status = BusTopics['device.status'];

export const statusMsg = (at: number, device = 'cam-1'): Status => ({ device, site: 'harbour', status: 'offline', previous: 'online', at });

export function storedBatch(first: number, n: number): StoredSafeEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    seq: first + i,
    event: sealSafeEvent({
      id: `e-${first + i}`,
      ts: 1_795_000_000_000 + i,
      received_at: 1_795_000_000_250 + i,
      device: 'cam-1',
      site: 'harbour',
      zone: i % 2 ? null : 'gate-north',
      kind: 'camera.intrusion',
      data: { zone: 'gate-north', object: 'person', confidence: 0.91, nested: { a: [1, 'x', null] } },
    }),
  }));
}

const tick = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function runBusContract(name: string, makeBus: (onListenerError: ListenerErrorSink) => Promise<Bus>): void {
  describe(`bus contract: ${name}`, () => {
    let bus: Bus;
    let errors: Array<{ topic: string; err: unknown }>;
    beforeEach(async () => {
      errors = [];
      bus = await makeBus((topic, err) => errors.push({ topic, err }));
    });
    afterEach(async () => {
      await bus.close();
    });

    it('delivers a message to every subscriber of its topic and to none of another topic', async () => {
      const a: Status[] = [];
      const b: Status[] = [];
      const other: unknown[] = [];
      bus.subscribe('device.status', (m) => void a.push(m));
      bus.subscribe('device.status', (m) => void b.push(m));
      bus.subscribe('events.stored', (m) => void other.push(m));
      await bus.publish('device.status', statusMsg(1));
      expect(a).toEqual([statusMsg(1)]);
      expect(b).toEqual([statusMsg(1)]);
      expect(other).toEqual([]);
    });

    it('tells a subscriber that a message this process published is local', async () => {
      const remote: boolean[] = [];
      bus.subscribe('device.status', (_m, d) => void remote.push(d.remote));
      await bus.publish('device.status', statusMsg(1));
      expect(remote).toEqual([false]);
    });

    it('carries an events.stored batch intact: seqs, null zone, nested data', async () => {
      const got: Array<readonly StoredSafeEvent[]> = [];
      bus.subscribe('events.stored', (m) => void got.push(m));
      await bus.publish('events.stored', storedBatch(41, 3));
      expect(got).toEqual([storedBatch(41, 3)]);
    });

    it('resolves publish with no subscriber at all', async () => {
      await expect(bus.publish('device.status', statusMsg(1))).resolves.toBeUndefined();
    });

    it('delivers in publish order, also when publishes are not awaited one by one', async () => {
      const seen: number[] = [];
      bus.subscribe('device.status', (m) => void seen.push(m.at));
      await bus.publish('device.status', statusMsg(0));
      await Promise.all(Array.from({ length: 50 }, (_, i) => bus.publish('device.status', statusMsg(i + 1))));
      expect(seen).toEqual(Array.from({ length: 51 }, (_, i) => i));
    });

    it('resolves publish only after every asynchronous handler settled', async () => {
      const done: string[] = [];
      bus.subscribe('device.status', async () => {
        await tick(30);
        done.push('slow');
      });
      bus.subscribe('device.status', async () => {
        await Promise.resolve();
        done.push('quick');
      });
      await bus.publish('device.status', statusMsg(1));
      expect(done.sort()).toEqual(['quick', 'slow']);
    });

    it('reports a throwing and a rejecting listener, and still delivers to the others', async () => {
      const boom = new Error('listener failed');
      const nope = new Error('listener rejected');
      const seen: number[] = [];
      bus.subscribe('device.status', () => {
        throw boom;
      });
      bus.subscribe('device.status', async () => {
        await tick(5);
        throw nope;
      });
      bus.subscribe('device.status', (m) => void seen.push(m.at));
      await expect(bus.publish('device.status', statusMsg(7))).resolves.toBeUndefined();
      expect(seen).toEqual([7]);
      expect(errors).toHaveLength(2);
      expect(errors).toEqual(expect.arrayContaining([{ topic: 'device.status', err: boom }, { topic: 'device.status', err: nope }]));
      // The bus keeps working after a failure.
      await bus.publish('device.status', statusMsg(8));
      expect(seen).toEqual([7, 8]);
    });

    it('stops delivering to an unsubscribed handler and keeps delivering to the rest', async () => {
      const a: number[] = [];
      const b: number[] = [];
      const stopA = bus.subscribe('device.status', (m) => void a.push(m.at));
      bus.subscribe('device.status', (m) => void b.push(m.at));
      await bus.publish('device.status', statusMsg(1));
      stopA();
      await bus.publish('device.status', statusMsg(2));
      expect(a).toEqual([1]);
      expect(b).toEqual([1, 2]);
    });

    it('lets a listener publish on another topic and await it', async () => {
      const chain: string[] = [];
      bus.subscribe('device.status', async (m) => {
        await bus.publish('events.stored', storedBatch(m.at, 1));
        chain.push('status handled');
      });
      bus.subscribe('events.stored', (batch) => void chain.push(`stored ${batch[0]?.seq}`));
      await bus.publish('device.status', statusMsg(5));
      expect(chain).toEqual(['stored 5', 'status handled']);
      expect(errors).toEqual([]);
    });
  });
}
