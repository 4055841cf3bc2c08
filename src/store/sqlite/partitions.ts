/**
 * Time partitioning of events: one table per (kind, UTC day of event time), named
 * `ev_<kind id>_<day>`. Indexes stay the size of one day of one kind, so the hot pages of an ingest
 * transaction fit in cache; retention (SPEC §4.7, purged per kind) drops whole tables once a day
 * has expired and deletes a time range otherwise — a range of the clustered key, never a scan of
 * other kinds' rows (Wi-Fi sightings are purged every few minutes in counts mode, SPEC §4.4).
 *
 * A partition is clustered by (ts, seq) — time-ordered reads and purges are range scans — and
 * finds a device's rows through its postings (device-postings.ts: one row per device and commit,
 * not one index entry per event). The kind is the table itself, so rows do not store it.
 */
import { DAY } from '../../core/clock.js';
import type { Statement } from './connection.js';

export interface PartitionRef {
  readonly kind: number;
  readonly day: number;
}

export function dayOf(ts: number): number {
  return Math.floor(ts / DAY);
}

export function dayStart(day: number): number {
  return day * DAY;
}

/** Safe as an SQL identifier: only digits, letters and `_` (negative days before 1970 get `m`). */
export function partitionTable(p: PartitionRef): string {
  return `ev_${p.kind}_${p.day < 0 ? `m${-p.day}` : p.day}`;
}

/**
 * The partition table (clustered by (ts, seq)). A partition made by this version finds a device's
 * rows through its postings table (device-postings.ts); one made before has a `(dev, ts)` index,
 * `legacyDeviceIndexSql`, kept and read as it is.
 */
export function createPartitionSql(p: PartitionRef): string {
  const t = partitionTable(p);
  return `CREATE TABLE IF NOT EXISTS ${t} (
      ts INTEGER NOT NULL, seq INTEGER NOT NULL, dev INTEGER NOT NULL, site INTEGER NOT NULL, zone INTEGER,
      rcv INTEGER NOT NULL, id TEXT, data TEXT NOT NULL, PRIMARY KEY (ts, seq)) WITHOUT ROWID;`;
}

/** The per-event device index of partitions made before device postings (tests build such partitions with it). */
export function legacyDeviceIndexSql(p: PartitionRef): string {
  const t = partitionTable(p);
  return `CREATE INDEX IF NOT EXISTS ${t}_dev ON ${t} (dev, ts);`;
}

/** Row columns in the order partition statements select and insert them. */
export const ROW_COLUMNS = 'ts, seq, dev, site, zone, rcv, id, data';

/** A partition row as selected with ROW_COLUMNS (`rcv` is received_at − ts, ms). */
export interface PartitionRow {
  readonly ts: number;
  readonly seq: number;
  readonly dev: number;
  readonly site: number;
  readonly zone: number | null;
  readonly rcv: number;
  readonly id: string | null;
  readonly data: string;
}

export const partKey = (kind: number, day: number): string => `${kind}:${day}`;

/** Whether a table exists; `stmt` prepares (or returns a cached) statement for the SQL. */
export function tableExists(stmt: (sql: string) => Statement, name: string): boolean {
  return stmt("SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?)").pluck().get(name) === 1;
}
