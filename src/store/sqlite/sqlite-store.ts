/**
 * The default store (SPEC §7): one SQLite file in the data dir, WAL, encrypted at rest (SPEC §3)
 * with a 256-bit key from the keyring. Four connections, each where its work belongs:
 *
 *  - the writer worker: every write of the store's sections, appends merged into large
 *    transactions (writer-worker.ts);
 *  - the reader worker: event queries, histograms, counts (reader-worker.ts);
 *  - the checkpoint worker: folds the WAL back into the file in the background (checkpoint-worker.ts);
 *  - the main thread: point reads of the small sections (devices, principals, kv — microseconds,
 *    no thread hop), and `db`, the handle the alerts and audit sections share (write-gate.ts).
 *
 * Every promise of a write resolves only after its transaction committed (SPEC §7).
 */
import type { SafeEvent } from '../../core/event.js';
import { ParapetError } from '../../core/errors.js';
import { writeFailure } from '../write-failure.js';
import type { AppendResult, DeviceStore, EventStore, KvStore, LivenessUpdate, PrincipalStore, Store } from '../store.js';
import { PAGE_SIZE, openConnection, type Db } from './connection.js';
import { migrate, SCHEMA_VERSION } from './migrations.js';
import { encodeBatch, transferables, DUPLICATE } from './batch.js';
import { SqliteDevices } from './devices.js';
import { SqlitePrincipals } from './principals.js';
import { SqliteKv } from './kv.js';
import { WorkerClient, StoreWorkerError } from './rpc.js';
import { createGateCells, GatedDatabase } from './write-gate.js';
import type { WriteOp, WriteOps } from './write-ops.js';
import type { WriterData } from './writer-worker.js';
import type { ReaderData } from './reader-worker.js';
import type { CheckpointData } from './checkpoint-worker.js';

export interface SqliteStoreOptions {
  /** The database file; created with its schema when missing. */
  readonly file: string;
  /** 32 random bytes: the store's encryption key (privacy/master-key.ts, deriveStoreKey). */
  readonly key: Buffer;
  readonly log?: (msg: string) => void;
  /**
   * Largest the store file may grow by the writer's writes (events, devices, kv), bytes; past it
   * they fail with SQLITE_FULL, answered 503 (write-failure.ts), instead of filling the disk. Absent: no cap.
   */
  readonly maxBytes?: number;
  /**
   * A store thread died (a native crash, out of memory): every later call fails, so the process
   * should stop and be restarted; called once per dead thread with why. Absent: only logged.
   */
  readonly onWorkerLost?: (why: string) => void;
}

export interface SqliteStore extends Store {
  /** The main thread's keyed handle, for sections that keep their own tables (alerts, audit). */
  readonly db: GatedDatabase;
}

/** Page cache per connection, MiB: the writer's holds the hot index pages of an ingest transaction. */
const CACHE_MIB = { main: 4, writer: 32, reader: 16 } as const;
/**
 * Background checkpoint period, ms. Under ingest each commit rewrites about one index page per
 * device; a checkpoint copies each page once however many commits rewrote it since the last, so a
 * longer period copies fewer pages per event (1 s measured −7 % hub CPU per event against 200 ms,
 * bench/README.md). The WAL meanwhile holds about a second of commits.
 */
const CHECKPOINT_MS = 1_000;

export async function openSqliteStore(opts: SqliteStoreOptions): Promise<SqliteStore> {
  const log = opts.log ?? (() => {});
  const main = openConnection({ file: opts.file, key: opts.key, cacheMiB: CACHE_MIB.main, autoCheckpointPages: 0 });
  const workers: WorkerClient[] = [];
  try {
    const applied = migrate(main);
    if (applied.length > 0) log(`store schema at version ${SCHEMA_VERSION} (applied ${applied.join(', ')})`);
    const gate = createGateCells();
    const key = new Uint8Array(opts.key);
    const writerData: WriterData = { file: opts.file, key, gate, cacheMiB: CACHE_MIB.writer, ...(opts.maxBytes ? { maxPages: Math.max(1, Math.floor(opts.maxBytes / PAGE_SIZE)) } : {}) };
    const readerData: ReaderData = { file: opts.file, key, cacheMiB: CACHE_MIB.reader };
    const checkpointData: CheckpointData = { file: opts.file, key, intervalMs: CHECKPOINT_MS };
    const started = await Promise.allSettled([
      WorkerClient.start('writer-worker', writerData, 'writer', log, opts.onWorkerLost),
      WorkerClient.start('reader-worker', readerData, 'reader', log, opts.onWorkerLost),
      WorkerClient.start('checkpoint-worker', checkpointData, 'checkpoint', log, opts.onWorkerLost),
    ]);
    for (const s of started) if (s.status === 'fulfilled') workers.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    return assemble(main, workers, new GatedDatabase(main, gate), writerData.maxPages ?? null);
  } catch (err) {
    await Promise.allSettled(workers.map((w) => w.close()));
    main.close();
    throw err;
  }
}

