/**
 * Extra `GET /metrics` lines from services that start after the HTTP app is built (the SIA DC-09
 * receiver, …): each registers a function giving its Prometheus text lines (HELP, TYPE, samples),
 * read at every scrape, and removes it when it stops.
 */
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

/** A Prometheus counter family with one label: `# HELP`, `# TYPE` and a sample per label value. */
export function counterLines(name: string, help: string, label: string, values: Readonly<Record<string, number>>): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} counter`, ...Object.entries(values).map(([k, v]) => `${name}{${label}="${k}"} ${v}`)];
}
