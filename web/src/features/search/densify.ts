import type uPlot from 'uplot';

/**
 * The histogram answers only buckets holding events; the chart wants every bucket of the period
 * (zeros included) so bars sit at their time and the axis spans the query.
 */
export function densify(buckets: ReadonlyArray<{ t: string; count: number }>, intervalMs: number, from: number, to: number): { data: uPlot.AlignedData; range: [number, number] } {
  const counts = new Map(buckets.map((b) => [Date.parse(b.t), b.count]));
  const first = Math.min(Math.floor(from / intervalMs) * intervalMs, ...counts.keys());
  const last = Math.max(to, ...counts.keys());
  const xs: number[] = [];
  const ys: number[] = [];
  // Bounded: the hub refuses more than 10,000 buckets per histogram.
  for (let t = first; t <= last && xs.length < 10_001; t += intervalMs) {
    xs.push(t / 1000);
    ys.push(counts.get(t) ?? 0);
  }
  return { data: [xs, ys], range: [first / 1000, (last + intervalMs) / 1000] };
}