function assemble(main: Db, workers: WorkerClient[], db: GatedDatabase, maxPages: number | null): SqliteStore {
  const [writer, reader] = workers as [WorkerClient, WorkerClient, WorkerClient];
  const write = async <K extends WriteOp>(op: K, ...args: Parameters<WriteOps[K]>): Promise<ReturnType<WriteOps[K]>> => {
    try {
      return (await writer.call(op, args)) as ReturnType<WriteOps[K]>;
    } catch (err) {
      // A uniqueness violation is a conflict of the caller's making (SPEC §3: 409), not a server fault.
      if (err instanceof StoreWorkerError && err.code?.startsWith('SQLITE_CONSTRAINT')) throw new ParapetError('conflict', err.message);
      throw err;
    }
  };
  const lastSeq = main.prepare("SELECT value FROM ev_meta WHERE key = 'last_seq'").pluck();

  const events: EventStore = {
    async append(list: readonly SafeEvent[], liveness: readonly LivenessUpdate[] = []): Promise<AppendResult[]> {
      if (list.length === 0 && liveness.length === 0) return [];
      const batch = encodeBatch(list, liveness);
      let seqs: Float64Array;
      try {
        seqs = (await writer.call('append', [batch], transferables(batch))) as Float64Array;
      } catch (err) {
        throw writeFailure(err);
      }
      return Array.from(seqs, (s) => (s === DUPLICATE ? 'duplicate' : s));
    },
    query: async (q) => (await reader.call('query', [q])) as Awaited<ReturnType<EventStore['query']>>,
    histogram: async (q) => (await reader.call('histogram', [q])) as Awaited<ReturnType<EventStore['histogram']>>,
    count: async (f) => (await reader.call('count', [f])) as number,
    purge: async (kinds, before) => (await writer.call('purge', [[...kinds], before])) as number,
    lastSeq: async () => lastSeq.get() as number,
  };

  const d = new SqliteDevices(main);
  const devices: DeviceStore = {
    put: (device, now) => write('devices.put', device, now),
    get: async (id) => d.get(id),
    list: async () => d.list(),
    delete: (id) => write('devices.delete', id),
    revision: async () => d.revision(),
    setLiveness: (u) => write('devices.setLiveness', u),
  };

  const p = new SqlitePrincipals(main);
  const principals: PrincipalStore = {
    createUser: (u) => write('principals.createUser', u),
    getUserByName: async (name) => p.getUserByName(name),
    getUser: async (id) => p.getUser(id),
    listUsers: async () => p.listUsers(),
    updateUser: (id, patch) => write('principals.updateUser', id, patch),
    deleteUser: (id) => write('principals.deleteUser', id),
    createToken: (t) => write('principals.createToken', t),
    getTokenByHash: async (hash) => p.getTokenByHash(hash),
    listTokens: async () => p.listTokens(),
    revokeToken: (id, at) => write('principals.revokeToken', id, at),
    touchToken: (id, at) => write('principals.touchToken', id, at),
    createSession: (s) => write('principals.createSession', s),
    getSession: async (h) => p.getSession(h),
    touchSession: (h, at) => write('principals.touchSession', h, at),
    deleteSession: (h) => write('principals.deleteSession', h),
    deleteSessionsOfUser: (u) => write('principals.deleteSessionsOfUser', u),
    setDeviceSecret: (r) => write('principals.setDeviceSecret', r),
    getDeviceSecret: async (dev) => p.getDeviceSecret(dev),
    deleteDeviceSecret: (dev) => write('principals.deleteDeviceSecret', dev),
  };

  const k = new SqliteKv(main);
  const kv: KvStore = {
    get: async <T>(key: string) => k.get<T>(key),
    set: (key, value) => write('kv.set', key, value),
    delete: (key) => write('kv.delete', key),
    setIfAbsent: async <T>(key: string, value: T) => (await write('kv.setIfAbsent', key, value)) as T,
    add: (key, delta) => write('kv.add', key, delta),
    list: async <T>(prefix: string) => k.list<T>(prefix),
  };

  let closing: Promise<void> | null = null;
  return {
    events,
    devices,
    principals,
    kv,
    db,
    threads: () => workers.map((w) => ({ thread: w.name, busyMs: w.busyMs() })),
    size: () => {
      const pageSize = main.pragma('page_size', { simple: true }) as number;
      return {
        fileBytes: (main.pragma('page_count', { simple: true }) as number) * pageSize,
        freeBytes: (main.pragma('freelist_count', { simple: true }) as number) * pageSize,
        maxBytes: maxPages === null ? null : maxPages * PAGE_SIZE,
      };
    },
    close() {
      closing ??= (async () => {
        // The writer finishes every queued write (and purge) before it closes.
        await Promise.allSettled(workers.map((w) => w.close()));
        main.close();
      })();
      return closing;
    },
  };
}
