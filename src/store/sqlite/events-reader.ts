/**
 * The read side of the events section, run on the reader worker (its own connection, so a long
 * histogram never delays ingest or the main thread). Each call runs in one read transaction: the
 * partition list and the partition reads see the same snapshot, even while the writer drops a
 * partition.
 *
 * A page walks the days of the range in order (days never overlap in time), asks each candidate
 * partition of a day for at most what is still needed, in (ts, seq) order, and merges — so a device
 * page of 100 touches only the newest day or two of that device's partitions.
 */
import type { StoredEvent } from '../../core/event.js';
import type { EventFilter, EventPage, EventQuery, HistogramBucket, HistogramQuery } from '../store.js';
import type { Db, Statement } from './connection.js';
import { Names } from './names.js';
import { candidates, dayInside, resolveFilter, type Candidate, type ResolvedFilter } from './event-filter.js';
import { dayStart, partitionTable, ROW_COLUMNS, type PartitionRef, type PartitionRow } from './partitions.js';
import { eachKey, hasPostings, rowByKey, walkKeys, type KeyRange } from './device-postings.js';

interface Hit extends PartitionRow {
  readonly kind: number;
}

/** Prepared statements per SQL text; cleared when it grows past this (dropped partitions' statements go with it). */
const STATEMENT_CACHE_MAX = 2_000;

export class EventReader {
  private readonly names: Names;
  private readonly cache = new Map<string, Statement>();
  private readonly stmtOf = (sql: string): Statement => this.stmt(sql);

  constructor(private readonly db: Db) {
    this.names = new Names(db);
  }

  query(q: EventQuery): EventPage {
    return this.db.transaction(() => this.queryIn(q))();
  }

  histogram(q: HistogramQuery): HistogramBucket[] {
    return this.db.transaction(() => this.histogramIn(q))();
  }

  count(f: EventFilter): number {
    return this.db.transaction(() => this.countIn(f))();
  }

  private queryIn(q: EventQuery): EventPage {
    const limit = Math.floor(q.limit);
    const r = resolveFilter(this.names, q);
    if (r === null || limit < 1) return { events: [], next: null };
    const desc = q.order !== 'asc';
    const dir = desc ? 'DESC' : 'ASC';
    const where = [...r.where];
    const params: number[] = [...r.params];
    if (q.after) {
      where.push(desc ? '(ts, seq) < (?, ?)' : '(ts, seq) > (?, ?)');
      params.push(q.after.ts, q.after.seq);
    }
    const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const days = byDay(candidates(this.db, this.names, q, r), desc, q.after?.ts);
    const want = limit + 1;
    const hits: Hit[] = [];
    for (const parts of days) {
      const need = want - hits.length;
      const day: Hit[] = [];
      for (const c of parts) {
        const rows =
          r.dev !== null && hasPostings(this.stmtOf, c)
            ? this.deviceRows(c, r, desc, need, q.after)
            : (this.stmt(`SELECT ${ROW_COLUMNS} FROM ${partitionTable(c)} ${cond} ORDER BY ts ${dir}, seq ${dir} LIMIT ${need}`).all(...params) as PartitionRow[]);
        for (const row of rows) day.push({ ...row, kind: c.kind });
      }
      if (parts.length > 1) day.sort(desc ? (a, b) => b.ts - a.ts || b.seq - a.seq : (a, b) => a.ts - b.ts || a.seq - b.seq);
      for (let i = 0; i < day.length && hits.length < want; i++) hits.push(day[i] as Hit);
      if (hits.length >= want) break;
    }
    const page = hits.slice(0, limit);
    const last = page[page.length - 1];
    return { events: page.map((h) => this.toEvent(h)), next: hits.length > limit && last ? { ts: last.ts, seq: last.seq } : null };
  }

  private histogramIn(q: HistogramQuery): HistogramBucket[] {
    const r = resolveFilter(this.names, q);
    const interval = Math.floor(q.intervalMs);
    if (r === null || !(interval > 0)) return [];
    const cond = r.where.length ? `WHERE ${r.where.join(' AND ')}` : '';
    // Buckets start at multiples of the interval since the epoch; the double modulo floors
    // negative times too (SQLite's % truncates toward zero).
    const bucket = `ts - (((ts % ${interval}) + ${interval}) % ${interval})`;
    const counts = new Map<number, number>();
    for (const c of candidates(this.db, this.names, q, r)) {
      if (r.dev !== null && hasPostings(this.stmtOf, c)) {
        this.eachDeviceKey(c, r, (ts) => {
          const t = ts - (((ts % interval) + interval) % interval);
          counts.set(t, (counts.get(t) ?? 0) + 1);
        });
        continue;
      }
      const sql = `SELECT ${bucket} AS t, count(*) AS n FROM ${partitionTable(c)} ${cond} GROUP BY 1`;
      for (const row of this.stmt(sql).all(...r.params) as Array<{ t: number; n: number }>) counts.set(row.t, (counts.get(row.t) ?? 0) + row.n);
    }
    return [...counts].sort((a, b) => a[0] - b[0]).map(([t, count]) => ({ t, count }));
  }

