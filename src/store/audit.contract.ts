/** The one contract suite of the audit section, run against every adapter (STYLE §3). */
import { describe, expect, it } from 'vitest';
import type { AuditCheckpoint, AuditEntry, AuditHead, AuditQuery, AuditStore } from './audit.js';

export function sampleAuditEntry(head: AuditHead | null, over: Partial<AuditEntry> = {}): AuditEntry {
  const seq = (head?.seq ?? 0) + 1;
  return {
    seq,
    at: 1000 + seq,
    actor: 'user:admin',
    action: seq % 2 ? 'auth.login' : 'users.create',
    target: `t${seq}`,
    outcome: seq % 3 ? 'success' : 'failure',
    detail: { n: seq, nested: { ok: true } },
    sites: [],
    prev_hash: head?.hash ?? '0'.repeat(64),
    hash: seq.toString(16).padStart(64, 'a'),
    ...over,
  };
}

const cp = (seq: number): AuditCheckpoint => ({ seq, hash: 'h'.repeat(64), at: 5, signature: 'c2ln', key_id: 'k1' });

export function runAuditStoreContract(name: string, make: () => Promise<{ store: AuditStore; close: () => Promise<void> }>): void {
  describe(`audit store contract (${name})`, () => {
    const withStore = async (fn: (s: AuditStore) => Promise<void>): Promise<void> => {
      const { store, close } = await make();
      try {
        await fn(store);
      } finally {
        await close();
      }
    };
    const fill = async (s: AuditStore, n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await s.append((h) => ({ entry: sampleAuditEntry(h), checkpoint: null }));
    };

    it('hands each append the current head and reads entries back unchanged', async () => {
      await withStore(async (s) => {
        expect(await s.head()).toBeNull();
        const heads: Array<AuditHead | null> = [];
        for (let i = 0; i < 3; i++) {
          await s.append((h) => {
            heads.push(h);
            return { entry: sampleAuditEntry(h), checkpoint: null };
          });
        }
        expect(heads[0]).toBeNull();
        expect(heads[2]).toEqual({ seq: 2, hash: sampleAuditEntry({ seq: 1, hash: '' }).hash });
        expect(await s.count()).toBe(3);
        const all = await s.scan(0, 10);
        expect(all.map((e) => e.seq)).toEqual([1, 2, 3]);
        expect(all[0]).toEqual(sampleAuditEntry(null));
        expect(await s.scan(2, 10)).toHaveLength(1);
      });
    });

    it('queries newest first with filters, action prefixes and keyset paging', async () => {
      await withStore(async (s) => {
        await fill(s, 10);
        expect((await s.query({ limit: 3 })).map((e) => e.seq)).toEqual([10, 9, 8]);
        expect((await s.query({ limit: 3, before: 8 })).map((e) => e.seq)).toEqual([7, 6, 5]);
        expect((await s.query({ limit: 50, action: 'auth.*' })).map((e) => e.seq)).toEqual([9, 7, 5, 3, 1]);
        expect((await s.query({ limit: 50, action: 'users.create' })).every((e) => e.action === 'users.create')).toBe(true);
        expect((await s.query({ limit: 50, outcome: 'failure' })).map((e) => e.seq)).toEqual([9, 6, 3]);
        expect((await s.query({ limit: 50, from: 1003, to: 1005 })).map((e) => e.seq)).toEqual([4, 3]);
        expect((await s.query({ limit: 50, target: 't4', actor: 'user:admin' })).map((e) => e.seq)).toEqual([4]);
        expect(await s.query({ limit: 50, actor: 'nobody' })).toEqual([]);
      });
    });

    it('keeps each entry\'s sites and filters by site in the query, never showing a global entry to a site filter', async () => {
      await withStore(async (s) => {
        const tags: string[][] = [[], ['harbour'], ['campus'], ['campus', 'harbour'], [], ['depot'], ['harbour']];
        for (const sites of tags) await s.append((h) => ({ entry: sampleAuditEntry(h, { sites }), checkpoint: null }));
        expect((await s.scan(0, 10)).map((e) => e.sites)).toEqual(tags);
        const seqs = async (q: Omit<AuditQuery, 'limit'>, limit = 50): Promise<number[]> => (await s.query({ limit, ...q })).map((e) => e.seq);
        expect(await seqs({ sites: ['harbour'] })).toEqual([7, 4, 2]);
        expect(await seqs({ sites: ['campus'] })).toEqual([4, 3]);
        expect(await seqs({ sites: ['campus', 'depot'] })).toEqual([6, 4, 3]);
        expect(await seqs({ sites: ['nowhere'] })).toEqual([]);
        expect(await seqs({ sites: [] })).toEqual([]);
        // Combined with the other filters and keyset paging, and limited after filtering.
        expect(await seqs({ sites: ['harbour'] }, 2)).toEqual([7, 4]);
        expect(await seqs({ sites: ['harbour'], before: 4 })).toEqual([2]);
        expect(await seqs({ sites: ['harbour', 'campus'], action: 'users.*' })).toEqual([4, 2]);
        expect(await seqs({})).toEqual([7, 6, 5, 4, 3, 2, 1]);
      });
    });

    it('stores checkpoints with their entry or on their own, in seq order', async () => {
      await withStore(async (s) => {
        await s.append((h) => ({ entry: sampleAuditEntry(h), checkpoint: cp(1) }));
        await fill(s, 2);
        await s.addCheckpoint(cp(3));
        expect((await s.checkpoints()).map((c) => c.seq)).toEqual([1, 3]);
        expect((await s.checkpoints())[0]).toEqual(cp(1));
      });
    });

    it('stores nothing when the entry builder throws', async () => {
      await withStore(async (s) => {
        await expect(
          s.append(() => {
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await s.count()).toBe(0);
      });
    });
  });
}
