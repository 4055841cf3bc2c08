/**
 * The writer worker: the only connection of this process that writes the store's own sections.
 *
 * Group commit: appends that arrive while a transaction runs wait in the queue and are then stored
 * together in ONE transaction (up to MAX_GROUP_ROWS events), and each caller is answered after that
 * commit. Under load, transactions grow by themselves, which is what makes ingest cheap: the
 * per-device index pages a transaction dirties are written once per commit, not once per call.
 * Other writes (devices, principals, kv) keep their order relative to appends; a purge runs in
 * small steps between them (events-purge.ts).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { Transferable } from 'node:worker_threads';
import { openConnection, type Db } from './connection.js';
import { Names } from './names.js';
import { EventWriter } from './events-writer.js';
import { purgeSteps } from './events-purge.js';
import { SqliteDevices } from './devices.js';
import { SqlitePrincipals } from './principals.js';
import { SqliteKv } from './kv.js';
import { writerEnter, writerLeave, type GateCells } from './write-gate.js';
import { toWire, type RpcRequest, type WorkerMessage } from './rpc.js';
import type { EncodedBatch } from './batch.js';
import type { WriteOps } from './write-ops.js';

export interface WriterData {
  readonly file: string;
  readonly key: Uint8Array;
  readonly gate: GateCells;
  readonly cacheMiB: number;
  /** SQLite's max_page_count for this connection (SqliteStoreOptions.maxBytes); absent: no cap. */
  readonly maxPages?: number;
}

/**
 * Events per group transaction. CPU per event falls with transaction size (measured here: 17.6 µs
 * at 5,000, 11.5 at 20,000, 9.6 at 100,000) because the index pages an ingest transaction dirties —
 * about one per device — are written once per commit. The cap bounds how long a main-thread write
 * through `store.db` can wait for the writer (write-gate.ts): 50,000 events commit in ~0.5 s.
 */
const MAX_GROUP_ROWS = 50_000;

interface PurgeTask {
  readonly id: number;
  readonly steps: Generator<void, number, void>;
}

const port: MessagePort = (() => {
  if (!parentPort) throw new Error('writer-worker.ts runs only as a worker thread');
  return parentPort;
})();
const post = (m: WorkerMessage, transfer: readonly Transferable[] = []) => port.postMessage(m, transfer);

function start(data: WriterData): void {
  // The checkpoint worker copies the WAL into the file in the background; the writer checkpoints
  // itself only as a backstop, when the WAL passed ~64 MiB (the remainder is small by then).
  const db = openConnection({ file: data.file, key: Buffer.from(data.key), cacheMiB: data.cacheMiB, autoCheckpointPages: 8192, walLimitBytes: 64 << 20, ...(data.maxPages ? { maxPages: data.maxPages } : {}) });
  const events = new EventWriter(db, new Names(db));
  const ops = writeOps(db);
  const queue: RpcRequest[] = [];
  const purges: PurgeTask[] = [];
  let scheduled = false;
  let closed = false;

  const inGate = <T>(fn: () => T): T => {
    writerEnter(data.gate);
    try {
      return fn();
    } finally {
      writerLeave(data.gate);
    }
  };
  const reply = (id: number, value: unknown, transfer: readonly Transferable[] = []) => post({ kind: 'reply', id, ok: true, value }, transfer);
  const fail = (id: number, err: unknown) => post({ kind: 'reply', id, ok: false, error: toWire(err) });

  const runAppends = () => {
    const group: RpcRequest[] = [];
    let rows = 0;
    while (queue[0]?.op === 'append' && (group.length === 0 || rows + (queue[0].args[0] as EncodedBatch).n <= MAX_GROUP_ROWS)) {
      const req = queue.shift() as RpcRequest;
      group.push(req);
      rows += (req.args[0] as EncodedBatch).n;
    }
    try {
      const results = inGate(() => events.appendMany(group.map((r) => r.args[0] as EncodedBatch)));
      group.forEach((r, i) => {
        const seqs = results[i] as Float64Array;
        reply(r.id, seqs, [seqs.buffer as ArrayBuffer]);
      });
    } catch (err) {
      for (const r of group) fail(r.id, err);
    }
  };

  const runOne = (req: RpcRequest) => {
    if (req.op === 'purge') {
      const [kinds, before] = req.args as [string[], number];
      purges.push({ id: req.id, steps: purgeSteps(db, events, kinds, before) });
      return;
    }
    if (req.op === 'close') {
      closed = true;
      // Fold the WAL back into the file, so a closed store is one file at rest.
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
      reply(req.id, null);
      return;
    }
    const op = ops[req.op as keyof WriteOps] as ((...a: unknown[]) => unknown) | undefined;
    if (!op) return fail(req.id, new Error(`unknown store write ${req.op}`));
    try {
      reply(req.id, inGate(() => db.transaction(() => op(...req.args))()));
    } catch (err) {
      fail(req.id, err);
    }
  };

  const stepPurge = () => {
    const task = purges[0];
    if (!task) return;
    try {
      const r = inGate(() => events.purgeStep(task.steps));
      if (r.done) {
        purges.shift();
        reply(task.id, r.value);
        if (r.value > 0) post({ kind: 'log', message: `purge removed ${r.value} events` });
      }
    } catch (err) {
      purges.shift();
      fail(task.id, err);
    }
  };

  // One group (or one other write) and one purge step per turn of the event loop, so messages that
  // arrived meanwhile join the next group.
  const drain = () => {
    scheduled = false;
    if (closed) return;
    const head = queue[0];
    if (head?.op === 'append') runAppends();
    else if (head && (head.op !== 'close' || purges.length === 0)) runOne(queue.shift() as RpcRequest);
    if (!closed) stepPurge();
    if (!closed && (queue.length > 0 || purges.length > 0)) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(drain);
  };

  port.on('message', (req: RpcRequest) => {
    queue.push(req);
    schedule();
  });
}

function writeOps(db: Db): WriteOps {
  const devices = new SqliteDevices(db);
  const principals = new SqlitePrincipals(db);
  const kv = new SqliteKv(db);
  return {
    'devices.put': (d, now) => devices.put(d, now),
    'devices.delete': (id) => devices.delete(id),
    'devices.setLiveness': (u) => devices.setLiveness(u),
    'principals.createUser': (u) => principals.createUser(u),
    'principals.updateUser': (id, patch) => principals.updateUser(id, patch),
    'principals.deleteUser': (id) => principals.deleteUser(id),
    'principals.createToken': (t) => principals.createToken(t),
    'principals.revokeToken': (id, at) => principals.revokeToken(id, at),
    'principals.touchToken': (id, at) => principals.touchToken(id, at),
    'principals.createSession': (s) => principals.createSession(s),
    'principals.touchSession': (h, at) => principals.touchSession(h, at),
    'principals.deleteSession': (h) => principals.deleteSession(h),
    'principals.deleteSessionsOfUser': (u) => principals.deleteSessionsOfUser(u),
    'principals.setDeviceSecret': (r) => principals.setDeviceSecret(r),
    'principals.deleteDeviceSecret': (d) => principals.deleteDeviceSecret(d),
    'kv.set': (k, v) => kv.set(k, v),
    'kv.delete': (k) => kv.delete(k),
    'kv.setIfAbsent': (k, v) => kv.setIfAbsent(k, v),
    'kv.add': (k, d) => kv.add(k, d),
  };
}

try {
  start(workerData as WriterData);
  post({ kind: 'ready' });
} catch (err) {
  post({ kind: 'failed', error: toWire(err) });
}
