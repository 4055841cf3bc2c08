/**
 * Runs a district simulation with the operator watching: progress on standard error (one updating
 * line on a terminal, plain lines otherwise), incidents as notes, Ctrl-C / SIGTERM as a clean stop.
 * Shared by `parapet simulate` (HTTP sink) and `parapet demo` (in-process sink).
 */
import type { CliContext } from './context.js';
import { createProgress, formatStats } from './progress.js';
import type { Generator } from '../sim/generator.js';
import { runSimulation, type RunStats, type Sink } from '../sim/runner.js';

export interface SessionOptions {
  readonly generator: Generator;
  readonly sink: Sink;
  readonly durationMs?: number;
  readonly maxBatch?: number;
  readonly concurrency?: number;
  readonly tickMs?: number;
  /** Stops the session from outside (the demo stops it before closing the hub). */
  readonly signal?: AbortSignal;
  readonly showIncidents?: boolean;
}

export interface SessionResult {
  readonly stats: RunStats;
  /** Set when the run ended on a sink failure; `stats` then holds what was done before it. */
  readonly error: Error | null;
}

export async function runSession(ctx: CliContext, opts: SessionOptions): Promise<SessionResult> {
  const progress = createProgress(ctx.stderr);
  const stop = new AbortController();
  const unsubscribe = ctx.onSignal(() => stop.abort());
  opts.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  let latest: RunStats = { sent: 0, accepted: 0, duplicates: 0, rejected: 0, rejectedBy: {}, incidents: 0, elapsedMs: 0, rate: 0 };
  try {
    const stats = await runSimulation({
      generator: opts.generator,
      sink: opts.sink,
      signal: stop.signal,
      ...(opts.durationMs !== undefined ? { durationMs: opts.durationMs } : {}),
      ...(opts.maxBatch !== undefined ? { maxBatch: opts.maxBatch } : {}),
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      ...(opts.tickMs !== undefined ? { tickMs: opts.tickMs } : {}),
      onProgress: (s) => {
        latest = { ...s, rejectedBy: { ...s.rejectedBy } };
        progress.update(formatStats(s));
      },
      onIncident: (i) => {
        if (opts.showIncidents !== false) progress.note(`incident: ${i.summary}`);
      },
    });
    return { stats, error: null };
  } catch (err) {
    return { stats: latest, error: err instanceof Error ? err : new Error(String(err)) };
  } finally {
    progress.done();
    unsubscribe();
  }
}
