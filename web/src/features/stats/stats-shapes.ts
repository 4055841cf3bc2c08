/**
 * Reading the statistics answers (SPEC §3 `/stats/footfall`, `/stats/occupancy`; k-anonymous, §4.4).
 * A cell below k arrives `suppressed` with a null value and stays a gap here: the dashboard never
 * fills it in or sums around it.
 */
import type { StatsAnswer, StatsSeries } from '../../../../src/privacy/stats.js';

export type { StatsAnswer, StatsSeries };

export interface OccupancyRow {
  readonly site: string;
  readonly zone: string;
  readonly source: StatsSeries['source'];
  /** The latest published value; null when it was suppressed (fewer than k). */
  readonly count: number | null;
  /** Bucket start of that value (RFC 3339), null when the zone has no bucket. */
  readonly at: string | null;
}

export interface SeriesPoint {
  /** Epoch ms of the bucket start. */
  readonly t: number;
  readonly value: number | null;
}

export interface Series {
  readonly label: string;
  readonly points: readonly SeriesPoint[];
}

/**
 * Occupancy "now": each zone's latest bucket that holds a figure — a published count above zero,
 * or a suppressed one (camera and Wi-Fi counted separately). A bucket still filling with no
 * report yet (0) does not hide the last real figure; `at` says how old that figure is.
 */
export function occupancyRows(a: StatsAnswer): OccupancyRow[] {
  return a.series
    .filter((s) => s.zone !== null)
    .map((s) => {
      const last = [...s.buckets].reverse().find((b) => b.suppressed || (b.value ?? 0) > 0) ?? s.buckets[s.buckets.length - 1];
      return { site: s.site, zone: s.zone ?? '', source: s.source, count: last && !last.suppressed ? last.value : null, at: last?.t ?? null };
    });
}

export function seriesOf(a: StatsAnswer): Series[] {
  return a.series.map((s) => ({
    label: `${s.zone ?? s.site} (${s.source})`,
    points: s.buckets.map((b) => ({ t: Date.parse(b.t), value: b.suppressed ? null : b.value })),
  }));
}

/** Aligns several series on the union of their bucket times for uPlot (seconds on x). */
export function align(series: readonly Series[]): [number[], ...(number | null)[][]] {
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p.t)))].sort((a, b) => a - b);
  const idx = new Map(times.map((t, i) => [t, i]));
  const cols = series.map((s) => {
    const col: (number | null)[] = times.map(() => null);
    for (const p of s.points) {
      const i = idx.get(p.t);
      if (i !== undefined) col[i] = p.value;
    }
    return col;
  });
  return [times.map((t) => t / 1000), ...cols];
}
