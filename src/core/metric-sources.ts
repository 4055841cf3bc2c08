/**
 * Extra `GET /metrics` lines from services that start after the HTTP app is built (the SIA DC-09
 * receiver, …): each registers a function giving its Prometheus text lines (HELP, TYPE, samples),
 * read at every scrape, and removes it when it stops.
 */
import { performance as nodePerformance } from 'node:perf_hooks';

export type MetricLines = () => readonly string[];

export class MetricSources {
  private readonly sources = new Set<MetricLines>();

  /** Returns the function that removes the source. */
  add(source: MetricLines): () => void {
    this.sources.add(source);
    return () => this.sources.delete(source);
  }

  lines(): string[] {
    return [...this.sources].flatMap((s) => s());
  }
}

/**
 * `parapet_thread_busy_seconds_total{thread}`: how long each of the hub's threads has been busy
 * (event-loop utilisation: running code, not waiting for work) — the main thread, and the store's
 * own threads when it has some. Its rate over a scrape interval is the thread's load (1 = saturated),
 * which tells an operator which thread limits ingest.
 */
export function threadLines(storeThreads: () => ReadonlyArray<{ readonly thread: string; readonly busyMs: number }>): string[] {
  const name = 'parapet_thread_busy_seconds_total';
  const threads = [{ thread: 'main', busyMs: nodePerformance.eventLoopUtilization().active }, ...storeThreads()];
  return [`# HELP ${name} Time each hub thread spent busy (event-loop utilisation), seconds.`, `# TYPE ${name} counter`, ...threads.map((t) => `${name}{thread="${t.thread}"} ${(t.busyMs / 1000).toFixed(3)}`)];
}

/** A Prometheus counter family with one label: `# HELP`, `# TYPE` and a sample per label value. */
export function counterLines(name: string, help: string, label: string, values: Readonly<Record<string, number>>): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} counter`, ...Object.entries(values).map(([k, v]) => `${name}{${label}="${k}"} ${v}`)];
}

/** `parapet_store_*_bytes` gauges from the store's size (store.ts `size`), so an operator can alert before it is full. */
export function storeSizeLines(size: { readonly fileBytes: number; readonly freeBytes: number; readonly maxBytes: number | null } | undefined): string[] {
  if (!size) return [];
  const gauge = (name: string, help: string, v: number) => [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${v}`];
  return [
    ...gauge('parapet_store_file_bytes', "Bytes the store's file takes.", size.fileBytes),
    ...gauge('parapet_store_free_bytes', 'Of those, free pages reused before the file grows.', size.freeBytes),
    ...(size.maxBytes === null ? [] : gauge('parapet_store_max_bytes', 'The cap the file may grow to (store.sqlite_max_mb); past it ingest answers 503.', size.maxBytes)),
  ];
}
