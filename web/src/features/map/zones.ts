/**
 * The site plan without a plan file: each zone drawn as the convex hull of its devices' positions,
 * padded so a zone of one or two devices is still an area (Andrew's monotone chain, O(n log n)).
 */
import type { DeviceView } from '../../api.js';

export interface ZoneShape {
  readonly site: string;
  readonly zone: string;
  /** [lat, lon] ring. */
  readonly ring: ReadonlyArray<readonly [number, number]>;
  readonly center: readonly [number, number];
  /** Where the label goes: above the zone's northernmost edge, centred. */
  readonly top: readonly [number, number];
  readonly devices: number;
}

type P = readonly [number, number];

function cross(o: P, a: P, b: P): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

export function convexHull(points: readonly P[]): P[] {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length <= 2) return pts;
  const lower: P[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2] as P, lower[lower.length - 1] as P, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: P[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i] as P;
    while (upper.length >= 2 && cross(upper[upper.length - 2] as P, upper[upper.length - 1] as P, p) <= 0) upper.pop();
    upper.push(p);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/**
 * Zone outlines from the devices in view. `padDeg` grows the hull outwards from its centre (about
 * 25 m at 0.00025°) and gives lone devices a small square.
 */
export function zoneShapes(devices: readonly DeviceView[], padDeg = 0.00025): ZoneShape[] {
  const groups = new Map<string, { site: string; zone: string; pts: P[] }>();
  for (const d of devices) {
    if (d.zone === null || d.lat === null || d.lon === null) continue;
    const key = `${d.site}\u0000${d.zone}`;
    const g = groups.get(key) ?? { site: d.site, zone: d.zone, pts: [] };
    g.pts.push([d.lat, d.lon]);
    groups.set(key, g);
  }
  const out: ZoneShape[] = [];
  for (const g of groups.values()) {
    const c: P = [g.pts.reduce((s, p) => s + p[0], 0) / g.pts.length, g.pts.reduce((s, p) => s + p[1], 0) / g.pts.length];
    // Square corners around every point, so the hull has area and a margin.
    const padded: P[] = g.pts.flatMap((p) => [
      [p[0] - padDeg, p[1] - padDeg],
      [p[0] - padDeg, p[1] + padDeg],
      [p[0] + padDeg, p[1] - padDeg],
      [p[0] + padDeg, p[1] + padDeg],
    ] as P[]);
    const ring = convexHull(padded);
    const north = Math.max(...ring.map((p) => p[0]));
    out.push({ site: g.site, zone: g.zone, ring, center: c, top: [north, c[1]], devices: g.pts.length });
  }
  return out;
}
