/**
 * Retention purge of the events section on PostgreSQL (SPEC §4.7, §7: partitions dropped at
 * retention). For each daily partition that holds events of the purged kinds before `before`:
 *
 *  - wholly expired (its day ended by `before`) and holding only kinds being purged: the partition
 *    is DETACHed and dropped — no row-by-row delete of a day of events;
 *  - otherwise the rows of the purged kinds with ts < before are deleted (the (kind, ts) index
 *    finds them), their dedupe rows in the same statement.
 *
 * A wholly expired partition found empty is dropped too, whatever the kinds purged.
 *
 * Dropping is two transactions, so the parent table is locked exclusively only for milliseconds:
 *  1. lock `events` ACCESS EXCLUSIVE (waiting at most DROP_LOCK_WAIT_MS, else fall back to
 *     deleting rows), re-check the partition's kinds — no append can add one now — then DETACH it
 *     and rename it `events_purge_…`, out of the way of a new partition for that day;
 *  2. count its rows, delete their dedupe rows, DROP it. This is the slow part, and nothing waits
 *     for it: the table is no longer part of `events`.
 * A purge interrupted between the two leaves an `events_purge_…` table; the next purge finishes
 * it. Purges of one schema run one at a time across nodes (a session advisory lock), so one never
 * finishes a table another is still counting.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { DAY } from '../../core/clock.js';
import { dayOf, listPartitions, partitionName, type Partition, type PartitionSet } from './pg-partitions.js';
import { checkout, ident, lockKeys, sqlState, transaction } from './pg-sql.js';
import { toSql } from './pg-text.js';

/** Longest an exclusive lock on `events` may wait for running statements, ms; they queue behind it meanwhile. */
const DROP_LOCK_WAIT_MS = 2_000;

export interface PurgeDeps {
  readonly pool: pg.Pool;
  readonly schema: string;
  readonly partitions: PartitionSet;
  readonly log: (m: string) => void;
}

/** Deletes events of these kinds with ts < before; returns how many. */
export async function purgeEvents(d: PurgeDeps, kinds: readonly string[], before: number): Promise<number> {
  const list = [...new Set(kinds.map(toSql))];
  if (list.length === 0 || !Number.isFinite(before)) return 0;
  const cut = Math.ceil(before);
  const held = await checkout(d.pool);
  const holder = held.client;
  let broken: Error | undefined;
  try {
    await holder.query(`SELECT pg_advisory_lock(${lockKeys(d.schema, 'purge')})`);
    try {
      await finishInterrupted(d);
      const parts = (await listPartitions(d.pool, d.schema)).filter((p) => p.from < cut);
      const days = await daysHolding(d, list, cut);
      // Wholly expired days left empty (by purges whose drop found `events` busy) go too.
      const empty = await emptyDays(d, parts.filter((p) => p.to <= cut && !days.has(p.day)));
      let deleted = 0;
      for (const p of parts) {
        if (empty.has(p.day)) deleted += (await dropWhole(d, p, list)) ?? 0;
        if (!days.has(p.day)) continue;
        const dropped = p.to <= cut ? await dropWhole(d, p, list) : null;
        deleted += dropped ?? (await deleteRows(d, p, list, cut));
      }
      return deleted;
    } finally {
      await holder.query(`SELECT pg_advisory_unlock(${lockKeys(d.schema, 'purge')})`).catch((err: unknown) => {
        // Ending the session releases the lock: discard the connection rather than reuse it.
        broken = err instanceof Error ? err : new Error(String(err));
      });
    }
  } finally {
    held.release(broken);
  }
}

/**
 * Days (partitions) holding events of these kinds before the cutoff, found by hopping through the
 * (kind, ts) index one day at a time: one probe per such day, not a scan of every partition.
 */
async function daysHolding(d: PurgeDeps, kinds: string[], cut: number): Promise<Set<number>> {
  const days = new Set<number>();
  for (const kind of kinds) {
    const r = await d.pool.query<{ ts: number }>(
      `WITH RECURSIVE hop(ts) AS (
         (SELECT ts FROM ${d.schema}.events WHERE kind = $1 AND ts < $2 ORDER BY ts LIMIT 1)
         UNION ALL
         SELECT (SELECT e.ts FROM ${d.schema}.events e
                  WHERE e.kind = $1 AND e.ts < $2 AND e.ts >= hop.ts - (((hop.ts % $3) + $3) % $3) + $3
                  ORDER BY e.ts LIMIT 1)
           FROM hop WHERE hop.ts IS NOT NULL
       )
       SELECT ts FROM hop WHERE ts IS NOT NULL`,
      [kind, cut, DAY],
    );
    for (const row of r.rows) days.add(dayOf(row.ts));
  }
  return days;
}

