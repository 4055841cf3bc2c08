import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { runAlertStoreContract, sampleAlert } from '../alerts.contract.js';
import { createSqliteAlertStore } from './alerts.js';

function openKeyed(file: string): Database.Database {
  const db = new Database(file);
  // The main store opens its handle keyed (SPEC §3: encrypted at rest); the section shares it.
  db.pragma(`key='test-key'`);
  db.pragma('journal_mode = WAL');
  return db;
}

runAlertStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parapet-alerts-'));
  const db = openKeyed(join(dir, 'db.sqlite'));
  return {
    store: createSqliteAlertStore(db),
    close: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite alerts section', () => {
  it('keeps alerts across reopening the keyed database and refuses a second unresolved alert per dedup key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parapet-alerts-'));
    try {
      const file = join(dir, 'db.sqlite');
      let db = openKeyed(file);
      let store = createSqliteAlertStore(db);
      const a = sampleAlert();
      await store.commit([{ alert: a, change: { n: 1, at: 1, action: 'opened', alert: a } }]);
      const twin = sampleAlert({ id: 'a2' });
      await expect(store.commit([{ alert: twin, change: { n: 2, at: 2, action: 'opened', alert: twin } }])).rejects.toThrow();
      db.close();
      db = openKeyed(file);
      store = createSqliteAlertStore(db);
      expect(await store.getAlert('a1')).toEqual(a);
      expect(await store.lastChange()).toBe(1);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
