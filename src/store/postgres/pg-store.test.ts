import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { device, runStoreContract, safeEvent, T0 } from '../store.contract.js';
import { DAY, HOUR } from '../../core/clock.js';
import { ParapetError } from '../../core/errors.js';
import type { AppendResult } from '../store.js';
import { openPostgresStore, type PostgresStore } from './pg-store.js';
import { SCHEMA_VERSION } from './pg-migrations.js';
import { partitionName } from './pg-partitions.js';

// The PostgreSQL of the test machine (trust auth). Every store gets its own schema, dropped at the end.
const PG_URL = 'postgres://root@127.0.0.1:5432/test';
const schemas: string[] = [];
const fresh = (): string => {
  const s = `t_pgstore_${randomBytes(6).toString('hex')}`;
  schemas.push(s);
  return s;
};

const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });
afterAll(async () => {
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await admin.end();
});

runStoreContract('postgres', () => openPostgresStore({ url: PG_URL, schema: fresh() }));

/** Names of the attached partitions of `events`, in day order. */
async function partitionDays(schema: string): Promise<string[]> {
  const r = await admin.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1`,
    [`${schema}.events`],
  );
  return r.rows.map((x) => x.name);
}

async function tablesLike(schema: string, pattern: string): Promise<string[]> {
  const r = await admin.query<{ name: string }>(`SELECT relname AS name FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind = 'r' AND relname LIKE $2`, [
    schema,
    pattern,
  ]);
  return r.rows.map((x) => x.name);
}

async function dedupeRows(schema: string): Promise<number> {
  return Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.ev_dedupe`)).rows[0]?.n);
}

const day = (ts: number) => partitionName(Math.floor(ts / DAY));

