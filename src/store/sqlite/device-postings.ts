/**
 * Device postings: how a partition finds one device's events without a per-event index entry.
 *
 * A partition made by this version has, beside its (ts, seq)-clustered table, a table
 * `<partition>_dp` of postings: per device and commit, the (ts, seq) keys of that device's events,
 * packed 8 bytes each into one row (ts − t0 and seq − s0 as little-endian uint32), split so that a
 * posting spans at most POSTING_SPAN_MS of event time and holds at most POSTING_MAX events. Each
 * commit then writes one posting row per device instead of one index entry per event: the B-tree
 * work of the device index was about half of the writer's insert time (bench/README.md).
 *
 * Reads walk a device's postings in t1 (last ts) order and fetch rows by their clustered key. Because
 * a posting spans at most POSTING_SPAN_MS, the walk knows when every event past a point has been
 * seen, so a page stops after the postings it needs. Partitions made by earlier versions keep their
 * `(dev, ts)` index and are read through it (`hasPostings`).
 */
import type { Db, Statement } from './connection.js';
import { partitionTable, ROW_COLUMNS, tableExists, type PartitionRef, type PartitionRow } from './partitions.js';

/**
 * Longest stretch of event time one posting covers. Live ingest commits a device's events within a
 * second or two, far below it; a bulk load of old events (many devices, each spread over hours in
 * one commit) gets a posting per device per 10 minutes instead of one per event. An ascending walk
 * reads up to this much of a device's keys ahead.
 */
export const POSTING_SPAN_MS = 10 * 60_000;
export const POSTING_MAX = 4096;
const ENTRY = 8;

export function postingTable(p: PartitionRef): string {
  return `${partitionTable(p)}_dp`;
}

export function createPostingSql(p: PartitionRef): string {
  return `CREATE TABLE IF NOT EXISTS ${postingTable(p)} (
      dev INTEGER NOT NULL, t1 INTEGER NOT NULL, s0 INTEGER NOT NULL, t0 INTEGER NOT NULL, n INTEGER NOT NULL, list BLOB NOT NULL,
      PRIMARY KEY (dev, t1, s0)) WITHOUT ROWID;`;
}

function insertPostingSql(p: PartitionRef): string {
  return `INSERT INTO ${postingTable(p)} (dev, t1, s0, t0, n, list) VALUES (?, ?, ?, ?, ?, ?)`;
}

/** Whether a partition has postings (made by this version) rather than the legacy (dev, ts) index. */
export function hasPostings(stmt: (sql: string) => Statement, p: PartitionRef): boolean {
  return tableExists(stmt, postingTable(p));
}

/** One posting row as stored. */
export interface Posting {
  readonly dev: number;
  readonly t1: number;
  readonly s0: number;
  readonly t0: number;
  readonly n: number;
  readonly list: Uint8Array;
}

/** Keys as flat pairs: [ts, seq, ts, seq, …]. */
export type Keys = number[];

export function decodePosting(p: Pick<Posting, 't0' | 's0' | 'n' | 'list'>, out: Keys = []): Keys {
  const view = new DataView(p.list.buffer, p.list.byteOffset, p.list.byteLength);
  for (let i = 0; i < p.n; i++) out.push(p.t0 + view.getUint32(i * ENTRY, true), p.s0 + view.getUint32(i * ENTRY + 4, true));
  return out;
}

/** Keys [from, to) of a (ts, seq)-sorted pair list as postings for one device. */
function encode(dev: number, keys: Keys, from: number, to: number): Posting {
  let s0 = Infinity;
  for (let i = from; i < to; i += 2) s0 = Math.min(s0, keys[i + 1]!);
  const t0 = keys[from]!;
  const n = (to - from) / 2;
  const list = Buffer.allocUnsafe(n * ENTRY);
  for (let i = 0; i < n; i++) {
    list.writeUInt32LE(keys[from + 2 * i]! - t0, i * ENTRY);
    list.writeUInt32LE(keys[from + 2 * i + 1]! - s0, i * ENTRY + 4);
  }
  return { dev, t1: keys[to - 2]!, s0, t0, n, list };
}

function sortPairs(keys: Keys): Keys {
  for (let i = 2; i < keys.length; i += 2) {
    if (keys[i]! < keys[i - 2]! || (keys[i] === keys[i - 2] && keys[i + 1]! < keys[i - 1]!)) {
      const pairs: Array<[number, number]> = [];
      for (let j = 0; j < keys.length; j += 2) pairs.push([keys[j]!, keys[j + 1]!]);
      pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      return pairs.flat();
    }
  }
  return keys;
}

