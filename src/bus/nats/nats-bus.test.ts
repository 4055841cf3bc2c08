import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { ParapetError } from '../../core/errors.js';
import type { Bus } from '../bus.js';
import { runBusContract, statusMsg, storedBatch, type ListenerErrorSink } from '../bus.contract.js';
import { openNatsBus, ORIGIN_HEADER, startSeq, streamName } from './nats-bus.js';
import { HoldingBus } from '../outbox.js';
import { createMemoryStore } from '../../store/memory/memory-store.js';

const SERVER = '127.0.0.1:4222';
const URL = `nats://${SERVER}`;
const HOUR_NS = 3_600 * 1_000_000_000;

// Test files run in parallel processes against one server: every suite gets its own prefix (hence
// its own stream), and every stream made here is deleted at the end.
const prefixes: string[] = [];
function newPrefix(): string {
  const p = `t_${randomBytes(6).toString('hex')}`;
  prefixes.push(p);
  return p;
}

let admin: NatsConnection;
let jsm: JetStreamManager;
beforeAll(async () => {
  admin = await connect({ servers: SERVER });
  jsm = await jetstreamManager(admin);
});
afterAll(async () => {
  for (const p of prefixes) await jsm.streams.delete(streamName(p)).catch(() => false);
  await admin.close();
});

const contractPrefix = newPrefix();
runBusContract('nats', (onListenerError) => openNatsBus({ url: URL, prefix: contractPrefix, onListenerError }));
// As an ingest node runs it: held in the store when NATS cannot take a notice (outbox.ts), the same bus otherwise.
const holdingPrefix = newPrefix();
runBusContract('nats, as an ingest node holds it', async (onListenerError) =>
  new HoldingBus(await openNatsBus({ url: URL, prefix: holdingPrefix, onListenerError }), { kv: createMemoryStore().kv, busPrefix: holdingPrefix, origin: 'contract', now: () => Date.now(), log: () => undefined }),
);

