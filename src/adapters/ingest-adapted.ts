/**
 * Runs an adapter's result through the one ingest pipeline (STYLE §4, §6) and merges the answer
 * with what the adapter itself refused and dropped. The answer has the shape of POST /events
 * (SPEC §3) plus `dropped`; each rejection names where it came from in the vendor payload (`at`)
 * and, when it reached the pipeline, its `index` among the events the adapter produced.
 */
import type { ErrorCode } from '../core/errors.js';
import type { IngestPipeline } from '../ingest/pipeline.js';
import type { Principal } from '../auth/principal.js';
import type { AdapterDrop, AdapterResult } from './adapter-kit.js';

export interface AdaptedRejection {
  /** Index among the events handed to the pipeline; null when the adapter refused the item itself. */
  readonly index: number | null;
  readonly at: string;
  readonly error: ErrorCode;
  readonly detail: string;
}

export interface AdaptedAnswer {
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: AdaptedRejection[];
  readonly dropped: AdapterDrop[];
}

export async function ingestAdapted(pipeline: Pick<IngestPipeline, 'ingest'>, result: AdapterResult, principal: Principal): Promise<AdaptedAnswer> {
  const rejected: AdaptedRejection[] = result.refused.map((r) => ({ index: null, at: r.at, error: r.error, detail: r.detail }));
  let accepted = 0;
  let duplicates = 0;
  if (result.items.length > 0) {
    const out = await pipeline.ingest(
      result.items.map((i) => i.input),
      { principal },
    );
    accepted = out.accepted;
    duplicates = out.duplicates;
    for (const r of out.rejected) rejected.push({ index: r.index, at: result.items[r.index]?.at ?? '', error: r.error, detail: r.detail });
  }
  return { accepted, duplicates, rejected, dropped: [...result.dropped] };
}

/** True when something was sent and nothing of it was kept: the HTTP answer takes the first error's status. */
export function nothingKept(a: AdaptedAnswer): boolean {
  return a.accepted === 0 && a.duplicates === 0 && a.rejected.length > 0;
}

/** A log line's worth: codes and counts only, never details (which may name devices or fields). */
export function summary(a: AdaptedAnswer): Record<string, number> {
  const out: Record<string, number> = { accepted: a.accepted, duplicates: a.duplicates };
  for (const r of a.rejected) out[`rejected.${r.error}`] = (out[`rejected.${r.error}`] ?? 0) + 1;
  for (const d of a.dropped) out[`dropped.${d.reason}`] = (out[`dropped.${d.reason}`] ?? 0) + 1;
  return out;
}