/** One device's keys as postings: sorted, then cut at POSTING_SPAN_MS of event time or POSTING_MAX events. */
export function toPostings(dev: number, unsorted: Keys): Posting[] {
  const keys = sortPairs(unsorted);
  const out: Posting[] = [];
  let start = 0;
  for (let i = 2; i <= keys.length; i += 2) {
    if (i === keys.length || keys[i]! - keys[start]! > POSTING_SPAN_MS || (i - start) / 2 >= POSTING_MAX) {
      out.push(encode(dev, keys, start, i));
      start = i;
    }
  }
  return out;
}

/** The postings of one partition in the open write transaction: collected per device, written at commit. */
export class PostingWriter {
  private readonly pending = new Map<number, Keys>();
  private readonly insert: Statement;

  constructor(db: Db, p: PartitionRef) {
    this.insert = db.prepare(insertPostingSql(p));
  }

  add(dev: number, ts: number, seq: number): void {
    const keys = this.pending.get(dev);
    if (keys) keys.push(ts, seq);
    else this.pending.set(dev, [ts, seq]);
  }

  flush(): void {
    for (const [dev, keys] of this.pending) for (const p of toPostings(dev, keys)) this.insert.run(p.dev, p.t1, p.s0, p.t0, p.n, p.list);
    this.pending.clear();
  }
}

/** A device's key range to read: ts bounds inclusive, and the page cursor. */
export interface KeyRange {
  readonly lo: number;
  readonly hi: number;
  /** Keys strictly after (asc) or before (desc) this one. */
  readonly after?: { readonly ts: number; readonly seq: number };
}

function inRange(ts: number, seq: number, r: KeyRange, desc: boolean): boolean {
  if (ts < r.lo || ts > r.hi) return false;
  const a = r.after;
  if (!a) return true;
  return desc ? ts < a.ts || (ts === a.ts && seq < a.seq) : ts > a.ts || (ts === a.ts && seq > a.seq);
}

/** Postings fetched per round trip of a walk. */
const CHUNK = 64;

/**
 * Walks one device's keys in a partition in (ts, seq) order — descending or ascending — calling
 * `visit` with each key in order until it returns false. Postings are read CHUNK at a time, and a
 * key is visited only once no posting still unread can hold a key before it.
 */
export function walkKeys(stmt: (sql: string) => Statement, p: PartitionRef, dev: number, r: KeyRange, desc: boolean, visit: (ts: number, seq: number) => boolean): void {
  const t = postingTable(p);
  const dir = desc ? 'DESC' : 'ASC';
  const cmp = desc ? '<' : '>';
  // A posting holds keys in [t1 − span, t1]: those overlapping [lo, hi].
  // t1 <= hi + span bounds the key range scanned (t0 is not in the key).
  const where = 'dev = ? AND t1 >= ? AND t1 <= ? AND t0 <= ?';
  const first = stmt(`SELECT t0, t1, s0, n, list FROM ${t} WHERE ${where} ORDER BY t1 ${dir}, s0 ${dir} LIMIT ${CHUNK}`);
  const next = stmt(`SELECT t0, t1, s0, n, list FROM ${t} WHERE ${where} AND (t1, s0) ${cmp} (?, ?) ORDER BY t1 ${dir}, s0 ${dir} LIMIT ${CHUNK}`);
  const top = Math.min(r.hi + POSTING_SPAN_MS, Number.MAX_SAFE_INTEGER);
  const pending = new KeyHeap(desc);
  let rows = first.all(dev, r.lo, top, r.hi) as Posting[];
  let at = 0;
  for (;;) {
    if (at === rows.length) {
      const last = rows[rows.length - 1];
      rows = rows.length === CHUNK && last ? (next.all(dev, r.lo, top, r.hi, last.t1, last.s0) as Posting[]) : [];
      at = 0;
      if (rows.length === 0) {
        pending.drain(desc ? -Infinity : Infinity, visit);
        return;
      }
    }
    const post = rows[at++]!;
    // No posting from this one on holds a key past `bound` in walk order (desc: every later t1 is
    // at most this t1; asc: every later t0 is at least this t1 − span), so keys before it are final.
    if (!pending.drain(desc ? post.t1 : post.t1 - POSTING_SPAN_MS, visit)) return;
    const keys = decodePosting(post);
    for (let i = 0; i < keys.length; i += 2) if (inRange(keys[i]!, keys[i + 1]!, r, desc)) pending.push(keys[i]!, keys[i + 1]!);
  }
}

