/**
 * Stage `append`: group commit. Concurrent ingest calls (HTTP requests, MQTT publishes) are merged
 * into store appends of up to `maxBatch` events. A caller's promise resolves only after its append
 * committed (SPEC §7: acknowledged = durable).
 *
 * Up to `maxInFlight` appends are outstanding at once, so the store commits one group while the
 * hub decodes and validates the next: with a single append in flight the two took turns, each idle
 * half the time. When the store is idle, waiting events are flushed `delayMs` after the first of
 * them arrived (a short wait lets concurrent callers share a transaction); when an append completes
 * and events are waiting, the next append starts at once.
 *
 * Order is kept although appends overlap: the store commits appends in the order they were made
 * (one writer), the `committed` hook runs for each append in that order and only after the
 * previous one's finished, and callers are answered after their append's hook. Liveness for an
 * append is computed when it starts; the registry counts the appends still in flight
 * (`DeviceRegistry.livenessFor`), so each append's liveness builds on the one before it.
 */
import type { SafeEvent } from '../../core/event.js';
import type { AppendResult, EventStore, LivenessUpdate } from '../../store/store.js';

interface Waiter {
  readonly events: readonly SafeEvent[];
  /** Events that are not stored but still prove their device alive (diverted Wi-Fi sightings). */
  readonly touches: readonly SafeEvent[];
  readonly resolve: (r: AppendResult[]) => void;
  readonly reject: (err: unknown) => void;
}

export interface CommitHooks {
  /** Liveness to write with an append, computed when the append starts. */
  liveness(events: readonly SafeEvent[]): LivenessUpdate[];
  /** After the commit, before callers are answered; called in append order. Must not throw. */
  committed(events: readonly SafeEvent[], results: readonly AppendResult[], liveness: readonly LivenessUpdate[]): Promise<void>;
  /** The append failed: its liveness was never stored. */
  abandoned?(liveness: readonly LivenessUpdate[]): void;
}

export interface CommitterOptions {
  /** Most events in one append. */
  readonly maxBatch: number;
  /** How long the first waiting event waits for company when the store is idle, ms. */
  readonly delayMs: number;
  /** Appends outstanding at once (1 = strictly one after the other). */
  readonly maxInFlight: number;
}

export class Committer {
  private queue: Waiter[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  /** Resolves when every append started so far has run its hook and answered its callers. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: EventStore,
    private readonly hooks: CommitHooks,
    private readonly o: CommitterOptions,
  ) {
    if (!(o.maxInFlight >= 1)) throw new RangeError('maxInFlight must be at least 1');
  }

  submit(events: readonly SafeEvent[], touches: readonly SafeEvent[] = []): Promise<AppendResult[]> {
    if (events.length === 0 && touches.length === 0) return Promise.resolve([]);
    return new Promise<AppendResult[]>((resolve, reject) => {
      this.queue.push({ events, touches, resolve, reject });
      this.queued += events.length;
      if (this.queued >= this.o.maxBatch || this.inFlight > 0) this.kick();
      else if (!this.timer) this.timer = setTimeout(() => this.kick(), this.o.delayMs);
    });
  }

  /** Resolves once everything submitted so far is committed and answered. */
  async drain(): Promise<void> {
    for (;;) {
      this.kick();
      const idle = this.queue.length === 0 && this.inFlight === 0;
      await this.tail;
      if (idle && this.queue.length === 0 && this.inFlight === 0) return;
    }
  }

  /** Appends outstanding now (for metrics and tests). */
  get outstanding(): number {
    return this.inFlight;
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.inFlight < this.o.maxInFlight && this.queue.length > 0) this.start();
  }

  private take(): Waiter[] {
    const take: Waiter[] = [];
    let n = 0;
    while (this.queue.length > 0 && (n === 0 || n + (this.queue[0]?.events.length ?? 0) <= this.o.maxBatch)) {
      const w = this.queue.shift();
      if (!w) break;
      take.push(w);
      n += w.events.length;
    }
    this.queued -= n;
    return take;
  }

  private start(): void {
    const take = this.take();
    const all: SafeEvent[] = [];
    const seen: SafeEvent[] = [];
    for (const w of take) for (const e of w.events) all.push(e);
    for (const w of take) for (const e of w.touches) seen.push(e);
    this.inFlight++;
    let liveness: LivenessUpdate[] = [];
    let appended: Promise<AppendResult[]>;
    try {
      liveness = this.hooks.liveness(seen.length ? [...all, ...seen] : all);
      appended = this.store.append(all, liveness);
    } catch (err) {
      appended = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    // The store answers appends in order; the hook and the answers are chained after the previous
    // append's, so `events.stored` and status changes keep commit order even when appends overlap.
    // The chain never rejects: a failed append rejects its own callers only.
    const previous = this.tail;
    this.tail = (async () => {
      let results: AppendResult[] = [];
      let failure: { err: unknown } | null = null;
      try {
        results = await appended;
      } catch (err) {
        failure = { err };
      }
      // The store is done with this append: the next may start while the hooks run.
      this.inFlight--;
      if (this.queue.length > 0) this.kick();
      await previous;
      if (failure) {
        try {
          this.hooks.abandoned?.(liveness);
        } finally {
          for (const w of take) w.reject(failure.err);
        }
        return;
      }
      try {
        await this.hooks.committed(all, results, liveness);
      } finally {
        let at = 0;
        for (const w of take) {
          w.resolve(results.slice(at, at + w.events.length));
          at += w.events.length;
        }
      }
    })().catch(() => {
      // A hook broke its contract and threw; the callers were answered above all the same.
    });
  }
}
