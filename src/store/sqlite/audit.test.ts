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
