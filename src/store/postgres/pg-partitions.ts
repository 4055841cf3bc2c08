/**
 * Daily partitions of `events` (SPEC §7: time-partitioned tables, dropped at retention). A
 * partition holds one UTC day of event time, `[day·DAY, (day+1)·DAY)` in epoch ms, and is named
 * after it (`events_20261126`); the bounds in the catalog, not the name, are what the code trusts.
 *
 * Partitions are made on demand, before the append transaction that needs them, each as a plain
 * table then ATTACHed: ATTACH PARTITION takes only SHARE UPDATE EXCLUSIVE on the parent, so it
 * neither waits for nor blocks running queries and appends, where CREATE TABLE … PARTITION OF takes
 * ACCESS EXCLUSIVE (checked on PostgreSQL 15). Nodes creating the same day at once serialise on an
 * advisory lock and re-read the catalog under it, so each day is created exactly once.
 */
import type pg from 'pg';
import { DAY } from '../../core/clock.js';
import { advisoryLockSql, transaction } from './pg-sql.js';

export interface Partition {
  readonly day: number;
  readonly name: string;
  /** Inclusive lower bound of ts, epoch ms. */
  readonly from: number;
  /** Exclusive upper bound of ts, epoch ms. */
  readonly to: number;
}

export const dayOf = (ts: number): number => Math.floor(ts / DAY);

/** `events_YYYYMMDD`; a year outside 0000–9999 keeps its digits, a negative one an `m` (never clashes). */
export function partitionName(day: number): string {
  const date = new Date(day * DAY).toISOString().slice(0, -14);
  return `events_${date.replace(/^-/, 'm').replace(/[^0-9m]/g, '')}`;
}

const BOUND = /FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)/;

/** The attached partitions of `events`, oldest first. */
export async function listPartitions(db: pg.Pool | pg.PoolClient, schema: string): Promise<Partition[]> {
  const r = await db.query<{ name: string; bound: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass AND NOT i.inhdetachpending`,
    [`${schema}.events`],
  );
  const out: Partition[] = [];
  for (const row of r.rows) {
    const m = BOUND.exec(row.bound);
    if (!m) continue; // not a range partition we made (e.g. a DEFAULT partition an operator added)
    const from = Number(m[1]);
    out.push({ day: dayOf(from), name: row.name, from, to: Number(m[2]) });
  }
  return out.sort((a, b) => a.from - b.from);
}

/**
 * This process's view of which days have a partition. A day it believes present may have been
 * dropped by another node's purge since: the append then fails with "no partition … found for
 * row", calls `reload()` and retries (pg-append.ts).
 */
export class PartitionSet {
  private days = new Set<number>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
  ) {}

  async reload(): Promise<void> {
    this.days = new Set((await listPartitions(this.pool, this.schema)).map((p) => p.day));
  }

  /** Makes sure every day of these event times has a partition. */
  async ensure(timestamps: Iterable<number>): Promise<void> {
    const missing = new Set<number>();
    for (const ts of timestamps) {
      const day = dayOf(ts);
      if (!this.days.has(day)) missing.add(day);
    }
    if (missing.size === 0) return;
    const s = this.schema;
    await transaction(this.pool, async (c) => {
      await c.query(advisoryLockSql(s, 'partitions'));
      const present = new Set((await listPartitions(c, s)).map((p) => p.day));
      for (const day of [...missing].sort((a, b) => a - b)) {
        if (present.has(day)) continue;
        const t = `${s}.${partitionName(day)}`;
        // LIKE copies the column types, collations and NOT NULLs; ATTACH adds the indexes.
        await c.query(`CREATE TABLE IF NOT EXISTS ${t} (LIKE ${s}.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
        await c.query(`ALTER TABLE ${s}.events ATTACH PARTITION ${t} FOR VALUES FROM (${day * DAY}) TO (${(day + 1) * DAY})`);
      }
    });
    for (const day of missing) this.days.add(day);
  }

  forget(day: number): void {
    this.days.delete(day);
  }
}

/** The error an insert gets when its row's day has no partition (dropped by a purge meanwhile). */
export function isMissingPartition(err: unknown): boolean {
  return (err as { code?: unknown }).code === '23514' && err instanceof Error && /no partition of relation/.test(err.message);
}
