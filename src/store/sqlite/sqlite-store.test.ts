import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, describe, expect, it } from 'vitest';
import { device, runStoreContract, safeEvent, T0 } from '../store.contract.js';
import { user } from '../store-principals.contract.js';
import { DAY } from '../../core/clock.js';
import { openSqliteStore } from './sqlite-store.js';
import { StoreKeyError } from './connection.js';
import { SCHEMA_VERSION } from './migrations.js';

const dir = mkdtempSync(join(tmpdir(), 'parapet-store-'));
let n = 0;
const fresh = () => join(dir, `store-${n++}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

runStoreContract('sqlite', () => openSqliteStore({ file: fresh(), key: randomBytes(32) }));

/** Every byte of the store on disk: the database, its WAL and shared-memory index. */
function filesOf(file: string): Buffer {
  const base = file.slice(file.lastIndexOf('/') + 1);
  return Buffer.concat(
    readdirSync(dir)
      .filter((f) => f.startsWith(base))
      .map((f) => readFileSync(join(dir, f))),
  );
}

describe('sqlite store', () => {
  it('keeps no plaintext of a stored field on disk, open or closed (SPEC §3: encrypted at rest)', async () => {
    const file = fresh();
    const marker = 'MARKER-Zq7wX3-plaintext';
    const store = await openSqliteStore({ file, key: randomBytes(32) });
    await store.devices.put(device('cam-1', { name: `${marker}-device` }), T0);
    await store.events.append([safeEvent({ id: `${marker}-id`, data: { note: `${marker}-data` } })]);
    await store.kv.set('k', { v: `${marker}-kv` });
    await store.principals.createUser(user({ name: `${marker}-user` }));
    store.db.exec(`CREATE TABLE IF NOT EXISTS section_probe (v TEXT); INSERT INTO section_probe VALUES ('${marker}-section')`);
    const open = filesOf(file);
    expect(open.length).toBeGreaterThan(0);
    expect(open.includes(marker)).toBe(false);
    expect(open.includes('SQLite format 3')).toBe(false);
    await store.close();
    const closed = filesOf(file);
    expect(closed.includes(marker)).toBe(false);
    expect(closed.includes('SQLite format 3')).toBe(false);
  });

  it('cannot be opened without its key', async () => {
    const file = fresh();
    const key = randomBytes(32);
    const store = await openSqliteStore({ file, key });
    await store.events.append([safeEvent()]);
    await store.close();
    await expect(openSqliteStore({ file, key: randomBytes(32) })).rejects.toBeInstanceOf(StoreKeyError);
    const plain = new Database(file);
    expect(() => plain.prepare('SELECT count(*) FROM sqlite_schema').get()).toThrow(/not a database/);
    plain.close();
    await expect(openSqliteStore({ file, key: key.subarray(0, 16) })).rejects.toThrow(/32 bytes/);
    const again = await openSqliteStore({ file, key });
    expect(await again.events.count({})).toBe(1);
    await again.close();
  });

  it('shows a running store the devices revision another process made on the same file', async () => {
    const file = fresh();
    const key = randomBytes(32);
    const hub = await openSqliteStore({ file, key });
    const offline = await openSqliteStore({ file, key });
    try {
      expect((await hub.devices.put(device('cam-1'), T0)).rev).toBe(1);
      // e.g. `parapet device import` beside a running hub
      expect((await offline.devices.put(device('cam-2'), T0)).rev).toBe(2);
      expect(await hub.devices.revision()).toBe(2);
      expect(await hub.devices.delete('cam-2')).toEqual({ existed: true, rev: 3 });
      expect(await offline.devices.revision()).toBe(3);
    } finally {
      await Promise.all([hub.close(), offline.close()]);
    }
  });

  it('keeps events, seqs, dedupe and every section across a reopen', async () => {
    const file = fresh();
    const key = randomBytes(32);
    let store = await openSqliteStore({ file, key });
    await store.devices.put(device('cam-1'), T0);
    const [s1, s2] = await store.events.append([safeEvent({ id: 'a', ts: T0 - DAY }), safeEvent({ id: 'b' })], [
      { device: 'cam-1', last_seen: T0, fault_since: null, fault_code: null },
    ]);
    await store.kv.set('rules/state', { open: 3 });
    await store.close();

    store = await openSqliteStore({ file, key });
    expect(await store.events.lastSeq()).toBe(s2);
    expect((await store.events.query({ limit: 10, order: 'asc' })).events.map((e) => [e.seq, e.id])).toEqual([
      [s1, 'a'],
      [s2, 'b'],
    ]);
    const [dup, s3] = await store.events.append([safeEvent({ id: 'a', ts: T0 - DAY }), safeEvent({ id: 'c' })]);
    expect(dup).toBe('duplicate');
    expect(s3).toBe((s2 as number) + 1);
    expect(await store.devices.get('cam-1')).toMatchObject({ last_seen: T0 });
    expect(await store.kv.get('rules/state')).toEqual({ open: 3 });
    const check = new Database(file);
    check.pragma(`cipher='aegis'`);
    check.pragma(`key="x'${key.toString('hex')}'"`);
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
    await store.close();
  });

  it('lets the sections sharing the handle write while ingest runs', async () => {
    const store = await openSqliteStore({ file: fresh(), key: randomBytes(32) });
    store.db.exec('CREATE TABLE IF NOT EXISTS probe (n INTEGER)');
    const insert = store.db.prepare('INSERT INTO probe (n) VALUES (?)');
    const tx = store.db.transaction((k: number) => {
      insert.run(k);
      insert.run(k + 1000);
    });
    const ingest = Array.from({ length: 20 }, (_, b) => store.events.append(Array.from({ length: 2000 }, (_, i) => safeEvent({ id: `e-${b}-${i}` }))));
    for (let k = 0; k < 20; k++) {
      tx.immediate(k);
      store.db.exec('BEGIN IMMEDIATE');
      insert.run(k + 2000);
      store.db.exec('COMMIT');
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(ingest);
    expect(store.db.prepare('SELECT count(*) AS n FROM probe').get()).toEqual({ n: 60 });
    expect(await store.events.count({})).toBe(40_000);
    await store.close();
  });
});
