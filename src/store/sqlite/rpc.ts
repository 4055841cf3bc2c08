/**
 * Request/reply between the main thread and the store's worker threads. Workers run the SQLite work
 * that can take long (ingest transactions, event scans), so the main thread keeps parsing HTTP
 * while they do. A worker that dies fails every pending and later call with its reason.
 */
import type { Transferable, Worker } from 'node:worker_threads';
import { spawnStoreWorker } from './worker-spawn.js';
import { ParapetError } from '../../core/errors.js';

export interface RpcRequest {
  readonly id: number;
  readonly op: string;
  readonly args: readonly unknown[];
}

export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

/** Worker → main messages. */
export type WorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'failed'; readonly error: WireError }
  | { readonly kind: 'log'; readonly message: string }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: false; readonly error: WireError };

export function toWire(err: unknown): WireError {
  if (err instanceof Error) {
    const code = 'code' in err && typeof err.code === 'string' ? err.code : undefined;
    return { name: err.name, message: err.message, ...(code ? { code } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

export class StoreWorkerError extends Error {
  readonly code: string | undefined;
  constructor(w: WireError) {
    super(w.message);
    this.name = w.name;
    this.code = w.code;
  }
}

interface Pending {
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
}

export class WorkerClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private dead: Error | null = null;
  private closing = false;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    private readonly label: string,
    private readonly log: (msg: string) => void,
    private readonly onDeath?: (why: string) => void,
  ) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (m: WorkerMessage) => this.onMessage(m));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.fail(new Error(`the store's ${label} worker exited (code ${code})`)));
  }

  /** How long the worker's event loop has been busy since it started, ms (its event-loop utilisation). */
  busyMs(): number {
    return this.worker.performance.eventLoopUtilization().active;
  }

  get name(): string {
    return this.label;
  }

  /** Spawns the worker and resolves once it opened its connection. */
  static async start(name: string, workerData: unknown, label: string, log: (msg: string) => void, onDeath?: (why: string) => void): Promise<WorkerClient> {
    const worker = await spawnStoreWorker(name, workerData);
    return new Promise((resolve, reject) => {
      const onMessage = (m: WorkerMessage) => {
        if (m.kind === 'ready') {
          cleanup();
          resolve(new WorkerClient(worker, label, log, onDeath));
        } else if (m.kind === 'failed') {
          cleanup();
          void worker.terminate();
          reject(new StoreWorkerError(m.error));
        }
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
    });
  }

  call(op: string, args: readonly unknown[], transfer: readonly Transferable[] = []): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const req: RpcRequest = { id, op, args };
      this.worker.postMessage(req, transfer);
    });
  }

  /** Asks the worker to finish and close its connection, then waits for the thread to end. */
  async close(): Promise<void> {
    this.closing = true;
    if (!this.dead) {
      try {
        await this.call('close', []);
      } finally {
        await this.worker.terminate();
      }
    }
    await this.exited;
  }

  private onMessage(m: WorkerMessage): void {
    if (m.kind === 'log') this.log(m.message);
    if (m.kind !== 'reply') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new StoreWorkerError(m.error));
  }

  private fail(err: Error): void {
    if (this.dead) return;
    // Callers hear 503 (the hub is stopping, a restart brings the store back), never an internal error.
    this.dead = new ParapetError('unavailable', `the hub's store stopped (its ${this.label} thread ended); send it again once the hub has restarted`);
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
    if (this.closing) return;
    this.log(`the store's ${this.label} worker stopped: ${err.message}`);
    // Every later call would fail: the store is of no more use to this process.
    this.onDeath?.(`the store's ${this.label} worker stopped (${err.message})`);
  }
}
