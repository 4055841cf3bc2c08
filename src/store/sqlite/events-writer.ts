/**
 * The write side of the events section, run on the writer worker. `appendMany` stores several
 * append calls in ONE transaction (group commit, see writer-worker.ts): per event a dedupe check
 * (when it has an id, dedupe-runs.ts) and one insert into its partition, every statement prepared once; the
 * partition counts, the seq high-water mark and the device liveness are written in the same
 * transaction, so a commit is all-or-nothing (SPEC §7).
 */
import type { Db, Statement } from './connection.js';
import type { Names } from './names.js';
import { DUPLICATE, NO_ZONE, REF_DEVICE, REF_KIND, REF_SITE, REF_ZONE, type EncodedBatch } from './batch.js';
import { DedupeIndex } from './dedupe-runs.js';
import { createPartitionSql, dayOf, partitionTable, ROW_COLUMNS, tableExists } from './partitions.js';
import { createPostingSql, hasPostings, PostingWriter } from './device-postings.js';
import type { LivenessUpdate } from '../store.js';

interface Partition {
  readonly kind: number;
  readonly day: number;
  readonly insert: Statement;
  /** Rows added in the open transaction. */
  added: number;
  /** Devices known to have an ev_presence row for this partition. */
  readonly devices: Set<number>;
  /** Null for a partition made before device postings: its (dev, ts) index is maintained by SQLite. */
  readonly postings: PostingWriter | null;
}

export class EventWriter {
  private seq = 0;
  /** kind → day → partition: the two-level map avoids building a string key per event. */
  private parts = new Map<number, Map<number, Partition>>();
  private touched: Partition[] = [];
  private schemaVersion = -1;
  private readonly st: Record<'presence' | 'count' | 'readSeq' | 'writeSeq' | 'liveness' | 'schema', Statement>;

  readonly dedupe: DedupeIndex;

  constructor(
    private readonly db: Db,
    readonly names: Names,
  ) {
    this.dedupe = new DedupeIndex(db);
    this.st = {
      presence: db.prepare('INSERT OR IGNORE INTO ev_presence (dev, day, kind) VALUES (?, ?, ?)'),
      count: db.prepare('INSERT INTO ev_parts (kind, day, n) VALUES (?, ?, ?) ON CONFLICT (kind, day) DO UPDATE SET n = n + excluded.n'),
      readSeq: db.prepare("SELECT value FROM ev_meta WHERE key = 'last_seq'").pluck(),
      writeSeq: db.prepare("UPDATE ev_meta SET value = ? WHERE key = 'last_seq'"),
      liveness: db.prepare('UPDATE devices SET last_seen = ?, fault_since = ?, fault_code = ? WHERE id = ?'),
      schema: db.prepare('PRAGMA schema_version').pluck(),
    };
  }

  /** Stores the batches in one transaction; per batch, per event: seq or DUPLICATE. */
  appendMany(batches: readonly EncodedBatch[]): Float64Array[] {
    const seqBefore = this.seq;
    try {
      const out = this.db.transaction(() => {
        this.begin();
        const res = batches.map((b) => this.appendOne(b));
        this.finish();
        return res;
      })();
      this.names.committed();
      this.dedupe.committed();
      this.schemaVersion = this.readSchemaVersion();
      return out;
    } catch (err) {
      this.seq = seqBefore;
      this.names.rolledBack();
      this.dedupe.reset();
      this.forgetAll();
      throw err;
    }
  }

  /** Runs one purge step (events-purge.ts) in its own transaction, keeping the dedupe index in step. */
  purgeStep(steps: Generator<void, number, void>): IteratorResult<void, number> {
    try {
      const r = this.db.transaction(() => {
        this.dedupe.begin();
        const step = steps.next();
        this.dedupe.flush();
        return step;
      })();
      this.dedupe.committed();
      return r;
    } catch (err) {
      this.dedupe.reset();
      this.forgetAll();
      throw err;
    }
  }

  /** Drops the cached state of a partition that purge dropped. */
  forget(kind: number, day: number): void {
    this.parts.get(kind)?.delete(day);
  }

  /** Called by purge after its own DDL, so the next append does not mistake it for another process's. */
  noteSchema(): void {
    this.schemaVersion = this.readSchemaVersion();
  }

  private begin(): void {
    // Another process (an offline CLI command) may have appended or dropped partitions since our
    // last commit: the write lock is ours now, so re-reading here is exact.
    const stored = this.st.readSeq.get();
    if (typeof stored === 'number' && stored > this.seq) this.seq = stored;
    if (this.readSchemaVersion() !== this.schemaVersion) this.forgetAll();
    this.dedupe.begin();
    this.touched = [];
  }

  private appendOne(b: EncodedBatch): Float64Array {
    const out = new Float64Array(b.n);
    // Each distinct name of the batch is interned once (batch.ts).
    const ids = b.names.map((name) => this.names.intern(name));
    const refs = b.refs;
    for (let i = 0; i < b.n; i++) {
      const r = 4 * i;
      const dev = ids[refs[r + REF_DEVICE]!]!;
      const id = b.id[i] ?? null;
      // Dedupe (SPEC §2): a repeat of an earlier batch or of an earlier member of this one.
      if (id !== null && !this.dedupe.record(dev, b.names[refs[r + REF_DEVICE]!]!, id)) {
        out[i] = DUPLICATE;
        continue;
      }
      const ts = b.ts[i]!;
      const part = this.partition(ids[refs[r + REF_KIND]!]!, dayOf(ts));
      const zone = refs[r + REF_ZONE]!;
      const seq = ++this.seq;
      part.insert.run(ts, seq, dev, ids[refs[r + REF_SITE]!], zone === NO_ZONE ? null : ids[zone], b.rcv[i]! - ts, id, b.data[i]);
      part.postings?.add(dev, ts, seq);
      if (part.added++ === 0) this.touched.push(part);
      if (!part.devices.has(dev)) {
        this.st.presence.run(dev, part.day, part.kind);
        part.devices.add(dev);
      }
      out[i] = seq;
    }
    this.writeLiveness(b.liveness);
    return out;
  }

  private finish(): void {
    this.dedupe.flush();
    for (const p of this.touched) {
      p.postings?.flush();
      this.st.count.run(p.kind, p.day, p.added);
      p.added = 0;
    }
    this.st.writeSeq.run(this.seq);
  }

  private writeLiveness(updates: readonly LivenessUpdate[]): void {
    for (const u of updates) this.st.liveness.run(u.last_seen, u.fault_since, u.fault_code, u.device);
  }

  private partition(kind: number, day: number): Partition {
    let byDay = this.parts.get(kind);
    if (!byDay) {
      byDay = new Map();
      this.parts.set(kind, byDay);
    }
    let p = byDay.get(day);
    if (!p) {
      const ref = { kind, day };
      // A partition made before device postings keeps its (dev, ts) index; a new one gets postings.
      const prepare = (sql: string) => this.db.prepare(sql);
      const legacy = tableExists(prepare, partitionTable(ref)) && !hasPostings(prepare, ref);
      if (!legacy) this.db.exec(createPartitionSql(ref) + createPostingSql(ref));
      const insert = this.db.prepare(`INSERT INTO ${partitionTable(ref)} (${ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
      p = { kind, day, added: 0, devices: new Set(), insert, postings: legacy ? null : new PostingWriter(this.db, ref) };
      byDay.set(day, p);
    }
    return p;
  }

  private forgetAll(): void {
    this.parts = new Map();
    this.touched = [];
  }

  private readSchemaVersion(): number {
    const v = this.st.schema.get();
    return typeof v === 'number' ? v : -1;
  }
}