/** Which of these partitions hold no rows: one index probe each, in one statement. */
async function emptyDays(d: PurgeDeps, parts: Partition[]): Promise<Set<number>> {
  if (parts.length === 0) return new Set();
  const r = await d.pool.query<{ day: number }>(
    `SELECT b.day FROM unnest($1::bigint[], $2::bigint[], $3::integer[]) AS b(lo, hi, day)
      WHERE NOT EXISTS (SELECT 1 FROM ${d.schema}.events e WHERE e.ts >= b.lo AND e.ts < b.hi)`,
    [parts.map((p) => p.from), parts.map((p) => p.to), parts.map((p) => p.day)],
  );
  return new Set(r.rows.map((row) => row.day));
}

async function deleteRows(d: PurgeDeps, p: Partition, kinds: string[], cut: number): Promise<number> {
  const s = d.schema;
  // Through the parent, pruned to this day: a partition another node dropped meanwhile is just empty.
  const r = await d.pool.query<{ n: number }>(
    `WITH gone AS (
       DELETE FROM ${s}.events WHERE kind = ANY($1::text[]) AND ts >= $2 AND ts < $3 RETURNING device, id, ts
     ), forgot AS (
       DELETE FROM ${s}.ev_dedupe x USING gone g WHERE x.device = g.device AND x.id = g.id AND x.ts = g.ts
     )
     SELECT count(*) AS n FROM gone`,
    [kinds, p.from, Math.min(p.to, cut)],
  );
  return r.rows[0]?.n ?? 0;
}

/** Drops a wholly expired partition holding only these kinds; its row count, or null when it must stay. */
async function dropWhole(d: PurgeDeps, p: Partition, kinds: string[]): Promise<number | null> {
  const s = d.schema;
  const table = `${s}.${ident(p.name)}`;
  const others = async (db: pg.Pool | pg.PoolClient) => (await kindsIn(db, table)).some((k) => !kinds.includes(k));
  // A first look without any lock: most partitions that hold other kinds are ruled out here.
  if (await others(d.pool)) return null;
  const renamed = `events_purge_${partitionName(p.day).slice('events_'.length)}_${randomBytes(3).toString('hex')}`;
  let detached: boolean;
  try {
    detached = await transaction(d.pool, async (c) => {
      await c.query(`SET LOCAL lock_timeout = ${DROP_LOCK_WAIT_MS}`);
      await c.query(`LOCK TABLE ${s}.events IN ACCESS EXCLUSIVE MODE`);
      if (!(await listPartitions(c, s)).some((x) => x.name === p.name) || (await others(c))) return false;
      await c.query(`ALTER TABLE ${s}.events DETACH PARTITION ${table}`);
      await c.query(`ALTER TABLE ${table} RENAME TO ${renamed}`);
      return true;
    });
  } catch (err) {
    // 55P03: a long statement held `events`; delete the rows instead, a later purge drops the emptied day.
    if (sqlState(err) !== '55P03') throw err;
    d.log(`store purge: ${p.name} is busy; deleting its expired rows instead of dropping it`);
    return null;
  }
  d.partitions.forget(p.day);
  return detached ? finishDetached(d, renamed) : null;
}

/** Counts a detached partition's rows, deletes their dedupe rows and drops it, in one transaction. */
async function finishDetached(d: PurgeDeps, name: string): Promise<number> {
  const s = d.schema;
  return transaction(d.pool, async (c) => {
    const t = `${s}.${ident(name)}`;
    const n = (await c.query<{ n: number }>(`SELECT count(*) AS n FROM ${t}`)).rows[0]?.n ?? 0;
    await c.query(`DELETE FROM ${s}.ev_dedupe x USING ${t} g WHERE x.device = g.device AND x.id = g.id AND x.ts = g.ts`);
    await c.query(`DROP TABLE ${t}`);
    return n;
  });
}

/** Finishes partitions an interrupted purge detached but did not drop (they hold only expired events). */
async function finishInterrupted(d: PurgeDeps): Promise<void> {
  const r = await d.pool.query<{ name: string }>(
    `SELECT relname AS name FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind = 'r' AND relname LIKE 'events\\_purge\\_%'`,
    [d.schema],
  );
  for (const { name } of r.rows) {
    const n = await finishDetached(d, name);
    d.log(`store purge: finished ${name}, left by an interrupted purge (${n} events)`);
  }
}

/**
 * The distinct kinds of one partition, read as a loose index scan of its (kind, ts) index: one
 * probe per kind, however many rows the day holds.
 */
async function kindsIn(db: pg.Pool | pg.PoolClient, table: string): Promise<string[]> {
  const r = await db.query<{ kind: string }>(
    `WITH RECURSIVE k(kind) AS (
       (SELECT kind FROM ${table} ORDER BY kind LIMIT 1)
       UNION ALL
       SELECT (SELECT kind FROM ${table} WHERE kind > k.kind ORDER BY kind LIMIT 1) FROM k WHERE k.kind IS NOT NULL
     )
     SELECT kind FROM k WHERE kind IS NOT NULL`,
  );
  return r.rows.map((row) => row.kind);
}
