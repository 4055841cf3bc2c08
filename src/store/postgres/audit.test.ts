import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ParapetError } from '../../core/errors.js';
import type { AuditAppend, AuditHead } from '../audit.js';
import { runAuditStoreContract, sampleAuditEntry } from '../audit.contract.js';
import { createPostgresAuditStore } from './audit.js';
import pg from 'pg';
import { PG, scratchStore, withPool, withScratch } from './pg-test-schema.js';

const PREFIX = 'parapet_audit';

/** An entry whose hash really covers its predecessor, so a fork or a lost link shows. */
const chained =
  (actor: string) =>
  (head: AuditHead | null): AuditAppend => {
    const e = sampleAuditEntry(head, { actor });
    return { entry: { ...e, hash: createHash('sha256').update(`${e.prev_hash}|${e.seq}|${actor}`).digest('hex') }, checkpoint: null };
  };

runAuditStoreContract('postgres', scratchStore(PREFIX, createPostgresAuditStore));

describe('postgres audit section', () => {
  it('keeps one unbroken chain when two nodes append at the same time', () =>
    withScratch(PREFIX, async (scratch) => {
      const [a, b] = await Promise.all([0, 1].map(() => createPostgresAuditStore(scratch.node(), scratch.schema)));
      if (!a || !b) throw new Error('two stores expected');
      const each = 25;
      // Every append of both nodes in flight at once: six connections contend for the head.
      const appended = await Promise.all(
        Array.from({ length: each }, () => [a.append(chained('node:a')), b.append(chained('node:b'))]).flat(),
      );
      expect(appended.map((e) => e.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 2 * each }, (_, i) => i + 1));

      const rows = await b.scan(0, 1000);
      expect(rows.map((e) => e.seq)).toEqual(Array.from({ length: 2 * each }, (_, i) => i + 1));
      expect(rows[0]?.prev_hash).toBe('0'.repeat(64));
      const broken = rows.slice(1).filter((e, i) => e.prev_hash !== rows[i]?.hash || e.hash !== chained(e.actor)(rows[i] ?? null).entry.hash);
      expect(broken).toEqual([]);
      expect(rows.filter((e) => e.actor === 'node:a')).toHaveLength(each);
      expect(await a.count()).toBe(2 * each);
      expect(await a.head()).toEqual({ seq: 2 * each, hash: rows[rows.length - 1]?.hash });
    }));

  it('refuses UPDATE, DELETE and TRUNCATE on the log and the checkpoints', () =>
    withScratch(PREFIX, async (scratch) => {
      const store = await createPostgresAuditStore(scratch.node(), scratch.schema);
      await store.append((h) => ({ entry: sampleAuditEntry(h), checkpoint: { seq: 1, hash: 'h'.repeat(64), at: 5, signature: 'c2ln', key_id: 'k1' } }));
      const t = `"${scratch.schema}"`;
      await expect(scratch.sql(`UPDATE ${t}.audit_log SET outcome = 'success'`)).rejects.toThrow(/the audit log is append-only/);
      await expect(scratch.sql(`DELETE FROM ${t}.audit_log`)).rejects.toThrow(/the audit log is append-only/);
      await expect(scratch.sql(`TRUNCATE ${t}.audit_log`)).rejects.toThrow(/the audit log is append-only/);
      await expect(scratch.sql(`DELETE FROM ${t}.audit_checkpoints`)).rejects.toThrow(/audit checkpoints are append-only/);
      await expect(scratch.sql(`TRUNCATE ${t}.audit_checkpoints`)).rejects.toThrow(/audit checkpoints are append-only/);
      const again = await createPostgresAuditStore(scratch.node(), scratch.schema);
      expect(await again.scan(0, 5)).toEqual([sampleAuditEntry(null)]);
      expect(await again.checkpoints()).toHaveLength(1);
    }));

  it('stores a target holding U+0000, a backslash or a lone surrogate exactly and filters on it exactly', () =>
    withScratch(PREFIX, async (scratch) => {
      const store = await createPostgresAuditStore(scratch.node(), scratch.schema);
      const targets = ['bob\u0000admin', 'bob\\u0000admin', 'x\\y', 'half\uDC00'];
      for (const target of targets) await store.append((h) => ({ entry: sampleAuditEntry(h, { target, actor: `cli\\${target}` }), checkpoint: null }));
      const rows = await store.scan(0, 10);
      expect(rows.map((e) => e.target)).toEqual(targets);
      expect(rows.map((e) => e.actor)).toEqual(targets.map((t) => `cli\\${t}`));
      for (const [i, target] of targets.entries()) {
        expect((await store.query({ limit: 10, target })).map((e) => e.seq)).toEqual([i + 1]);
      }
    }));

  it('stores sites holding U+0000, a backslash or a lone surrogate exactly and filters on them exactly', () =>
    withScratch(PREFIX, async (scratch) => {
      const store = await createPostgresAuditStore(scratch.node(), scratch.schema);
      const sites = ['a\u0000b', 'a\\u0000b', 'x\\y', 'half\uDC00'];
      for (const site of sites) await store.append((h) => ({ entry: sampleAuditEntry(h, { sites: [site, 'shared'] }), checkpoint: null }));
      expect((await store.scan(0, 10)).map((e) => e.sites)).toEqual(sites.map((site) => [site, 'shared']));
      for (const [i, site] of sites.entries()) expect((await store.query({ limit: 10, sites: [site] })).map((e) => e.seq)).toEqual([i + 1]);
      const globals = (await scratch.sql(`SELECT 1 FROM "${scratch.schema}".audit_log WHERE sites IS NULL`)) as { rowCount: number };
      expect(globals.rowCount).toBe(0);
    }));

  it('adds the sites column to a log made before it, keeping its entries as global', () =>
    withScratch(PREFIX, async (scratch) => {
      const t = `"${scratch.schema}".audit_log`;
      // The table as the first release made it, with one entry.
      await scratch.sql(`CREATE TABLE ${t} (seq bigint PRIMARY KEY, at bigint NOT NULL, actor text NOT NULL, action text NOT NULL,
        target text, outcome text NOT NULL, detail text, prev_hash text NOT NULL, hash text NOT NULL)`);
      const old = sampleAuditEntry(null);
      await scratch.sql(`INSERT INTO ${t} VALUES (1, ${old.at}, '${old.actor}', '${old.action}', '${old.target}', '${old.outcome}', '${JSON.stringify(old.detail)}', '${old.prev_hash}', '${old.hash}')`);
      const store = await createPostgresAuditStore(scratch.node(), scratch.schema);
      await store.append((h) => ({ entry: sampleAuditEntry(h, { sites: ['harbour'] }), checkpoint: null }));
      expect(await store.scan(0, 5)).toEqual([old, sampleAuditEntry({ seq: 1, hash: old.hash }, { sites: ['harbour'] })]);
      expect((await store.query({ limit: 5, sites: ['harbour'] })).map((e) => e.seq)).toEqual([2]);
      expect(await (await createPostgresAuditStore(scratch.node(), scratch.schema)).count()).toBe(2);
    }));

  it('creates its tables and triggers once when several nodes start at the same moment', () =>
    withScratch(PREFIX, async (scratch) => {
      const stores = await Promise.all([0, 1, 2, 3].map(() => createPostgresAuditStore(scratch.node(), scratch.schema)));
      await stores[0]?.append(chained('system'));
      expect(await stores[3]?.count()).toBe(1);
    }));

  it('answers a bad or missing schema with a ParapetError', () =>
    withPool(async (pool) => {
      for (const bad of ['Audit', 'a b', '9x', 'x"; DROP SCHEMA public; --', '']) {
        const err: unknown = await createPostgresAuditStore(pool, bad).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ParapetError);
        expect(err).toMatchObject({ code: 'invalid_config' });
      }
      await expect(createPostgresAuditStore(pool, `parapet_missing_${randomBytes(6).toString('hex')}`)).rejects.toMatchObject({
        code: 'invalid_config',
      });
    }));

  it('reports a lost server as unavailable (503), never a raw driver error', () =>
    withScratch(PREFIX, async (scratch) => {
      const pool = new pg.Pool(PG);
      const store = await createPostgresAuditStore(pool, scratch.schema);
      await pool.end();
      await expect(store.head()).rejects.toMatchObject({ code: 'unavailable' });
    }));
});
