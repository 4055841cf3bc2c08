import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ParapetError } from '../../core/errors.js';
import type { AlertChange, AlertRecord, AlertStore } from '../alerts.js';
import { runAlertStoreContract, sampleAlert } from '../alerts.contract.js';
import { createPostgresAlertStore } from './alerts.js';
import pg from 'pg';
import { PG, scratchStore, withPool, withScratch } from './pg-test-schema.js';

const PREFIX = 'parapet_alerts';

const opened = (n: number, alert: AlertRecord): AlertChange => ({ n, at: n, action: 'opened', alert });

runAlertStoreContract('postgres', scratchStore(PREFIX, createPostgresAlertStore));

describe('postgres alerts section', () => {
  it('gives unique, increasing change numbers, seen by readers in order, when two nodes commit at once', () =>
    withScratch(PREFIX, async (scratch) => {
      const [a, b, reader] = await Promise.all([0, 1, 2].map(() => createPostgresAlertStore(scratch.node(), scratch.schema)));
      if (!a || !b || !reader) throw new Error('three stores expected');
      const rounds = 30;
      const perNode = Array.from({ length: rounds }, (_, i) => 1 + (i % 3)).reduce((x, y) => x + y, 0);
      // Like AlertService: each node numbers from the counter it loaded and its own commits only.
      const node = async (store: AlertStore, name: string): Promise<void> => {
        let n = await store.lastChange();
        for (let i = 0; i < rounds; i++) {
          const items = Array.from({ length: 1 + (i % 3) }, (_, j) => {
            const alert = sampleAlert({ id: `${name}-${String(i).padStart(2, '0')}-${j}`, dedup_key: `${name}-${i}-${j}` });
            return { alert, change: opened(n + j + 1, alert) };
          });
          await store.commit(items);
          n += items.length;
        }
      };
      // An SSE-like follower: "changes after the last one I saw" must never skip a number.
      let writersDone = false;
      const skipped: Array<[number, number]> = [];
      const follow = async (): Promise<number> => {
        let seen = 0;
        for (;;) {
          // Read whether the writers had finished before asking: an empty answer then means every
          // change has been seen (checked after the answer, the last commits could land in between).
          const doneBefore = writersDone;
          const batch = await reader.changesAfter(seen, 7);
          for (const c of batch) {
            if (c.n !== seen + 1) skipped.push([seen, c.n]);
            seen = c.n;
          }
          if (batch.length === 0) {
            if (doneBefore) return seen;
            await delay(1);
          }
        }
      };
      const following = follow();
      const writing = Promise.all([node(a, 'A'), node(b, 'B')]).finally(() => {
        writersDone = true;
      });
      // Both settle before any assertion, so nothing still polls the schema once it is dropped.
      await Promise.allSettled([writing, following]);
      await writing;
      expect(await following).toBe(2 * perNode);
      expect(skipped).toEqual([]);

      const all = await reader.changesAfter(0, 10 * perNode);
      expect(all.map((c) => c.n)).toEqual(Array.from({ length: 2 * perNode }, (_, i) => i + 1));
      // Each node's changes keep the order it committed them in.
      for (const name of ['A', 'B']) {
        const ids = all.filter((c) => c.alert.id.startsWith(`${name}-`)).map((c) => c.alert.id);
        expect(ids).toHaveLength(perNode);
        expect(ids).toEqual([...ids].sort());
      }
      expect(await a.lastChange()).toBe(2 * perNode);
      expect(await b.lastChange()).toBe(2 * perNode);
      expect(await reader.listAlerts({ limit: 1000 })).toHaveLength(2 * perNode);
    }));

  it('creates its tables once when several nodes start at the same moment', () =>
    withScratch(PREFIX, async (scratch) => {
      const stores = await Promise.all([0, 1, 2, 3].map(() => createPostgresAlertStore(scratch.node(), scratch.schema)));
      const x = sampleAlert();
      await stores[0]?.commit([{ alert: x, change: opened(1, x) }]);
      expect(await stores[3]?.getAlert('a1')).toEqual(x);
    }));

  it('refuses a second unresolved alert per dedup key and keeps everything for the next node on the schema', () =>
    withScratch(PREFIX, async (scratch) => {
      const store = await createPostgresAlertStore(scratch.node(), scratch.schema);
      const x = sampleAlert();
      await store.commit([{ alert: x, change: opened(1, x) }]);
      const twin = sampleAlert({ id: 'a2' });
      await expect(store.commit([{ alert: twin, change: opened(2, twin) }])).rejects.toThrow();
      // The refused commit left neither the alert nor its change number behind.
      const later = await createPostgresAlertStore(scratch.node(), scratch.schema);
      expect(await later.getAlert('a1')).toEqual(x);
      expect(await later.getAlert('a2')).toBeNull();
      expect(await later.lastChange()).toBe(1);
      const resolved = { ...x, state: 'resolved' as const };
      await later.commit([{ alert: resolved, change: opened(2, resolved) }, { alert: twin, change: opened(3, twin) }]);
      expect((await later.unresolvedAlerts()).map((a) => a.id)).toEqual(['a2']);
    }));

  it('never reuses a change number after pruning empties the log', () =>
    withScratch(PREFIX, async (scratch) => {
      const store = await createPostgresAlertStore(scratch.node(), scratch.schema);
      const x = sampleAlert();
      await store.commit([{ alert: x, change: opened(1, x) }, { alert: x, change: opened(2, x) }]);
      await store.pruneChanges(100);
      expect(await store.firstChange()).toBe(0);
      expect(await store.lastChange()).toBe(2);
      await store.commit([{ alert: x, change: opened(1, x) }]);
      expect((await store.changesAfter(0, 10)).map((c) => c.n)).toEqual([3]);
    }));

  it('keeps keys and filters exact when they hold U+0000, backslashes or lone surrogates', () =>
    withScratch(PREFIX, async (scratch) => {
      const store = await createPostgresAlertStore(scratch.node(), scratch.schema);
      const odd = ['nul\u0000key', 'back\\slash', 'lone\uD800', 'nul\\u0000key'];
      await store.saveRuleState(odd.map((k, i) => [k, { i }] as const), []);
      expect(new Map(await store.loadRuleState())).toEqual(new Map(odd.map((k, i) => [k, { i }])));
      await store.saveRuleState([], ['nul\u0000key']);
      expect((await store.loadRuleState()).map(([k]) => k).sort()).toEqual(odd.slice(1).sort());

      const x = sampleAlert({ dedup_key: 'door\u00001', device: 'dev\\1' });
      const y = sampleAlert({ id: 'a2', dedup_key: 'door\\u00001', device: 'dev\u00001' });
      await store.commit([{ alert: x, change: opened(1, x) }, { alert: y, change: opened(2, y) }]);
      expect(await store.getAlert('a1')).toEqual(x);
      expect((await store.listAlerts({ limit: 10, device: 'dev\\1' })).map((a) => a.id)).toEqual(['a1']);
      expect((await store.listAlerts({ limit: 10, device: 'dev\u00001' })).map((a) => a.id)).toEqual(['a2']);

      const w = { id: 'w\u00001', list: 'plates\\eu', expires_at: 2 ** 45, created_at: 1, sealed: 'abc' };
      await store.putWatchEntry(w);
      expect(await store.listWatchEntries()).toEqual([w]);
    }));

  it('answers a bad or missing schema with a ParapetError', () =>
    withPool(async (pool) => {
      for (const bad of ['Alerts', 'a-b', '1abc', 'x"; DROP SCHEMA public; --', '', 'a'.repeat(64)]) {
        const err: unknown = await createPostgresAlertStore(pool, bad).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ParapetError);
        expect(err).toMatchObject({ code: 'invalid_config' });
      }
      await expect(createPostgresAlertStore(pool, `parapet_missing_${randomBytes(6).toString('hex')}`)).rejects.toMatchObject({
        code: 'invalid_config',
        message: expect.stringContaining('does not exist') as unknown,
      });
    }));

  it('reports a lost server as unavailable (503), never a raw driver error', () =>
    withScratch(PREFIX, async (scratch) => {
      const pool = new pg.Pool(PG);
      const store = await createPostgresAlertStore(pool, scratch.schema);
      await pool.end();
      await expect(store.lastChange()).rejects.toMatchObject({ code: 'unavailable' });
    }));
});
