/**
 * The checkpoint worker: copies committed WAL frames back into the database file every few hundred
 * milliseconds (PASSIVE: it never blocks the writer or a reader). Left to the writer, that copy —
 * reading, re-encrypting and writing each page, then an fsync — took a quarter of its time at
 * every commit; here it overlaps with ingest, and the writer's own checkpoint (its backstop) finds
 * little left to do.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { openConnection } from './connection.js';
import { toWire, type RpcRequest, type WorkerMessage } from './rpc.js';

export interface CheckpointData {
  readonly file: string;
  readonly key: Uint8Array;
  readonly intervalMs: number;
}

const port: MessagePort = (() => {
  if (!parentPort) throw new Error('checkpoint-worker.ts runs only as a worker thread');
  return parentPort;
})();
const post = (m: WorkerMessage) => port.postMessage(m);

function start(data: CheckpointData): void {
  const db = openConnection({ file: data.file, key: Buffer.from(data.key), cacheMiB: 2, autoCheckpointPages: 0 });
  let failures = 0;
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
      failures = 0;
    } catch (err) {
      // Busy or I/O trouble: the writer's own checkpoint still bounds the WAL; say so once.
      if (failures++ === 0) post({ kind: 'log', message: `background checkpoint failed: ${toWire(err).message}` });
    }
  }, data.intervalMs);
  port.on('message', (req: RpcRequest) => {
    if (req.op !== 'close') return;
    clearInterval(timer);
    db.close();
    post({ kind: 'reply', id: req.id, ok: true, value: null });
  });
}

try {
  start(workerData as CheckpointData);
  post({ kind: 'ready' });
} catch (err) {
  post({ kind: 'failed', error: toWire(err) });
}