  private countIn(f: EventFilter): number {
    const r = resolveFilter(this.names, f);
    if (r === null) return 0;
    const cond = r.where.length ? `WHERE ${r.where.join(' AND ')}` : '';
    let total = 0;
    for (const c of candidates(this.db, this.names, f, r)) {
      // A partition wholly inside the range with no other filter: its maintained count is exact.
      if (r.onlyTime && dayInside(c, r)) total += c.n;
      else if (r.dev !== null && hasPostings(this.stmtOf, c)) this.eachDeviceKey(c, r, () => total++);
      else total += this.stmt(`SELECT count(*) FROM ${partitionTable(c)} ${cond}`).pluck().get(...r.params) as number;
    }
    return total;
  }

  /** Up to `need` rows of the filter's device in a partition with postings, in page order. */
  private deviceRows(c: PartitionRef, r: ResolvedFilter, desc: boolean, need: number, after?: { readonly ts: number; readonly seq: number }): PartitionRow[] {
    const fetch = rowByKey(this.stmtOf, c, r.rowWhere);
    const out: PartitionRow[] = [];
    walkKeys(this.stmtOf, c, r.dev as number, keyRange(r, desc, after), desc, (ts, seq) => {
      const row = fetch(ts, seq, r.rowParams);
      if (row) out.push(row);
      return out.length < need;
    });
    return out;
  }

  /** Every key (ts) of the filter's device in a partition with postings that passes the filter, in no order. */
  private eachDeviceKey(c: PartitionRef, r: ResolvedFilter, f: (ts: number) => void): void {
    const check = r.rowWhere.length > 0 ? rowByKey(this.stmtOf, c, r.rowWhere) : null;
    const { lo, hi } = keyRange(r, false);
    eachKey(this.stmtOf, c, r.dev as number, lo, hi, (ts, seq) => {
      if (!check || check(ts, seq, r.rowParams)) f(ts);
    });
  }

  private toEvent(h: Hit): StoredEvent {
    return {
      seq: h.seq,
      id: h.id,
      ts: new Date(h.ts).toISOString(),
      received_at: new Date(h.ts + h.rcv).toISOString(),
      device: this.names.value(h.dev),
      site: this.names.value(h.site),
      zone: h.zone === null ? null : this.names.value(h.zone),
      kind: this.names.value(h.kind),
      data: JSON.parse(h.data) as StoredEvent['data'],
    };
  }

  private stmt(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      if (this.cache.size >= STATEMENT_CACHE_MAX) this.cache.clear();
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }
}

/** The keys a filter (and a page cursor) allows, ts bounds inclusive. */
function keyRange(r: ResolvedFilter, desc: boolean, after?: { readonly ts: number; readonly seq: number }): KeyRange {
  let lo = r.from ?? Number.MIN_SAFE_INTEGER;
  let hi = r.to !== undefined ? r.to - 1 : Number.MAX_SAFE_INTEGER;
  if (after && desc) hi = Math.min(hi, after.ts);
  if (after && !desc) lo = Math.max(lo, after.ts);
  return after ? { lo, hi, after } : { lo, hi };
}

/** Candidates grouped by day in walking order, skipping days wholly past the cursor. */
function byDay(cands: Candidate[], desc: boolean, afterTs: number | undefined): Candidate[][] {
  const days = new Map<number, Candidate[]>();
  for (const c of cands) {
    if (afterTs !== undefined && (desc ? dayStart(c.day) > afterTs : dayStart(c.day + 1) <= afterTs)) continue;
    let list = days.get(c.day);
    if (!list) days.set(c.day, (list = []));
    list.push(c);
  }
  const order = [...days.keys()].sort((a, b) => (desc ? b - a : a - b));
  return order.map((d) => days.get(d) as Candidate[]);
}