describe('postgres store', () => {
  it('creates a daily partition on demand and drops it at retention when it holds only purged kinds', async () => {
    const schema = fresh();
    const store = await openPostgresStore({ url: PG_URL, schema });
    try {
      const d1 = Date.parse('2026-11-20T00:00:00.000Z');
      const d2 = d1 + DAY;
      expect(day(d1)).toBe('events_20261120');
      expect(await partitionDays(schema)).toEqual([]);
      await store.events.append([
        ...Array.from({ length: 5 }, (_, i) => safeEvent({ ts: d1 + i * HOUR, kind: 'wifi.sighting', id: `w${i}`, data: { mac: 'p', rssi: -60 } })),
        safeEvent({ ts: d2 + HOUR, kind: 'wifi.sighting', id: 'w-late' }),
        safeEvent({ ts: d2 + 2 * HOUR, kind: 'fire.alarm', id: 'f1' }),
      ]);
      expect(await partitionDays(schema)).toEqual([day(d1), day(d2)]);
      expect(await dedupeRows(schema)).toBe(7);

      // Day 1 ended before the cutoff and holds only wifi: dropped whole. Day 2 keeps its fire alarm.
      expect(await store.events.purge(['wifi.sighting'], d2 + DAY)).toBe(6);
      expect(await partitionDays(schema)).toEqual([day(d2)]);
      expect(await tablesLike(schema, 'events\\_purge\\_%')).toEqual([]);
      expect(await dedupeRows(schema)).toBe(1);
      expect((await store.events.query({ limit: 10 })).events.map((e) => e.id)).toEqual(['f1']);

      // A purged id may come back, and its day gets a partition again.
      expect(await store.events.append([safeEvent({ ts: d1, kind: 'wifi.sighting', id: 'w0' })])).toEqual([expect.any(Number)]);
      expect(await partitionDays(schema)).toEqual([day(d1), day(d2)]);

      // A day emptied by purges is dropped once it lies wholly before the cutoff.
      expect(await store.events.purge(['fire.alarm', 'wifi.sighting'], d2 + DAY)).toBe(2);
      expect(await partitionDays(schema)).toEqual([]);
      expect(await store.events.count({})).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('deletes the rows instead while a long statement holds the table, and drops the emptied day on a later purge', async () => {
    const schema = fresh();
    const logs: string[] = [];
    const store = await openPostgresStore({ url: PG_URL, schema, log: (m) => logs.push(m) });
    const reader = await admin.connect();
    try {
      const d1 = Date.parse('2026-11-20T00:00:00.000Z');
      await store.events.append(Array.from({ length: 3 }, (_, i) => safeEvent({ ts: d1 + i * HOUR, kind: 'wifi.sighting', id: `w${i}` })));
      // An open transaction that read `events` keeps the exclusive lock a drop needs out of reach.
      await reader.query('BEGIN');
      await reader.query(`SELECT count(*) FROM ${schema}.events`);
      expect(await store.events.purge(['wifi.sighting'], d1 + DAY)).toBe(3);
      expect(logs.some((m) => m.includes('busy'))).toBe(true);
      expect(await partitionDays(schema)).toEqual([day(d1)]);
      expect(await dedupeRows(schema)).toBe(0);
      await reader.query('COMMIT');
      // Any later purge reaching past the day drops it, whatever kinds it purges.
      expect(await store.events.purge(['fire.alarm'], d1 + DAY)).toBe(0);
      expect(await partitionDays(schema)).toEqual([]);
    } finally {
      reader.release();
      await store.close();
    }
  });

  it('finishes the drop of a day that an interrupted purge detached but did not drop', async () => {
    const schema = fresh();
    const logs: string[] = [];
    const store = await openPostgresStore({ url: PG_URL, schema, log: (m) => logs.push(m) });
    try {
      const d1 = Date.parse('2026-11-20T00:00:00.000Z');
      await store.events.append([safeEvent({ ts: d1, id: 'a' }), safeEvent({ ts: d1 + HOUR, id: 'b' }), safeEvent({ ts: d1 + DAY, id: 'c' })]);
      // The state a purge leaves when its process dies between detaching a day and dropping it.
      await admin.query(`ALTER TABLE ${schema}.events DETACH PARTITION ${schema}.${day(d1)}`);
      await admin.query(`ALTER TABLE ${schema}.${day(d1)} RENAME TO events_purge_${day(d1).slice(7)}_dead00`);
      expect(await dedupeRows(schema)).toBe(3);
      expect(await store.events.purge(['fire.alarm'], d1)).toBe(0);
      expect(await tablesLike(schema, 'events\\_purge\\_%')).toEqual([]);
      expect(await dedupeRows(schema)).toBe(1);
      expect(logs.some((m) => m.includes('interrupted') && m.includes('2 events'))).toBe(true);
      expect(await store.events.append([safeEvent({ ts: d1, id: 'a' }), safeEvent({ ts: d1 + DAY, id: 'c' })])).toEqual([expect.any(Number), 'duplicate']);
    } finally {
      await store.close();
    }
  });

  it('lets a store append to a day another store dropped under it', async () => {
    const schema = fresh();
    const [a, b] = await Promise.all([openPostgresStore({ url: PG_URL, schema }), openPostgresStore({ url: PG_URL, schema })]);
    try {
      const old = T0 - 10 * DAY;
      await b.events.append([safeEvent({ ts: old, id: 'x' })]);
      expect(await a.events.purge(['camera.motion'], T0)).toBe(1);
      expect(await partitionDays(schema)).toEqual([]);
      // b still believes the day has a partition: its insert misses, it re-reads and creates it.
      const [seq] = await b.events.append([safeEvent({ ts: old, id: 'x' })]);
      expect(seq).toEqual(expect.any(Number));
      expect(await a.events.count({})).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('gives two stores appending to one schema at once distinct increasing seqs and one copy per (device, id)', async () => {
    const schema = fresh();
    // Opened at once: the second waits on the migration lock and finds the schema made.
    const [a, b] = await Promise.all([openPostgresStore({ url: PG_URL, schema }), openPostgresStore({ url: PG_URL, schema })]);
    try {
      const deviceOf = (id: string | null) => (id === null ? 'cam-0' : `cam-${Number(id.slice(3)) % 3}`);
      const calls: Array<{ ids: Array<string | null>; result: Promise<AppendResult[]> }> = [];
      for (let round = 0; round < 10; round++) {
        [a, b].forEach((store, k) => {
          // Both stores send overlapping id ranges, in opposite orders, over five days, plus events without an id.
          const slice = Array.from({ length: 40 }, (_, i) => `ev-${round * 20 + i}`);
          const ids: Array<string | null> = [...(k === 0 ? slice : slice.reverse()), null, null];
          const events = ids.map((id, i) => safeEvent({ id, device: deviceOf(id), ts: T0 + (i % 5) * DAY }));
          calls.push({ ids, result: store.events.append(events) });
        });
      }
      const done = await Promise.all(calls.map(async (c) => ({ ids: c.ids, seqs: await c.result })));
      const storedBy = new Map<string, number>();
      const all: number[] = [];
      for (const c of done) {
        const nums = c.seqs.filter((s): s is number => s !== 'duplicate');
        for (let i = 1; i < nums.length; i++) expect(nums[i]).toBeGreaterThan(nums[i - 1] as number);
        c.seqs.forEach((s, i) => {
          const id = c.ids[i] ?? null;
          if (s === 'duplicate') {
            expect(id).not.toBeNull();
            return;
          }
          all.push(s);
          if (id === null) return;
          const key = `${deviceOf(id)}/${id}`;
          expect(storedBy.has(key)).toBe(false);
          storedBy.set(key, s);
        });
      }
      expect(new Set(all).size).toBe(all.length);
      // Every id sent was stored exactly once, by one store or the other; every id-less event was stored.
      const sent = new Set(done.flatMap((c) => c.ids.filter((id): id is string => id !== null)));
      expect(storedBy.size).toBe(sent.size);
      expect(all.length).toBe(sent.size + 2 * done.length);
      expect(await a.events.count({})).toBe(all.length);
      expect(await b.events.lastSeq()).toBe(Math.max(...all));
      // A call made after others resolved gets larger seqs, whichever store makes it.
      const [later] = await b.events.append([safeEvent()]);
      expect(later).toBeGreaterThan(Math.max(...all));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('shows one node the devices revision another node made, and orders both nodes\' changes', async () => {
    const schema = fresh();
    const a = await openPostgresStore({ url: PG_URL, schema });
    const b = await openPostgresStore({ url: PG_URL, schema });
    try {
      expect((await a.devices.put(device('cam-1'), T0)).rev).toBe(1);
      expect(await b.devices.revision()).toBe(1);
      const both = await Promise.all([a.devices.put(device('cam-2'), T0), b.devices.put(device('cam-3'), T0), b.devices.delete('cam-1')]);
      expect(both.map((r) => r.rev).sort()).toEqual([2, 3, 4]);
      expect(await a.devices.revision()).toBe(4);
      // Liveness from two nodes' views: the older last_seen does not undo the newer.
      await a.events.append([safeEvent({ device: 'cam-2' })], [{ device: 'cam-2', last_seen: T0 + 5_000, fault_since: null, fault_code: null }]);
      await b.events.append([safeEvent({ device: 'cam-2' })], [{ device: 'cam-2', last_seen: T0 + 1_000, fault_since: null, fault_code: null }]);
      expect(await a.devices.get('cam-2')).toMatchObject({ last_seen: T0 + 5_000 });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('records the schema version and reopens without migrating again, keeping seqs and dedupe', async () => {
    const schema = fresh();
    const logs: string[] = [];
    let store: PostgresStore = await openPostgresStore({ url: PG_URL, schema, log: (m) => logs.push(m) });
    expect(logs.some((m) => m.includes(`version ${SCHEMA_VERSION}`))).toBe(true);
    await store.devices.put(device('cam-1'), T0);
    const [s1] = await store.events.append([safeEvent({ id: 'a' })], [{ device: 'cam-1', last_seen: T0, fault_since: null, fault_code: null }]);
    await store.close();

    logs.length = 0;
    store = await openPostgresStore({ url: PG_URL, schema, log: (m) => logs.push(m) });
    expect(logs).toEqual([]);
    const version = await admin.query<{ version: number }>(`SELECT version FROM ${schema}.schema_versions WHERE component = 'store'`);
    expect(version.rows).toEqual([{ version: SCHEMA_VERSION }]);
    expect(await store.events.lastSeq()).toBe(s1);
    const [dup, s2] = await store.events.append([safeEvent({ id: 'a' }), safeEvent({ id: 'b' })]);
    expect(dup).toBe('duplicate');
    expect(s2).toBeGreaterThan(s1 as number);
    expect(await store.devices.get('cam-1')).toMatchObject({ last_seen: T0 });
    await store.close();
  });

  it('stores and dedupes text PostgreSQL cannot hold as it is (U+0000, lone surrogates) exactly, as SQLite does', async () => {
    const store = await openPostgresStore({ url: PG_URL, schema: fresh() });
    try {
      // Pairwise different ids: the driver would turn both lone surrogates into U+FFFD, and a
      // careless escape would make the NUL and the literal backslash-u0000 meet.
      const ids = ['a\u0000b', 'a\\u0000b', 'a\ud800', 'a\udbff', 'a\\', 'a\\\\', 'plain'];
      const zone = 'z\u0000\udc00\\';
      const data = { note: 'x\u0000y', lone: '\ud800', escaped: '\\u0000', 'k\u0000': ['\udfff', { deep: 'ok\u0000' }], pair: '\ud83d\ude00' };
      const first = await store.events.append(ids.map((id) => safeEvent({ id, zone, data })));
      expect(first.every((s) => typeof s === 'number')).toBe(true);
      expect(await store.events.append(ids.map((id) => safeEvent({ id })))).toEqual(ids.map(() => 'duplicate'));
      const got = (await store.events.query({ limit: 100, order: 'asc' })).events;
      expect(got.map((e) => e.id)).toEqual(ids);
      expect(got.every((e) => e.zone === zone)).toBe(true);
      for (const e of got) expect(e.data).toEqual(data);
      expect(await store.events.count({ zone })).toBe(ids.length);
      expect(await store.events.count({ zone: 'z' })).toBe(0);
      // Ordinary data is stored as a jsonb object, queryable in SQL; only the odd one is kept as text.
      const kinds = await store.pool.query<{ t: string }>(`SELECT jsonb_typeof(data) AS t FROM ${store.schema}.events GROUP BY 1`);
      expect(kinds.rows).toEqual([{ t: 'string' }]);
      await store.events.append([safeEvent({ data: { plain: 1 } })]);
      expect((await store.pool.query(`SELECT 1 FROM ${store.schema}.events WHERE data->>'plain' = '1'`)).rowCount).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('never commits with synchronous_commit off, even when the connection asks for it', async () => {
    const loose = await openPostgresStore({ url: `${PG_URL}?options=${encodeURIComponent('-c synchronous_commit=off')}`, schema: fresh() });
    const strict = await openPostgresStore({ url: `${PG_URL}?options=${encodeURIComponent('-c synchronous_commit=remote_apply')}`, schema: fresh() });
    try {
      expect((await loose.pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]?.synchronous_commit).toBe('on');
      // A stricter setting chosen by the operator is kept.
      expect((await strict.pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]?.synchronous_commit).toBe('remote_apply');
    } finally {
      await Promise.all([loose.close(), strict.close()]);
    }
  });

  it('reports an unreachable server as unavailable, naming host:port but never the password', async () => {
    const err = await openPostgresStore({ url: 'postgres://root:s3cr3t-pw@127.0.0.1:1/test', schema: fresh() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParapetError);
    expect((err as ParapetError).code).toBe('unavailable');
    expect((err as ParapetError).message).toContain('127.0.0.1:1');
    expect((err as ParapetError).message).not.toContain('s3cr3t-pw');
  });

  it('refuses a schema name it cannot embed in SQL, and a PG_URL that is not PostgreSQL', async () => {
    for (const opts of [
      { url: PG_URL, schema: 'Robert"; DROP TABLE x; --' },
      { url: 'mysql://root@127.0.0.1/test' },
      { url: 'not a url' },
    ]) {
      const err = await openPostgresStore(opts).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ParapetError);
      expect((err as ParapetError).code).toBe('invalid_config');
    }
  });
});
