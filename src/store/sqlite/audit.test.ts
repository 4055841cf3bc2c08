import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { runAuditStoreContract, sampleAuditEntry } from '../audit.contract.js';
import { createSqliteAuditStore } from './audit.js';

function openKeyed(file: string): Database.Database {
  const db = new Database(file);
  db.pragma(`key='test-key'`);
  db.pragma('journal_mode = WAL');
  return db;
}

runAuditStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parapet-audit-'));
  const db = openKeyed(join(dir, 'db.sqlite'));
  return {
    store: createSqliteAuditStore(db),
    close: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite audit section', () => {
  it('refuses UPDATE and DELETE on the log and keeps entries across reopening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parapet-audit-'));
    try {
      const file = join(dir, 'db.sqlite');
      let db = openKeyed(file);
      const store = createSqliteAuditStore(db);
      await store.append((h) => ({ entry: sampleAuditEntry(h), checkpoint: null }));
      expect(() => db.prepare("UPDATE audit_log SET outcome = 'success'").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
      db.close();
      db = openKeyed(file);
      expect(await createSqliteAuditStore(db).scan(0, 5)).toEqual([sampleAuditEntry(null)]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never forks the chain when two handles on one file append in turn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parapet-audit-'));
    try {
      const file = join(dir, 'db.sqlite');
      const a = openKeyed(file);
      const b = openKeyed(file);
      const sa = createSqliteAuditStore(a);
      const sb = createSqliteAuditStore(b);
      for (let i = 0; i < 4; i++) {
        await (i % 2 ? sa : sb).append((h) => ({ entry: sampleAuditEntry(h), checkpoint: null }));
      }
      const rows = await sa.scan(0, 10);
      expect(rows.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(rows.slice(1).every((e, i) => e.prev_hash === rows[i]?.hash)).toBe(true);
      a.close();
      b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite audit section: sites', () => {
  const withDb = async (fn: (db: Database.Database) => Promise<void>): Promise<void> => {
    const dir = mkdtempSync(join(tmpdir(), 'parapet-audit-'));
    const db = openKeyed(join(dir, 'db.sqlite'));
    try {
      await fn(db);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('adds the sites column to a log made before it, keeping its entries as global', async () => {
    await withDb(async (db) => {
      // The table as the first release made it, with one entry.
      db.exec(`CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        target TEXT, outcome TEXT NOT NULL, detail TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)`);
      const old = sampleAuditEntry(null);
      db.prepare('INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?,?)').run(old.seq, old.at, old.actor, old.action, old.target, old.outcome, JSON.stringify(old.detail), old.prev_hash, old.hash);
      const store = createSqliteAuditStore(db);
      expect((db.prepare('PRAGMA table_info(audit_log)').all() as Array<{ name: string }>).map((c) => c.name)).toContain('sites');
      await store.append((h) => ({ entry: sampleAuditEntry(h, { sites: ['harbour'] }), checkpoint: null }));
      expect(await store.scan(0, 5)).toEqual([old, sampleAuditEntry({ seq: 1, hash: old.hash }, { sites: ['harbour'] })]);
      expect((await store.query({ limit: 5, sites: ['harbour'] })).map((e) => e.seq)).toEqual([2]);
      // Opening again finds nothing to upgrade.
      expect(() => createSqliteAuditStore(db)).not.toThrow();
    });
  });

  it('stores a global entry as NULL and reads a hand-edited sites value that is not JSON as one no log writes, never failing a query', async () => {
    await withDb(async (db) => {
      const store = createSqliteAuditStore(db);
      await store.append((h) => ({ entry: sampleAuditEntry(h), checkpoint: null }));
      await store.append((h) => ({ entry: sampleAuditEntry(h, { sites: ['harbour'] }), checkpoint: null }));
      expect(db.prepare('SELECT sites FROM audit_log ORDER BY seq').all()).toEqual([{ sites: null }, { sites: '["harbour"]' }]);
      db.exec('DROP TRIGGER audit_log_no_update');
      db.prepare("UPDATE audit_log SET sites = 'harbour' WHERE seq = 2").run();
      expect((await store.scan(1, 5))[0]?.sites).toEqual(['harbour', 'harbour']);
      expect(await store.query({ limit: 5, sites: ['harbour'] })).toEqual([]);
    });
  });

  it('indexes entries by site, backfills a log made before the index, and keeps the index append-only', async () => {
    await withDb(async (db) => {
      // A log as session 3 made it: the sites column, no site index.
      db.exec(`CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        target TEXT, outcome TEXT NOT NULL, detail TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, sites TEXT)`);
      const first = sampleAuditEntry(null, { sites: ['harbour', 'market'] });
      db.prepare('INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?,?,?)').run(first.seq, first.at, first.actor, first.action, first.target, first.outcome, JSON.stringify(first.detail), first.prev_hash, first.hash, JSON.stringify(first.sites));
      const store = createSqliteAuditStore(db);
      await store.append((h) => ({ entry: sampleAuditEntry(h, { sites: ['market'] }), checkpoint: null }));
      await store.append((h) => ({ entry: sampleAuditEntry(h), checkpoint: null }));
      expect(db.prepare('SELECT site, seq FROM audit_sites ORDER BY site, seq').all()).toEqual([
        { site: 'harbour', seq: 1 },
        { site: 'market', seq: 1 },
        { site: 'market', seq: 2 },
      ]);
      expect((await store.query({ limit: 5, sites: ['harbour'] })).map((e) => e.seq)).toEqual([1]);
      expect((await store.query({ limit: 5, sites: ['market'] })).map((e) => e.seq)).toEqual([2, 1]);
      const plan = db.prepare("EXPLAIN QUERY PLAN SELECT seq FROM audit_log WHERE seq IN (SELECT seq FROM audit_sites WHERE site IN ('market')) ORDER BY seq DESC").all() as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail).join('\n')).toMatch(/audit_sites USING (PRIMARY KEY|COVERING INDEX)/);
      expect(() => db.prepare("DELETE FROM audit_sites WHERE site = 'harbour'").run()).toThrow(/append-only/);
      expect(() => db.prepare("UPDATE audit_sites SET site = 'x'").run()).toThrow(/append-only/);
      expect(() => createSqliteAuditStore(db)).not.toThrow();
    });
  });
});
