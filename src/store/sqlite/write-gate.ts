/**
 * Sharing the write lock between the writer worker and the main thread's handle (`store.db`, used
 * by the alerts and audit sections). SQLite's own busy wait would starve the main thread under
 * sustained ingest — the writer starts its next transaction microseconds after committing, while a
 * waiting connection sleeps milliseconds between tries. So the main thread announces a write
 * here; the writer does not begin another transaction until it is done, and the main thread waits
 * (at most the writer's current transaction) for the writer to be between transactions.
 *
 * Two Int32 cells in a SharedArrayBuffer, sequentially consistent: BUSY (writer inside a
 * transaction) and WANTS (main-thread writes waiting or running). Each side raises its own cell
 * before reading the other's, so they can never both proceed.
 */
import type { Db } from './connection.js';

const BUSY = 0;
const WANTS = 1;
/** Re-check period of a wait, ms; waits are woken by notify, this only bounds a missed wake-up. */
const POLL_MS = 50;

export type GateCells = Int32Array;

export function createGateCells(): GateCells {
  return new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
}

/** Writer side: call before BEGIN; returns once no main-thread write is waiting or running. */
export function writerEnter(g: GateCells): void {
  for (;;) {
    Atomics.store(g, BUSY, 1);
    const wants = Atomics.load(g, WANTS);
    if (wants === 0) return;
    Atomics.store(g, BUSY, 0);
    Atomics.notify(g, BUSY);
    Atomics.wait(g, WANTS, wants, POLL_MS);
  }
}

/** Writer side: call after COMMIT or ROLLBACK. */
export function writerLeave(g: GateCells): void {
  Atomics.store(g, BUSY, 0);
  Atomics.notify(g, BUSY);
}

export interface GatedStatement {
  readonly source: string;
  readonly readonly: boolean;
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface GatedTransaction<A extends unknown[], R> {
  (...args: A): R;
  deferred(...args: A): R;
  immediate(...args: A): R;
  exclusive(...args: A): R;
}

const BEGIN = /^\s*BEGIN\b/i;

/**
 * The main thread's handle as the alerts and audit sections see it: better-sqlite3's `prepare`,
 * `exec` and `transaction`, each write wrapped in the gate. A transaction opened with
 * `exec('BEGIN …')` holds the gate until the connection leaves the transaction.
 */
export class GatedDatabase {
  private held = false;

  constructor(
    private readonly raw: Db,
    private readonly cells: GateCells,
  ) {}

  prepare(sql: string): GatedStatement {
    const st = this.raw.prepare(sql);
    // SQLite calls BEGIN read-only; it must still take the gate, or a later write inside it could
    // wait for the writer while holding the lock the writer waits for.
    const write = !st.readonly || BEGIN.test(sql);
    return {
      source: st.source,
      readonly: st.readonly,
      run: (...p) => this.guard(write, () => st.run(...p)),
      get: (...p) => this.guard(write, () => st.get(...p)),
      all: (...p) => this.guard(write, () => st.all(...p)),
    };
  }

  exec(sql: string): this {
    this.guard(true, () => this.raw.exec(sql));
    return this;
  }

  transaction<A extends unknown[], R>(fn: (...args: A) => R): GatedTransaction<A, R> {
    const tx = this.raw.transaction(fn);
    const wrap =
      (run: (...args: A) => R) =>
      (...args: A): R =>
        this.guard(true, () => run(...args));
    return Object.assign(wrap(tx), {
      deferred: wrap((...a: A) => tx.deferred(...a)),
      immediate: wrap((...a: A) => tx.immediate(...a)),
      exclusive: wrap((...a: A) => tx.exclusive(...a)),
    });
  }

  get inTransaction(): boolean {
    return this.raw.inTransaction;
  }

  private guard<T>(write: boolean, fn: () => T): T {
    // Statements inside a transaction() wrapper run with the gate already taken by the wrapper.
    const enter = write && !this.held && !this.raw.inTransaction;
    if (enter) this.enter();
    try {
      return fn();
    } finally {
      if (enter) {
        if (this.raw.inTransaction) this.held = true;
        else this.leave();
      } else if (this.held && !this.raw.inTransaction) {
        this.held = false;
        this.leave();
      }
    }
  }

  private enter(): void {
    Atomics.add(this.cells, WANTS, 1);
    while (Atomics.load(this.cells, BUSY) === 1) Atomics.wait(this.cells, BUSY, 1, POLL_MS);
  }

  private leave(): void {
    Atomics.sub(this.cells, WANTS, 1);
    Atomics.notify(this.cells, WANTS);
  }
}
