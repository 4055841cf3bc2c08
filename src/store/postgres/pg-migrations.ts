/**
 * Schema migrations of the PostgreSQL store, recorded in `<schema>.schema_versions` (one row per
 * component: 'store' here; the alerts and audit sections may keep their own rows beside it). All
 * steps run in ONE transaction holding an advisory lock on (schema, 'migrate'): two hubs starting
 * at once against an empty database serialise here, and the second finds the work done. A crash
 * mid-migration rolls back to the previous version, DDL included (PostgreSQL DDL is transactional).
 *
 * Event partitions are not here: they are made on demand before an append needs them
 * (pg-partitions.ts). Text that is compared or sorted is `COLLATE "C"`: byte order, like SQLite's
 * BINARY and the memory store, whatever the database's locale (`rules/_x` sorts before `rules/a`),
 * and prefix ranges (`kind >= 'camera.' AND kind < 'camera/'`) can use an index.
 */
import type pg from 'pg';
import { ParapetError } from '../../core/errors.js';
import { advisoryLockSql, transaction } from './pg-sql.js';

export const COMPONENT = 'store';

/** Each entry maps the schema name to that version's DDL. */
const MIGRATIONS: ReadonlyArray<(s: string) => string> = [
  // 1 — base schema
  (s) => `
  -- seqs: a sequence with CACHE 1, so every nextval() is larger than any value handed out
  -- before it, by any session (a per-session cache would let a later call get smaller seqs).
  CREATE SEQUENCE ${s}.ev_seq AS bigint MINVALUE 1 CACHE 1;

  -- Events, partitioned by day of event time (pg-partitions.ts). The primary key and every index
  -- include ts, as PostgreSQL requires of unique indexes on a partitioned table; (ts, seq) is
  -- also the keyset order of queries, (device, ts, seq) serves device pages in that order, and
  -- (kind, ts) serves retention purges per kind and the kinds check before a partition is dropped.
  CREATE TABLE ${s}.events (
    ts bigint NOT NULL,
    seq bigint NOT NULL,
    received_at bigint NOT NULL,
    device text COLLATE "C" NOT NULL,
    site text COLLATE "C" NOT NULL,
    zone text COLLATE "C",
    kind text COLLATE "C" NOT NULL,
    id text COLLATE "C",
    data jsonb NOT NULL,
    PRIMARY KEY (ts, seq)
  ) PARTITION BY RANGE (ts);
  CREATE INDEX events_device_ts ON ${s}.events (device, ts, seq);
  CREATE INDEX events_kind_ts ON ${s}.events (kind, ts);

  -- (device, id) of every stored event with an id (SPEC §2: a repeat is a duplicate). Not an index
  -- of the events table: a unique index there must contain ts, which would make (device, id)
  -- unique per event time only, while a repeat is a duplicate whatever its time. One plain table
  -- keyed (device, id) is exact across partitions and batches, and concurrent appends of the same
  -- key meet on its unique index (the second waits for the first to commit, then sees it). Each row
  -- carries its event's ts, so a purge deletes exactly the rows of the events it removes.
  CREATE TABLE ${s}.ev_dedupe (
    device text COLLATE "C" NOT NULL,
    id text COLLATE "C" NOT NULL,
    ts bigint NOT NULL,
    PRIMARY KEY (device, id)
  );

  -- Highest committed seq, spread over a few slots (by backend) so concurrent appends from several
  -- nodes do not queue on one row until commit; lastSeq() is the max over the slots. Unlike the
  -- sequence's own value it counts only committed appends and never moves back on purge.
  CREATE TABLE ${s}.ev_hwm (slot integer PRIMARY KEY, seq bigint NOT NULL);

  CREATE TABLE ${s}.devices (
    id text COLLATE "C" PRIMARY KEY, type text NOT NULL, name text NOT NULL, site text NOT NULL, zone text,
    lat double precision, lon double precision, heartbeat_s integer NOT NULL,
    last_seen bigint, fault_since bigint, fault_code text,
    created_at bigint NOT NULL, updated_at bigint NOT NULL
  );
  CREATE TABLE ${s}.users (
    id text COLLATE "C" PRIMARY KEY, name text COLLATE "C" NOT NULL UNIQUE, role text NOT NULL, sites text[] NOT NULL,
    password_hash text NOT NULL, totp text, disabled boolean NOT NULL, created_at bigint NOT NULL
  );
  CREATE TABLE ${s}.tokens (
    id text COLLATE "C" PRIMARY KEY, name text NOT NULL, role text NOT NULL, sites text[] NOT NULL, hash text NOT NULL UNIQUE,
    created_at bigint NOT NULL, expires_at bigint, revoked_at bigint, last_used_at bigint
  );
  CREATE TABLE ${s}.sessions (
    id_hash text PRIMARY KEY, user_id text NOT NULL, csrf text NOT NULL,
    created_at bigint NOT NULL, last_seen_at bigint NOT NULL, expires_at bigint NOT NULL
  );
  CREATE INDEX sessions_by_user ON ${s}.sessions (user_id);
  CREATE TABLE ${s}.device_secrets (device text PRIMARY KEY, hash text NOT NULL, created_at bigint NOT NULL);
  -- json, not jsonb: a value reads back exactly as written (key order, and \\u0000 in strings,
  -- which jsonb refuses), as on SQLite.
  CREATE TABLE ${s}.kv (key text COLLATE "C" PRIMARY KEY, value json NOT NULL);
  `,
  // 2 — store counters: the devices revision (store.ts, DeviceStore.revision)
  (s) => `
  CREATE TABLE ${s}.meta (key text COLLATE "C" PRIMARY KEY, value bigint NOT NULL);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the schema to SCHEMA_VERSION; returns the versions applied (empty when current). */
export async function migrate(pool: pg.Pool, schema: string): Promise<number[]> {
  return transaction(pool, async (c) => {
    await c.query(advisoryLockSql(schema, 'migrate'));
    // Under the lock: no other Parapet creates the schema or its tables at the same time.
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await c.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_versions (component text PRIMARY KEY, version integer NOT NULL)`);
    const row = (await c.query<{ version: number }>(`SELECT version FROM ${schema}.schema_versions WHERE component = $1`, [COMPONENT])).rows[0];
    const current = row?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new ParapetError(
        'unavailable',
        `The PostgreSQL store (schema ${schema}) has version ${current}, newer than this Parapet knows (${SCHEMA_VERSION}); upgrade Parapet.`,
      );
    }
    const applied: number[] = [];
    for (let v = current + 1; v <= SCHEMA_VERSION; v++) {
      const ddl = MIGRATIONS[v - 1];
      if (!ddl) break;
      await c.query(ddl(schema));
      applied.push(v);
    }
    if (applied.length > 0) {
      await c.query(
        `INSERT INTO ${schema}.schema_versions (component, version) VALUES ($1, $2) ON CONFLICT (component) DO UPDATE SET version = excluded.version`,
        [COMPONENT, SCHEMA_VERSION],
      );
    }
    return applied;
  });
}