/** Every key of a device in a partition within [lo, hi], in no particular order (counts, histograms). */
export function eachKey(stmt: (sql: string) => Statement, p: PartitionRef, dev: number, lo: number, hi: number, visit: (ts: number, seq: number) => void): void {
  const top = Math.min(hi + POSTING_SPAN_MS, Number.MAX_SAFE_INTEGER);
  const all = stmt(`SELECT t0, t1, s0, n, list FROM ${postingTable(p)} WHERE dev = ? AND t1 >= ? AND t1 <= ? AND t0 <= ?`);
  for (const post of all.all(dev, lo, top, hi) as Posting[]) {
    const keys = decodePosting(post);
    for (let i = 0; i < keys.length; i += 2) if (keys[i]! >= lo && keys[i]! <= hi) visit(keys[i]!, keys[i + 1]!);
  }
}

/** A binary heap of (ts, seq) keys, first in walk order on top. */
class KeyHeap {
  private readonly ts: number[] = [];
  private readonly seq: number[] = [];

  constructor(private readonly desc: boolean) {}

  /** Whether key i comes before key j in walk order. */
  private before(i: number, j: number): boolean {
    const d = this.ts[i]! - this.ts[j]! || this.seq[i]! - this.seq[j]!;
    return this.desc ? d > 0 : d < 0;
  }

  private swap(i: number, j: number): void {
    const ts = this.ts[i]!;
    const seq = this.seq[i]!;
    this.ts[i] = this.ts[j]!;
    this.seq[i] = this.seq[j]!;
    this.ts[j] = ts;
    this.seq[j] = seq;
  }

  push(ts: number, seq: number): void {
    this.ts.push(ts);
    this.seq.push(seq);
    for (let i = this.ts.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (!this.before(i, up)) break;
      this.swap(i, up);
      i = up;
    }
  }

  private pop(): void {
    const last = this.ts.length - 1;
    this.swap(0, last);
    this.ts.pop();
    this.seq.pop();
    const n = this.ts.length;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < n && this.before(l, best)) best = l;
      if (r < n && this.before(r, best)) best = r;
      if (best === i) break;
      this.swap(i, best);
      i = best;
    }
  }

  /** Visits, in walk order, every key strictly before `bound` in walk order; false once `visit` asked to stop. */
  drain(bound: number, visit: (ts: number, seq: number) => boolean): boolean {
    while (this.ts.length > 0 && (this.desc ? this.ts[0]! > bound : this.ts[0]! < bound)) {
      const ts = this.ts[0]!;
      const seq = this.seq[0]!;
      this.pop();
      if (!visit(ts, seq)) return false;
    }
    return true;
  }
}

/** The row of one key, when it passes the extra conditions (on site, zone). */
export function rowByKey(stmt: (sql: string) => Statement, p: PartitionRef, where: readonly string[]): (ts: number, seq: number, params: readonly number[]) => PartitionRow | undefined {
  const s = stmt(`SELECT ${ROW_COLUMNS} FROM ${partitionTable(p)} WHERE ${['ts = ?', 'seq = ?', ...where].join(' AND ')}`);
  return (ts, seq, params) => s.get(ts, seq, ...params) as PartitionRow | undefined;
}

/**
 * Purge support: removes from a partition's postings every key with ts < before and (ts, seq) ≤
 * end — the rows the purge step just deleted — so postings never name a row that is gone.
 */
export function prunePostings(db: Db, p: PartitionRef, before: number, end: { readonly ts: number; readonly seq: number }): void {
  const t = postingTable(p);
  const gone = (ts: number, seq: number): boolean => ts < before && (ts < end.ts || (ts === end.ts && seq <= end.seq));
  const edge = Math.min(before - 1, end.ts);
  db.prepare(`DELETE FROM ${t} WHERE t1 < ?`).run(edge);
  const touched = db.prepare(`SELECT dev, t1, s0, t0, n, list FROM ${t} WHERE t0 <= ?`).all(edge) as Posting[];
  const del = db.prepare(`DELETE FROM ${t} WHERE dev = ? AND t1 = ? AND s0 = ?`);
  const ins = db.prepare(insertPostingSql(p));
  for (const post of touched) {
    const keys = decodePosting(post);
    const kept: Keys = [];
    for (let i = 0; i < keys.length; i += 2) if (!gone(keys[i]!, keys[i + 1]!)) kept.push(keys[i]!, keys[i + 1]!);
    if (kept.length === keys.length) continue;
    del.run(post.dev, post.t1, post.s0);
    for (const q of kept.length > 0 ? toPostings(post.dev, kept) : []) ins.run(q.dev, q.t1, q.s0, q.t0, q.n, q.list);
  }
}
