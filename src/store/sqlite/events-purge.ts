/**
 * Retention purge of the events section (SPEC §4.7), as a generator of small steps: the writer
 * worker runs each step in its own transaction and runs waiting appends between steps, so purging
 * a day of millions of events never stalls ingest for more than one step.
 *
 * Per partition of a purged kind that starts before `before`:
 *  - wholly expired (its day ended by `before`): the dedupe entries of its rows are deleted in
 *    chunks, then the table is dropped — no row-by-row delete of the events themselves;
 *  - partly expired: rows with ts < before are deleted in chunks along the clustered (ts, seq) key,
 *    their dedupe entries and device postings (device-postings.ts) with them.
 * Dedupe entries go with their events, so the dedupe table never outgrows retention.
 */
import type { Db } from './connection.js';
import type { EventWriter } from './events-writer.js';
import { dayOf, dayStart, partitionTable, tableExists, type PartitionRef } from './partitions.js';
import { hasPostings, postingTable, prunePostings } from './device-postings.js';

/** Rows per step: ~20–50 ms of work here, the longest an append waits behind a purge. */
export const PURGE_CHUNK = 10_000;

interface Part extends PartitionRef {
  readonly n: number;
}

interface DedupeRef {
  readonly ts: number;
  readonly seq: number;
  readonly dev: number;
  readonly id: string | null;
}

/** Yields between transactions; returns how many events were deleted. */
export function* purgeSteps(db: Db, writer: EventWriter, kinds: readonly string[], before: number): Generator<void, number, void> {
  const kindIds = kinds.map((k) => writer.names.find(k)).filter((k): k is number => k !== null);
  if (kindIds.length === 0 || !Number.isFinite(before)) return 0;
  const parts = db
    .prepare(`SELECT kind, day, n FROM ev_parts WHERE kind IN (${kindIds.map(() => '?').join(',')}) AND day <= ? ORDER BY day, kind`)
    .all(...kindIds, dayOf(before - 1)) as Part[];
  const undedupe = forgetIds(writer);
  let deleted = 0;
  for (const p of parts) {
    if (dayStart(p.day + 1) <= before) deleted += yield* dropPartition(db, writer, p, undedupe);
    else deleted += yield* deleteBefore(db, writer, p, before, undedupe);
  }
  return deleted;
}

function* dropPartition(db: Db, writer: EventWriter, p: Part, undedupe: Forget): Generator<void, number, void> {
  const t = partitionTable(p);
  if (!tableExists((sql) => db.prepare(sql), t)) return 0;
  const next = db.prepare(`SELECT ts, seq, dev, id FROM ${t} WHERE (ts, seq) > (?, ?) AND id IS NOT NULL ORDER BY ts, seq LIMIT ${PURGE_CHUNK}`);
  let cursor = { ts: -Infinity, seq: -Infinity };
  for (;;) {
    const rows = next.all(cursor.ts, cursor.seq) as DedupeRef[];
    for (const r of rows) if (r.id !== null) undedupe(r.dev, r.id);
    const last = rows[rows.length - 1];
    if (rows.length < PURGE_CHUNK || !last) break;
    cursor = { ts: last.ts, seq: last.seq };
    yield;
  }
  // Count the rows rather than trust ev_parts.n alone: this is the figure the transparency report shows.
  const n = db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
  dropTable(db, writer, p);
  return n;
}

function* deleteBefore(db: Db, writer: EventWriter, p: Part, before: number, undedupe: Forget): Generator<void, number, void> {
  const t = partitionTable(p);
  if (!tableExists((sql) => db.prepare(sql), t)) return 0;
  // The chunk ends at the PURGE_CHUNK-th expired key; the delete is a range of the clustered key.
  const edge = db.prepare(`SELECT ts, seq FROM ${t} WHERE ts < ? ORDER BY ts, seq LIMIT 1 OFFSET ${PURGE_CHUNK - 1}`);
  const del = db.prepare(`DELETE FROM ${t} WHERE ts < ? AND (ts, seq) <= (?, ?) RETURNING dev, id`);
  const uncount = db.prepare('UPDATE ev_parts SET n = n - ? WHERE kind = ? AND day = ?');
  const postings = hasPostings((sql) => db.prepare(sql), p);
  let deleted = 0;
  for (;;) {
    const end = (edge.get(before) as { ts: number; seq: number } | undefined) ?? { ts: before, seq: Infinity };
    const gone = del.all(before, end.ts, end.seq) as Array<{ dev: number; id: string | null }>;
    // In the same step: a device's postings never name a row that is gone.
    if (postings) prunePostings(db, p, before, end);
    for (const r of gone) if (r.id !== null) undedupe(r.dev, r.id);
    uncount.run(gone.length, p.kind, p.day);
    deleted += gone.length;
    if (gone.length < PURGE_CHUNK) break;
    yield;
  }
  const left = db.prepare(`SELECT EXISTS (SELECT 1 FROM ${t})`).pluck().get();
  if (left === 0) dropTable(db, writer, p);
  return deleted;
}

type Forget = (dev: number, id: string) => void;

/** Forgets the dedupe entry of a purged event (dedupe-runs.ts); the step flushes before it commits. */
function forgetIds(writer: EventWriter): Forget {
  return (dev, id) => writer.dedupe.forget(dev, writer.names.value(dev), id);
}

function dropTable(db: Db, writer: EventWriter, p: PartitionRef): void {
  db.exec(`DROP TABLE IF EXISTS ${partitionTable(p)}; DROP TABLE IF EXISTS ${postingTable(p)}`);
  db.prepare('DELETE FROM ev_parts WHERE kind = ? AND day = ?').run(p.kind, p.day);
  db.prepare('DELETE FROM ev_presence WHERE kind = ? AND day = ?').run(p.kind, p.day);
  writer.forget(p.kind, p.day);
  writer.noteSchema();
}
