/**
 * The HTTP load of (e) and (f1): for a set time, `concurrency` requests in flight, each of `batch`
 * events of the district stream (devices in a scrambled order, a counter per device, the request's
 * time as the events' time), tallied per device so the store can be checked afterwards.
 */
import { fmt, type BenchContext } from './measure.js';

/** A server's answer to one request: what it took, or why it took nothing. */
export type Answer =
  | { readonly ok: true; readonly accepted: number; readonly duplicates: number; readonly rejected: ReadonlyArray<{ readonly index: number }>; readonly firstRejection?: string }
  | { readonly ok: false; readonly error: string };

export interface LoadResult {
  /** Per device, the events the server took. */
  readonly expected: Uint32Array;
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
  /** Requests the server refused whole. */
  readonly failedRequests: number;
  /** Up to three errors or rejections, as the server gave them. */
  readonly errors: readonly string[];
  /** From the start to the last answer. */
  readonly ms: number;
  /** Event times sent: [minTs, maxTs]. */
  readonly minTs: number;
  readonly maxTs: number;
}

/**
 * Runs the load. `line(d, c, ts, n)` makes the event of device d numbered c of that device, at
 * time ts, number n of the whole stream; `send` posts one request's body (the lines joined by
 * newlines) of `events` events.
 */
export async function runLoad(ctx: BenchContext, label: string, line: (d: number, c: number, ts: number, n: number) => string, send: (body: string, events: number) => Promise<Answer>): Promise<LoadResult> {
  const o = ctx.opts;
  const expected = new Uint32Array(o.devices);
  const counters = new Uint32Array(o.devices);
  const errors: string[] = [];
  let next = 0;
  let accepted = 0;
  let duplicates = 0;
  let rejected = 0;
  let failedRequests = 0;
  let minTs = Infinity;
  let maxTs = -Infinity;
  const t0 = performance.now();
  const deadline = t0 + o.e2eSeconds * 1000;
  let lastAnswer = t0;
  const client = async () => {
    const devs = new Uint32Array(o.e2eBatch);
    while (performance.now() < deadline) {
      const ts = Date.now();
      minTs = Math.min(minTs, ts);
      maxTs = Math.max(maxTs, ts);
      const lines = new Array<string>(o.e2eBatch);
      for (let i = 0; i < o.e2eBatch; i++) {
        const n = next++;
        const d = (n * 7919) % o.devices;
        const c = counters[d] as number;
        counters[d] = c + 1;
        devs[i] = d;
        lines[i] = line(d, c, ts, n);
      }
      const a = await send(lines.join('\n'), lines.length);
      lastAnswer = performance.now();
      if (!a.ok) {
        failedRequests++;
        if (errors.length < 3) errors.push(a.error);
        continue;
      }
      accepted += a.accepted;
      duplicates += a.duplicates;
      rejected += a.rejected.length;
      const bad = new Set(a.rejected.map((r) => r.index));
      for (let i = 0; i < o.e2eBatch; i++) {
        const d = devs[i] as number;
        if (!bad.has(i)) expected[d] = (expected[d] as number) + 1;
      }
      if (a.firstRejection !== undefined && errors.length < 3) errors.push(a.firstRejection);
    }
  };
  const ticker = setInterval(() => {
    const s = (performance.now() - t0) / 1000;
    ctx.progress.update(`${label}: ${s.toFixed(0)} / ${o.e2eSeconds} s, ${fmt(accepted)} events accepted, ${fmt(accepted / s)} events/s`);
  }, 500);
  try {
    await Promise.all(Array.from({ length: o.e2eConcurrency }, () => client()));
  } finally {
    clearInterval(ticker);
  }
  return { expected, accepted, duplicates, rejected, failedRequests, errors, ms: lastAnswer - t0, minTs, maxTs };
}
