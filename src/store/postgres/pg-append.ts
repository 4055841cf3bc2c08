/**
 * The write side of the events section on PostgreSQL.
 *
 * One store instance commits its appends one group at a time, in call order, like the SQLite
 * writer: the append stage answers callers and runs its hooks in append order and builds each
 * append's liveness on the ones before it (stages/append.ts), which holds only if an earlier
 * append never commits after a later one. Calls that arrive while a group commits wait and are
 * then stored together in ONE transaction (group commit), so a busy node pays one commit for
 * many calls. Concurrency across nodes is the database's: their appends run side by side.
 *
 * A group's transaction, statements batched with unnest() rather than one per event:
 *  1. claim the (device, id) of each event with an id in `ev_dedupe` (ON CONFLICT DO NOTHING
 *     RETURNING tells which are new) and draw one seq per event to store, in the same statement;
 *  2. insert the events and raise this backend's high-water slot;
 *  3. lock the devices whose liveness changes, in id order, and update them.
 * Every transaction takes its row locks in the same order (dedupe keys sorted, then the
 * high-water slot, then devices sorted), so concurrent appends of several nodes queue but do not
 * deadlock. Repeats within the group are settled here before the database sees them: the first
 * occurrence is stored, later ones are duplicates. Text and data go through pg-text.ts, so any
 * string SQLite stores is stored here too, exactly.
 */
import type pg from 'pg';
import type { SafeEvent } from '../../core/event.js';
import { ParapetError } from '../../core/errors.js';
import { writeFailure } from '../write-failure.js';
import type { AppendResult, LivenessUpdate } from '../store.js';
import { isMissingPartition, type PartitionSet } from './pg-partitions.js';
import { sqlState, transaction, translate } from './pg-sql.js';
import { toSql, toSqlData, toSqlOrNull } from './pg-text.js';

/** Events per group transaction: bounds one transaction's size and the parameter arrays' bytes. */
const MAX_GROUP_EVENTS = 20_000;
/** Attempts of one group when it only lost a race (a partition dropped under it, a deadlock). */
const ATTEMPTS = 4;
/** High-water slots (pg-migrations.ts, ev_hwm). */
const HWM_SLOTS = 64;
const MAX_TIME = 8.64e15;

interface Call {
  readonly events: readonly SafeEvent[];
  readonly liveness: readonly LivenessUpdate[];
  readonly resolve: (r: AppendResult[]) => void;
  readonly reject: (err: unknown) => void;
}

export class PgAppender {
  private queue: Call[] = [];
  private running: Promise<void> | null = null;
  private readonly sql: Record<'claim' | 'insert' | 'lock' | 'liveness', string>;

