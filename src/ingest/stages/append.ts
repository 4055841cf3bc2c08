/**
 * Stage `append`: group commit. Concurrent ingest calls (HTTP requests, MQTT publishes) are merged
 * into one store transaction of up to `maxBatch` events, flushed at most `delayMs` after the first
 * waiting event. Flushes are strictly sequential, so seqs and liveness stay ordered. A caller's
 * promise resolves only after its transaction committed (SPEC §7: acknowledged = durable).
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
  /** Liveness to write with the batch. */
  liveness(events: readonly SafeEvent[]): LivenessUpdate[];
  /** After the commit, before callers are answered. Must not throw (failures are contained by the caller). */
  committed(events: readonly SafeEvent[], results: readonly AppendResult[], liveness: readonly LivenessUpdate[]): Promise<void>;
}

export class Committer {
  private queue: Waiter[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly hooks: CommitHooks,
    private readonly maxBatch: number,
    private readonly delayMs: number,
  ) {}

  submit(events: readonly SafeEvent[], touches: readonly SafeEvent[] = []): Promise<AppendResult[]> {
    if (events.length === 0 && touches.length === 0) return Promise.resolve([]);
    return new Promise<AppendResult[]>((resolve, reject) => {
      this.queue.push({ events, touches, resolve, reject });
      this.queued += events.length;
      if (this.queued >= this.maxBatch) this.kick();
      else if (!this.timer) this.timer = setTimeout(() => this.kick(), this.delayMs);
    });
  }

  /** Resolves once everything submitted so far is committed. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.flushing) {
      this.kick();
      await this.flushing;
    }
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = null;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async flush(): Promise<void> {
    const take: Waiter[] = [];
    let n = 0;
    while (this.queue.length > 0 && (n === 0 || n + (this.queue[0]?.events.length ?? 0) <= this.maxBatch)) {
      const w = this.queue.shift();
      if (!w) break;
      take.push(w);
      n += w.events.length;
    }
    this.queued -= n;
    const all: SafeEvent[] = [];
    const seen: SafeEvent[] = [];
    for (const w of take) for (const e of w.events) all.push(e);
    for (const w of take) for (const e of w.touches) seen.push(e);
    let results: AppendResult[];
    let liveness: LivenessUpdate[];
    try {
      liveness = this.hooks.liveness(seen.length ? [...all, ...seen] : all);
      results = await this.store.append(all, liveness);
    } catch (err) {
      for (const w of take) w.reject(err);
      return;
    }
    await this.hooks.committed(all, results, liveness);
    let at = 0;
    for (const w of take) {
      w.resolve(results.slice(at, at + w.events.length));
      at += w.events.length;
    }
  }
}