describe('nats bus', () => {
  const open: Bus[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });

  async function bus(prefix: string, onListenerError: ListenerErrorSink = () => undefined, log?: (m: string) => void): Promise<Bus> {
    const b = await openNatsBus({ url: URL, prefix, onListenerError, ...(log ? { log } : {}) });
    open.push(b);
    return b;
  }

  const until = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 10 });

  /**
   * A message from outside any bus, published after everything else: a bus that has received it
   * has received (or skipped) every message stored before it, because a consumer reads in stream order.
   */
  async function fence(prefix: string, at = -1): Promise<void> {
    await jetstream(admin).publish(`${prefix}.device.status`, JSON.stringify(statusMsg(at, 'fence')));
  }

  it('gives two buses on one prefix each other’s messages exactly once, and their own exactly once', async () => {
    const p = newPrefix();
    const a = await bus(p);
    const b = await bus(p);
    const seenA: string[] = [];
    const seenB: string[] = [];
    // Its own messages reach each bus as local, the other's (and the fence, sent from outside) as remote.
    const record = (seen: string[], self: string) => (m: { device: string; at: number }, d: { remote: boolean }) =>
      void seen.push(`${m.device}:${m.at}${d.remote === (m.device !== self) ? '' : ' (wrong origin)'}`);
    a.subscribe('device.status', record(seenA, 'a'));
    b.subscribe('device.status', record(seenB, 'b'));
    for (const i of [1, 2, 3]) await a.publish('device.status', statusMsg(i, 'a'));
    for (const i of [1, 2, 3]) await b.publish('device.status', statusMsg(i, 'b'));
    await fence(p);
    await until(() => expect(seenA).toContain('fence:-1'));
    await until(() => expect(seenB).toContain('fence:-1'));
    const from = (seen: string[], who: string) => seen.filter((s) => s.startsWith(`${who}:`));
    for (const seen of [seenA, seenB]) {
      expect(from(seen, 'a')).toEqual(['a:1', 'a:2', 'a:3']);
      expect(from(seen, 'b')).toEqual(['b:1', 'b:2', 'b:3']);
      expect(seen).toHaveLength(7);
    }
  });

  it('resumes after its recorded position: what others published while it was down, none of its own', async () => {
    const p = newPrefix();
    const other = await bus(p);
    const first = await openNatsBus({ url: URL, prefix: p, origin: 'serving.test', onListenerError: () => undefined });
    const seenFirst: string[] = [];
    first.subscribe('device.status', (m) => void seenFirst.push(`${m.device}:${m.at}`));
    await other.publish('device.status', statusMsg(1, 'other'));
    await until(() => expect(seenFirst).toEqual(['other:1']));
    // Its own message, then a position recorded once both were read past.
    await first.publish('device.status', statusMsg(2, 'self'));
    await fence(p, 3);
    await until(() => expect(seenFirst).toContain('fence:3'));
    const position = first.position?.() ?? -1;
    expect(position).toBeGreaterThan(0);
    // Published after the recorded position (a crash before the next save): already handled here.
    await first.publish('device.status', statusMsg(35, 'self'));
    await first.close();
    // While it is down: another node's messages, and (a stale copy of) its own published before the stop.
    await other.publish('device.status', statusMsg(4, 'other'));
    await other.publish('device.status', statusMsg(5, 'other'));
    // On hold until started: the replay waits for the subscribers wired after opening.
    const again = await openNatsBus({ url: URL, prefix: p, origin: 'serving.test', resumeAfter: position, holdUntilStarted: true, onListenerError: () => undefined });
    open.push(again);
    await new Promise((r) => setTimeout(r, 200));
    const seenAgain: Array<[string, boolean]> = [];
    again.subscribe('device.status', (m, d) => void seenAgain.push([`${m.device}:${m.at}`, d.remote]));
    expect(again.position?.()).toBe(position);
    again.start?.();
    await fence(p, 6);
    await until(() => expect(seenAgain.map(([m]) => m)).toContain('fence:6'));
    expect(seenAgain).toEqual([
      ['other:4', true],
      ['other:5', true],
      ['fence:6', true],
    ]);
    // The same position under another origin: the message of 'self' is someone else's there.
    const stranger = await openNatsBus({ url: URL, prefix: p, resumeAfter: position, onListenerError: () => undefined });
    open.push(stranger);
    const seenStranger: string[] = [];
    stranger.subscribe('device.status', (m) => void seenStranger.push(`${m.device}:${m.at}`));
    await until(() => expect(seenStranger).toEqual(['self:35', 'other:4', 'other:5', 'fence:6']));
    // A bus without a position hears only what comes after it opened.
    const fresh = await bus(p);
    const seenFresh: string[] = [];
    fresh.subscribe('device.status', (m) => void seenFresh.push(m.device));
    await fence(p, 7);
    await until(() => expect(seenFresh).toEqual(['fence']));
  });

  it('says when the position it resumes from is gone from the stream, and reads what is left', () => {
    const warnings: string[] = [];
    const warn = (m: string) => void warnings.push(m);
    expect(startSeq(1, 10, undefined, warn)).toBe(11);
    expect(startSeq(1, 10, 4, warn)).toBe(5);
    expect(startSeq(1, 10, 10, warn)).toBe(11);
    expect(warnings).toEqual([]);
    // Retention dropped 6..9 before they were read.
    expect(startSeq(10, 20, 5, warn)).toBe(10);
    expect(warnings.pop()).toMatch(/4 messages published since position 5 were dropped/);
    // The stream was recreated (its sequence restarted below the position).
    expect(startSeq(1, 3, 50, warn)).toBe(1);
    expect(startSeq(0, 0, 50, warn)).toBe(1);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/stream was recreated/);
  });

  it('has stored a message in the stream by the time publish resolves', async () => {
    const p = newPrefix();
    const a = await bus(p);
    await a.publish('device.status', statusMsg(42));
    const stored = await jsm.streams.getMessage(streamName(p), { last_by_subj: `${p}.device.status` });
    expect(stored?.json()).toEqual(statusMsg(42));
    expect(stored?.header.get(ORIGIN_HEADER)).toMatch(/\w+/);
  });

  it('rejects publish when JetStream does not store the message, after local handlers ran', async () => {
    const p = newPrefix();
    const a = await bus(p);
    const seen: number[] = [];
    a.subscribe('device.status', (m) => void seen.push(m.at));
    // Still busy when the refusal comes back: publish waits for it, then rejects.
    a.subscribe('device.status', async (m) => {
      await new Promise((r) => setTimeout(r, 50));
      seen.push(-m.at);
    });
    await jsm.streams.delete(streamName(p));
    const err = await a.publish('device.status', statusMsg(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParapetError);
    expect((err as ParapetError).code).toBe('unavailable');
    expect((err as Error).message).toMatch(/did not store the device\.status message/);
    expect(seen).toEqual([1, -1]);
  });

  it('delivers another bus’s messages in its publish order, across topics', async () => {
    const p = newPrefix();
    const a = await bus(p);
    const b = await bus(p);
    const seen: string[] = [];
    a.subscribe('device.status', (m) => void seen.push(`s${m.at}`));
    a.subscribe('events.stored', (m) => void seen.push(`e${m[0]?.seq}`));
    const sent: string[] = [];
    const pubs: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      if (i % 3 === 0) {
        sent.push(`e${i}`);
        pubs.push(b.publish('events.stored', storedBatch(i, 2)));
      } else {
        sent.push(`s${i}`);
        pubs.push(b.publish('device.status', statusMsg(i)));
      }
    }
    await Promise.all(pubs);
    await until(() => expect(seen).toHaveLength(200));
    expect(seen).toEqual(sent);
  });

  it('contains a listener failing on another bus’s message and keeps reading', async () => {
    const p = newPrefix();
    const errors: Array<{ topic: string; err: unknown }> = [];
    const a = await bus(p, (topic, err) => errors.push({ topic, err }));
    const b = await bus(p);
    const seen: number[] = [];
    a.subscribe('device.status', (m) => {
      if (m.at === 1) throw new Error('sync failure');
    });
    a.subscribe('device.status', async (m) => {
      if (m.at === 2) throw new Error('async failure');
    });
    a.subscribe('device.status', (m) => void seen.push(m.at));
    for (const i of [1, 2, 3]) await b.publish('device.status', statusMsg(i));
    await until(() => expect(seen).toEqual([1, 2, 3]));
    expect(errors.map((e) => [e.topic, (e.err as Error).message])).toEqual([
      ['device.status', 'sync failure'],
      ['device.status', 'async failure'],
    ]);
  });

  it('awaits a handler of another bus’s message before delivering the next one', async () => {
    const p = newPrefix();
    const a = await bus(p);
    const b = await bus(p);
    const log: string[] = [];
    a.subscribe('device.status', async (m) => {
      log.push(`start ${m.at}`);
      await new Promise((r) => setTimeout(r, 20));
      log.push(`end ${m.at}`);
    });
    await Promise.all([b.publish('device.status', statusMsg(1)), b.publish('device.status', statusMsg(2))]);
    await until(() => expect(log).toHaveLength(4));
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('stops delivering another bus’s messages to an unsubscribed handler', async () => {
    const p = newPrefix();
    const a = await bus(p);
    const b = await bus(p);
    const kept: number[] = [];
    const dropped: number[] = [];
    a.subscribe('device.status', (m) => void kept.push(m.at));
    const stop = a.subscribe('device.status', (m) => void dropped.push(m.at));
    await b.publish('device.status', statusMsg(1));
    await until(() => expect(dropped).toEqual([1]));
    stop();
    await b.publish('device.status', statusMsg(2));
    await fence(p);
    await until(() => expect(kept).toEqual([1, 2, -1]));
    expect(dropped).toEqual([1]);
  });

  it('sends a message larger than the server’s max_payload as parts and hands it over whole', async () => {
    const p = newPrefix();
    const a = await bus(p);
    const b = await bus(p);
    const batch = storedBatch(1, 12_000);
    expect(JSON.stringify(batch).length).toBeGreaterThan(2 * (admin.info?.max_payload ?? 0));
    const remote: unknown[] = [];
    const local: unknown[] = [];
    a.subscribe('events.stored', (m) => void remote.push(m));
    b.subscribe('events.stored', (m) => void local.push(m));
    await b.publish('events.stored', batch);
    await b.publish('events.stored', storedBatch(20_000, 1));
    await until(() => expect(remote).toHaveLength(2));
    expect(remote).toEqual([batch, storedBatch(20_000, 1)]);
    expect(local).toHaveLength(2);
    const info = await jsm.streams.info(streamName(p));
    expect(info.state.messages).toBeGreaterThanOrEqual(4);
  });

  it('skips a stored message that is not JSON and keeps delivering', async () => {
    const p = newPrefix();
    const logs: string[] = [];
    const a = await bus(p, undefined, (m) => logs.push(m));
    const seen: number[] = [];
    a.subscribe('device.status', (m) => void seen.push(m.at));
    await jetstream(admin).publish(`${p}.device.status`, 'not json {');
    await fence(p, 5);
    await until(() => expect(seen).toEqual([5]));
    expect(logs.some((l) => /not JSON/.test(l))).toBe(true);
  });

  it('creates its stream with file storage, 1 h and 2 GiB retention by default, and brings an existing one to the configured limits', async () => {
    const p = newPrefix();
    await jsm.streams.add({ name: streamName(p), subjects: [`${p}.>`], max_age: 24 * HOUR_NS, storage: StorageType.File });
    await bus(p);
    const info = await jsm.streams.info(streamName(p));
    expect(info.config.subjects).toEqual([`${p}.>`]);
    expect(info.config.max_age).toBe(HOUR_NS);
    expect(info.config.max_bytes).toBe(2 * 1024 ** 3);
    expect(info.config.storage).toBe(StorageType.File);
    // A second node opening the same prefix with other limits brings the stream to them.
    const b = await openNatsBus({ url: URL, prefix: p, onListenerError: () => undefined, maxAgeMs: 600_000, maxBytes: 1024 ** 2 });
    try {
      const again = await jsm.streams.info(streamName(p));
      expect(again.config.max_age).toBe(600_000 * 1_000_000);
      expect(again.config.max_bytes).toBe(1024 ** 2);
    } finally {
      await b.close();
    }
  });

  it('refuses a stream kept in memory, which would lose acknowledged messages with the server', async () => {
    const p = newPrefix();
    await jsm.streams.add({ name: streamName(p), subjects: [`${p}.>`], storage: StorageType.Memory });
    await expect(bus(p)).rejects.toThrow(/memory storage/);
  });

  it('removes its consumer from the stream when closed', async () => {
    const p = newPrefix();
    const a = await bus(p);
    await bus(p);
    const count = async () => (await jsm.streams.info(streamName(p))).state.consumer_count;
    expect(await count()).toBe(2);
    await a.close();
    expect(await count()).toBe(1);
  });

  it('rejects publish after close with a clear error', async () => {
    const a = await bus(newPrefix());
    await a.close();
    await expect(a.publish('device.status', statusMsg(1))).rejects.toThrow(/NATS bus is closed; cannot publish device\.status/);
    await expect(a.close()).resolves.toBeUndefined();
  });

  it('connects with credentials given in the URL', async () => {
    // This server has no authorization: it accepts any user, so this checks the URL is split right.
    const b = await openNatsBus({ url: `nats://parapet:pw@${SERVER}`, prefix: newPrefix(), onListenerError: () => undefined });
    open.push(b);
    await expect(b.publish('device.status', statusMsg(1))).resolves.toBeUndefined();
  });

  it('names the server but not the credentials when it cannot connect', async () => {
    const port = await closedPort();
    for (const url of [`nats://parapet:s3cret-pw@127.0.0.1:${port}`, `nats://s3cret-token@127.0.0.1:${port}`]) {
      const err = await openNatsBus({ url, onListenerError: () => undefined }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ParapetError);
      expect((err as ParapetError).code).toBe('unavailable');
      expect((err as Error).message).toContain(`Cannot connect to NATS at 127.0.0.1:${port}`);
      expect((err as Error).message).not.toMatch(/s3cret|parapet:/);
    }
  });

  it('refuses a prefix that is not one subject token, and a URL that is not NATS', async () => {
    for (const prefix of ['a.b', 'a>', '', 'x y']) {
      await expect(openNatsBus({ url: URL, prefix, onListenerError: () => undefined })).rejects.toMatchObject({ code: 'invalid_config' });
    }
    const err = await openNatsBus({ url: 'http://user:s3cret@127.0.0.1:4222', onListenerError: () => undefined }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_config' });
    expect((err as Error).message).not.toContain('s3cret');
  });
});

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
