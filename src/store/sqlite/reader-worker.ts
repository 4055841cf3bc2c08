/**
 * The reader worker: event queries, histograms and counts on their own read connection. WAL
 * readers never block the writer or each other, and running here keeps a long scan off the main
 * thread (which keeps answering HTTP) and off the writer (which keeps committing).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { openConnection } from './connection.js';
import { EventReader } from './events-reader.js';
import { toWire, type RpcRequest, type WorkerMessage } from './rpc.js';
import type { EventFilter, EventQuery, HistogramQuery } from '../store.js';

export interface ReaderData {
  readonly file: string;
  readonly key: Uint8Array;
  readonly cacheMiB: number;
}

const port: MessagePort = (() => {
  if (!parentPort) throw new Error('reader-worker.ts runs only as a worker thread');
  return parentPort;
})();
const post = (m: WorkerMessage) => port.postMessage(m);

function start(data: ReaderData): void {
  const db = openConnection({ file: data.file, key: Buffer.from(data.key), cacheMiB: data.cacheMiB, autoCheckpointPages: 0 });
  const reader = new EventReader(db);
  const ops: Record<string, (arg: never) => unknown> = {
    query: (q: EventQuery) => reader.query(q),
    histogram: (q: HistogramQuery) => reader.histogram(q),
    count: (f: EventFilter) => reader.count(f),
  };
  port.on('message', (req: RpcRequest) => {
    if (req.op === 'close') {
      db.close();
      post({ kind: 'reply', id: req.id, ok: true, value: null });
      return;
    }
    try {
      const op = ops[req.op];
      if (!op) throw new Error(`unknown store read ${req.op}`);
      post({ kind: 'reply', id: req.id, ok: true, value: op(req.args[0] as never) });
    } catch (err) {
      post({ kind: 'reply', id: req.id, ok: false, error: toWire(err) });
    }
  });
}

try {
  start(workerData as ReaderData);
  post({ kind: 'ready' });
} catch (err) {
  post({ kind: 'failed', error: toWire(err) });
}
