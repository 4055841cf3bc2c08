import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { memoryKv } from '../privacy/test-support.js';
import { createSecretBox } from './secret-box.js';
import { RATE_PREFIX, SharedRateCounts } from './shared-rate-limit.js';

/** As the hub names counters: HMAC under a key derived from the master key (AuthService.keyDigest). */
const box = createSecretBox(randomBytes(32));
const digest = (key: string): string => box.mac(`ratelimit\u0000${key}`);

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-27T10:00:05.000Z');

function nodes(n: number) {
  const kv = memoryKv();
  let now = T0;
  const errors: unknown[] = [];
  const list = Array.from({ length: n }, () => new SharedRateCounts({ kv, digest, now: () => now, syncMs: 60_000, onError: (e) => errors.push(e) }));
  return { kv, list, errors, at: (t: number) => void (now = t), stop: () => list.forEach((c) => c.stop()) };
}

describe('rate limits shared through the store', () => {
  it("counts a credential's requests on every node once the nodes have synced", async () => {
    const { list, stop } = nodes(2);
    const [a, b] = list as [SharedRateCounts, SharedRateCounts];
    try {
      for (let i = 1; i <= 6; i++) expect(a.incr('token:t1', MINUTE).current).toBe(i);
      for (let i = 1; i <= 6; i++) expect(b.incr('token:t1', MINUTE).current).toBe(i);
      await a.sync(MINUTE);
      await b.sync(MINUTE);
      // b has added its 6 to a's 6; a reads the total at its next sync.
      expect(b.incr('token:t1', MINUTE).current).toBe(13);
      await a.sync(MINUTE);
      // a reads 12 (b's 13th is not added yet) and counts its own new one.
      expect(a.incr('token:t1', MINUTE).current).toBe(13);
      // Another credential is counted apart.
      expect(a.incr('token:t2', MINUTE).current).toBe(1);
      // Retry-After is the rest of the window.
      expect(a.incr('token:t1', MINUTE).ttl).toBe(MINUTE - 5_000);
    } finally {
      stop();
    }
  });

  it('starts again in the next window and deletes windows no one can ask about any more', async () => {
    const { kv, list, at, stop } = nodes(1);
    const [a] = list as [SharedRateCounts];
    try {
      for (let i = 0; i < 5; i++) a.incr('token:t1', MINUTE);
      await a.sync(MINUTE);
      at(T0 + MINUTE);
      expect(a.incr('token:t1', MINUTE).current).toBe(1);
      await a.sync(MINUTE);
      at(T0 + 2 * MINUTE);
      a.incr('token:t1', MINUTE);
      await a.sync(MINUTE);
      const windows = new Set((await kv.list(RATE_PREFIX)).map(([name]) => Number(name.split('/')[1])));
      const current = Math.floor((T0 + 2 * MINUTE) / MINUTE) * MINUTE;
      expect([...windows].sort()).toEqual([current - MINUTE, current]);
    } finally {
      stop();
    }
  });

  it('keeps no address or token id in the store, only a digest of the key', async () => {
    const { kv, list, stop } = nodes(1);
    const [a] = list as [SharedRateCounts];
    try {
      a.incr('ip:203.0.113.9', MINUTE);
      a.incr('token:tok-secret-id', MINUTE);
      await a.sync(MINUTE);
      const names = (await kv.list(RATE_PREFIX)).map(([name]) => name);
      expect(names).toHaveLength(2);
      expect(names.join()).not.toMatch(/203\.0|tok-secret|ip:|token:/);
      // Keyed: not a plain hash of the key, which anyone could recompute for every IPv4 address.
      const plain = createHash('sha256').update('ip:203.0.113.9').digest();
      expect(names.join()).not.toContain(plain.toString('hex').slice(0, 16));
      expect(names.join()).not.toContain(plain.toString('base64url').slice(0, 16));
      expect(names).toContain(`${RATE_PREFIX}${Math.floor(T0 / MINUTE) * MINUTE}/${digest('ip:203.0.113.9').slice(0, 32)}`);
    } finally {
      stop();
    }
  });

  it('goes on counting alone while the store fails, says so once, and adds what it counted when the store is back', async () => {
    const { kv, list, errors, stop } = nodes(2);
    const [a, b] = list as [SharedRateCounts, SharedRateCounts];
    try {
      kv.failWrites = new Error('store down');
      for (let i = 0; i < 4; i++) a.incr('token:t1', MINUTE);
      await a.sync(MINUTE);
      await a.sync(MINUTE);
      expect(errors).toHaveLength(1);
      expect(a.incr('token:t1', MINUTE).current).toBe(5);
      kv.failWrites = null;
      await a.sync(MINUTE);
      b.incr('token:t1', MINUTE);
      await b.sync(MINUTE);
      expect(b.incr('token:t1', MINUTE).current).toBe(7);
    } finally {
      stop();
    }
  });
});
