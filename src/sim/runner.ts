/**
 * Drives a generator against a sink at wall-clock pace: every tick it asks the generator for the
 * events due since the last tick, cuts them into batches and sends them with a bounded number of
 * requests in flight. It stops after `durationMs` or when `signal` aborts, waits for what is in
 * flight, and returns the tally. A sink error (hub gone, credential refused) ends the run.
 */
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { DeviceInput } from '../core/device.js';
import type { Generator } from './generator.js';
import type { Incident } from './incidents.js';
import type { SimEvent } from './sim-event.js';

export interface SendResult {
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: ReadonlyArray<{ readonly error: string }>;
}

/** Where simulated events go: a hub over HTTP (http-sink.ts) or in-process (the demo). */
export interface Sink {
  register(devices: readonly DeviceInput[]): Promise<void>;
  send(events: readonly SimEvent[]): Promise<SendResult>;
}

export interface RunStats {
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Rejections by error code (SPEC §3), for the summary. */
  rejectedBy: Record<string, number>;
  incidents: number;
  /** Milliseconds since the run started. */
  elapsedMs: number;
  /** Events sent per second over the run so far. */
  rate: number;
}

export interface RunOptions {
  readonly generator: Generator;
  readonly sink: Sink;
  readonly clock?: Clock;
  /** Stop after this long, ms; absent = until `signal` aborts. */
  readonly durationMs?: number;
  readonly signal?: AbortSignal;
  /** Pause between ticks, ms (default 100). */
  readonly tickMs?: number;
  /** Events per request (default 2,000; the hub takes up to 10,000 by default, SPEC §3). */
  readonly maxBatch?: number;
  /** Requests in flight at most (default 4). */
  readonly concurrency?: number;
  readonly onProgress?: (stats: Readonly<RunStats>) => void;
  readonly onIncident?: (incident: Incident) => void;
  /** Waits `ms` or until `signal` aborts; replaceable in tests. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function runSimulation(opts: RunOptions): Promise<RunStats> {
  const clock = opts.clock ?? systemClock;
  const sleep = opts.sleep ?? defaultSleep;
  const tickMs = opts.tickMs ?? 100;
  const maxBatch = opts.maxBatch ?? 2_000;
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const started = clock.now();
  const stats: RunStats = { sent: 0, accepted: 0, duplicates: 0, rejected: 0, rejectedBy: {}, incidents: 0, elapsedMs: 0, rate: 0 };
  const inFlight = new Set<Promise<void>>();
  // A holder, not a local: it is set from promise callbacks, which flow analysis does not see.
  const failed: { error: Error | null } = { error: null };

  const update = (): void => {
    stats.elapsedMs = clock.now() - started;
    stats.rate = stats.elapsedMs > 0 ? (stats.sent * 1000) / stats.elapsedMs : 0;
  };
  const dispatch = (batch: SimEvent[]): void => {
    const p: Promise<void> = opts.sink.send(batch).then(
      (r) => {
        stats.sent += batch.length;
        stats.accepted += r.accepted;
        stats.duplicates += r.duplicates;
        stats.rejected += r.rejected.length;
        for (const x of r.rejected) stats.rejectedBy[x.error] = (stats.rejectedBy[x.error] ?? 0) + 1;
      },
      (err: unknown) => {
        failed.error ??= err instanceof Error ? err : new Error(String(err));
      },
    );
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  const deadline = opts.durationMs !== undefined ? started + opts.durationMs : Infinity;
  for (;;) {
    const now = Math.min(clock.now(), deadline);
    const events = opts.generator.next(now);
    for (const incident of opts.generator.lastIncidents) {
      stats.incidents += 1;
      opts.onIncident?.(incident);
    }
    for (let i = 0; i < events.length && failed.error === null; i += maxBatch) {
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (failed.error === null) dispatch(events.slice(i, i + maxBatch));
    }
    update();
    opts.onProgress?.(stats);
    if (failed.error !== null || now >= deadline || opts.signal?.aborted) break;
    await sleep(Math.min(tickMs, Math.max(0, deadline - clock.now())), opts.signal);
  }
  await Promise.all(inFlight);
  update();
  opts.onProgress?.(stats);
  if (failed.error !== null) throw failed.error;
  return stats;
}
