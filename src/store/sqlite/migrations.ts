/**
 * Schema migrations, versioned by SQLite's `user_version`. Each step runs once, in order, in one
 * transaction with the version bump, so a crash mid-migration leaves the previous version intact.
 * Event partitions (`ev_<kind>_<day>`) are not here: the writer creates them on demand
 * (partitions.ts). Feature sections (alerts, audit) create their own prefixed tables.
 */
import type { Db } from './connection.js';

const MIGRATIONS: readonly string[] = [
  // 1 — base schema
  `
  -- One dictionary for every repeated name (device, site, zone, kind): events hold small integers.
  CREATE TABLE names (id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE);
  CREATE TABLE ev_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO ev_meta (key, value) VALUES ('last_seq', 0);
  -- Partition registry: one row per (kind, day) table with its live row count.
  CREATE TABLE ev_parts (kind INTEGER NOT NULL, day INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (kind, day)) WITHOUT ROWID;
  -- Which partitions hold a device, so a device query probes only those.
  CREATE TABLE ev_presence (dev INTEGER NOT NULL, day INTEGER NOT NULL, kind INTEGER NOT NULL, PRIMARY KEY (dev, day, kind)) WITHOUT ROWID;
  CREATE INDEX ev_presence_by_part ON ev_presence (kind, day);
  -- (device, id) of every stored event with an id (SPEC §2: a repeat is a duplicate): device-numbered
  -- ids packed into an integer (dedupe-key.ts), any other id as text.
  CREATE TABLE ev_dedupe_num (dev INTEGER NOT NULL, k INTEGER NOT NULL, PRIMARY KEY (dev, k)) WITHOUT ROWID;
  CREATE TABLE ev_dedupe (dev INTEGER NOT NULL, id TEXT NOT NULL, PRIMARY KEY (dev, id)) WITHOUT ROWID;

  CREATE TABLE devices (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL, site TEXT NOT NULL, zone TEXT,
    lat REAL, lon REAL, heartbeat_s INTEGER NOT NULL,
    last_seen INTEGER, fault_since INTEGER, fault_code TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
  );
  CREATE TABLE users (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL, sites TEXT NOT NULL,
    password_hash TEXT NOT NULL, totp TEXT, disabled INTEGER NOT NULL, created_at INTEGER NOT NULL
  );
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, sites TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL, expires_at INTEGER, revoked_at INTEGER, last_used_at INTEGER
  );
  CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, expires_at INTEGER NOT NULL
  );
  CREATE INDEX sessions_by_user ON sessions (user_id);
  CREATE TABLE device_secrets (device TEXT PRIMARY KEY, hash TEXT NOT NULL, created_at INTEGER NOT NULL);
  CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  `,
  // 2 — runs of device-numbered ids (dedupe-runs.ts); ev_dedupe_num keeps the numbers outside runs
  `
  CREATE TABLE ev_dedupe_runs (dev INTEGER NOT NULL, head INTEGER NOT NULL, runs TEXT NOT NULL, loose_max INTEGER NOT NULL,
    PRIMARY KEY (dev, head)) WITHOUT ROWID;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the schema to SCHEMA_VERSION; returns the versions applied (empty when current). */
export function migrate(db: Db): number[] {
  const applied: number[] = [];
  const current = db.pragma('user_version', { simple: true });
  if (typeof current !== 'number') throw new Error('cannot read the store schema version');
  if (current > SCHEMA_VERSION) {
    throw new Error(`the store has schema version ${current}, newer than this Parapet knows (${SCHEMA_VERSION}); upgrade Parapet`);
  }
  for (let v = current + 1; v <= SCHEMA_VERSION; v++) {
    const sql = MIGRATIONS[v - 1];
    if (sql === undefined) break;
    const ran = db
      .transaction(() => {
        // Re-read under the write lock: another process opening the same file may have migrated.
        if (db.pragma('user_version', { simple: true }) !== v - 1) return false;
        db.exec(sql);
        db.pragma(`user_version = ${v}`);
        return true;
      })
      .immediate();
    if (ran) applied.push(v);
  }
  return applied;
}