  constructor(
    private readonly pool: pg.Pool,
    schema: string,
    private readonly partitions: PartitionSet,
  ) {
    const s = schema;
    this.sql = {
      // $4 is each event's index in the group: which events came back to be stored.
      claim: `WITH input AS (
          SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::integer[]) AS u(device, id, ts, ord)
        ), claimed AS (
          INSERT INTO ${s}.ev_dedupe (device, id, ts)
          SELECT device, id, ts FROM input WHERE id IS NOT NULL ORDER BY device, id
          ON CONFLICT DO NOTHING
          RETURNING device, id
        )
        SELECT i.ord, nextval('${s}.ev_seq') AS seq
          FROM input i LEFT JOIN claimed c ON c.device = i.device AND c.id = i.id
         WHERE i.id IS NULL OR c.id IS NOT NULL`,
      insert: `WITH stored AS (
          INSERT INTO ${s}.events (ts, seq, received_at, device, site, zone, kind, id, data)
          SELECT ts, seq, received_at, device, site, zone, kind, id, data::jsonb
            FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
              AS u(ts, seq, received_at, device, site, zone, kind, id, data)
        )
        INSERT INTO ${s}.ev_hwm (slot, seq) VALUES (pg_backend_pid() % ${HWM_SLOTS}, $10)
        ON CONFLICT (slot) DO UPDATE SET seq = GREATEST(${s}.ev_hwm.seq, excluded.seq)`,
      lock: `SELECT id FROM ${s}.devices WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
      // Several ingest nodes may write one device's liveness, each from its own view: last_seen
      // never moves back (GREATEST skips NULL), so a node with an older view cannot undo a newer one.
      liveness: `UPDATE ${s}.devices d SET last_seen = GREATEST(d.last_seen, u.last_seen), fault_since = u.fault_since, fault_code = u.fault_code
          FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[]) AS u(device, last_seen, fault_since, fault_code)
         WHERE d.id = u.device`,
    };
  }

  append(events: readonly SafeEvent[], liveness: readonly LivenessUpdate[]): Promise<AppendResult[]> {
    if (events.length === 0 && liveness.length === 0) return Promise.resolve([]);
    for (const e of events) {
      // A time no Date can hold has no partition and no ISO form to read back.
      if (!Number.isSafeInteger(e.ts) || Math.abs(e.ts) > MAX_TIME || !Number.isSafeInteger(e.received_at)) {
        return Promise.reject(new ParapetError('invalid_event', `event time ${e.ts} cannot be stored`));
      }
    }
    return new Promise((resolve, reject) => {
      this.queue.push({
        events,
        liveness,
        resolve,
        reject: (err: unknown) => {
          const failure = writeFailure(err);
          reject(failure instanceof Error ? failure : new Error(String(failure)));
        },
      });
      this.running ??= this.drain();
    });
  }

  /** Writes liveness alone (DeviceStore.setLiveness), in order with the appends of this store. */
  setLiveness(updates: readonly LivenessUpdate[]): Promise<void> {
    return this.append([], updates).then(() => undefined);
  }

  /** Resolves when every call made so far has been answered. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const group: Call[] = [];
      let n = 0;
      while (this.queue.length > 0 && (group.length === 0 || n + (this.queue[0]?.events.length ?? 0) <= MAX_GROUP_EVENTS)) {
        const call = this.queue.shift() as Call;
        group.push(call);
        n += call.events.length;
      }
      await this.commitGroup(group);
    }
    this.running = null;
  }

  private async commitGroup(group: Call[]): Promise<void> {
    try {
      const results = await this.store(group.flatMap((c) => c.events), group.flatMap((c) => c.liveness));
      let at = 0;
      for (const c of group) {
        c.resolve(results.slice(at, at + c.events.length));
        at += c.events.length;
      }
    } catch (err) {
      // All or nothing, as on SQLite: every call of the group failed, none of it was stored.
      const failure = translate(err, 'invalid_event');
      for (const c of group) c.reject(failure);
    }
  }

  private async store(events: readonly SafeEvent[], liveness: readonly LivenessUpdate[]): Promise<AppendResult[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.partitions.ensure(events.map((e) => e.ts));
        return await transaction(this.pool, (c) => this.write(c, events, liveness));
      } catch (err) {
        const missing = isMissingPartition(err);
        // 40P01 deadlock, 40001 serialization failure: the transaction lost a race; nothing was stored.
        const lostRace = missing || sqlState(err) === '40P01' || sqlState(err) === '40001';
        if (!lostRace || attempt >= ATTEMPTS) throw err;
        if (missing) await this.partitions.reload();
      }
    }
  }

  private async write(c: pg.PoolClient, events: readonly SafeEvent[], liveness: readonly LivenessUpdate[]): Promise<AppendResult[]> {
    const out: AppendResult[] = new Array<AppendResult>(events.length).fill('duplicate');
    const cols = { device: [] as string[], id: [] as Array<string | null>, ts: [] as number[], ord: [] as number[] };
    const seen = new Set<string>();
    events.forEach((e, i) => {
      if (e.id !== null) {
        const key = `${e.device}\u0000${e.id}`;
        if (seen.has(key)) return;
        seen.add(key);
      }
      cols.device.push(toSql(e.device));
      cols.id.push(toSqlOrNull(e.id));
      cols.ts.push(e.ts);
      cols.ord.push(i);
    });
    if (cols.ord.length > 0) {
      const claimed = (await c.query<{ ord: number; seq: number }>(this.sql.claim, [cols.device, cols.id, cols.ts, cols.ord])).rows;
      // The seqs drawn are all larger than any drawn before this statement; handing them out
      // sorted, in input order, makes seqs follow the input order within the call.
      const ords = claimed.map((r) => r.ord).sort((a, b) => a - b);
      const seqs = claimed.map((r) => r.seq).sort((a, b) => a - b);
      if (ords.length > 0) await c.query(this.sql.insert, insertParams(events, ords, seqs));
      ords.forEach((ord, k) => (out[ord] = seqs[k] as number));
    }
    await this.writeLiveness(c, liveness);
    return out;
  }

  private async writeLiveness(c: pg.PoolClient, updates: readonly LivenessUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    // The last update of a device wins, as if applied one after the other.
    const last = new Map<string, LivenessUpdate>();
    for (const u of updates) last.set(u.device, u);
    const list = [...last.values()];
    const ids = list.map((u) => u.device);
    await c.query(this.sql.lock, [ids]);
    await c.query(this.sql.liveness, [ids, list.map((u) => u.last_seen), list.map((u) => u.fault_since), list.map((u) => u.fault_code)]);
  }
}

function insertParams(events: readonly SafeEvent[], ords: readonly number[], seqs: readonly number[]): unknown[] {
  const n = ords.length;
  const ts: number[] = new Array<number>(n);
  const rcv: number[] = new Array<number>(n);
  const device: string[] = new Array<string>(n);
  const site: string[] = new Array<string>(n);
  const zone: Array<string | null> = new Array<string | null>(n);
  const kind: string[] = new Array<string>(n);
  const id: Array<string | null> = new Array<string | null>(n);
  const data: string[] = new Array<string>(n);
  for (let k = 0; k < n; k++) {
    const e = events[ords[k] as number] as SafeEvent;
    ts[k] = e.ts;
    rcv[k] = e.received_at;
    device[k] = toSql(e.device);
    site[k] = toSql(e.site);
    zone[k] = toSqlOrNull(e.zone);
    kind[k] = toSql(e.kind);
    id[k] = toSqlOrNull(e.id);
    data[k] = toSqlData(e.data);
  }
  return [ts, seqs, rcv, device, site, zone, kind, id, data, seqs[n - 1]];
}
