/**
 * What the map needs for one viewport (issue 6 "the server sends only what the viewport needs"):
 * the devices inside a bounding box, or — when there are more than the map can usefully draw —
 * grid clusters. Cells are squares of `cellPx` screen pixels at the requested zoom in Web Mercator
 * (EPSG:3857, the projection Leaflet draws in), so clusters do not overlap on screen at any latitude.
 * A cell holding a single device returns that device instead of a cluster of one.
 */
import { ParapetError } from '../core/errors.js';
import { DEVICE_STATUSES, type DeviceStatus, type DeviceView } from '../core/device.js';

export interface DeviceCluster {
  /** Mean position of the cluster's devices, degrees. */
  readonly lat: number;
  readonly lon: number;
  readonly count: number;
  /** Devices of each status in the cluster (the map colours a cluster by its worst). */
  readonly status: Readonly<Record<DeviceStatus, number>>;
}

export interface ViewportAnswer {
  readonly devices: DeviceView[];
  readonly clusters: DeviceCluster[];
  /** Devices with a position inside the box (clustered or not). */
  readonly total: number;
  readonly clustered: boolean;
}

export interface Viewport {
  readonly west: number;
  readonly south: number;
  readonly east: number;
  readonly north: number;
  /** Map zoom level (fractional allowed); the world is 256·2^zoom pixels wide. */
  readonly zoom: number;
}

/** Web Mercator's latitude limit, degrees. */
const MAX_LAT = 85.05112878;
/** Most devices sent raw; beyond it the answer is clustered. */
export const VIEWPORT_MAX_DEVICES = 2000;
/** Cluster cell edge, screen pixels. */
export const CLUSTER_CELL_PX = 64;
/** Most grid cells one answer may span (a 4K screen at 64 px cells is about 2,000). */
const MAX_CELLS = 4096;

/** Parses `bbox=w,s,e,n` (degrees) and `zoom`; 400 naming the problem. */
export function parseViewport(bbox: string, zoom: number | undefined): Viewport {
  const parts = bbox.split(',').map((s) => (s.trim() === '' ? Number.NaN : Number(s)));
  if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) {
    throw new ParapetError('invalid_query', 'bbox must be four numbers: west,south,east,north (degrees)');
  }
  const [west, south, east, north] = parts as [number, number, number, number];
  if (west < -180 || east > 180 || south < -90 || north > 90) throw new ParapetError('invalid_query', 'bbox lies outside -180..180, -90..90');
  if (west > east || south > north) throw new ParapetError('invalid_query', 'bbox must have west ≤ east and south ≤ north');
  if (zoom === undefined) throw new ParapetError('invalid_query', 'zoom is required with bbox');
  return { west, south, east, north, zoom };
}

/** Position on the Mercator world square, 0..1 both ways (y grows southwards). */
function project(lat: number, lon: number): [number, number] {
  const phi = (Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI) / 180;
  const x = (lon + 180) / 360;
  const y = (1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2;
  return [x, y];
}

function emptyStatus(): Record<DeviceStatus, number> {
  const s = {} as Record<DeviceStatus, number>;
  for (const k of DEVICE_STATUSES) s[k] = 0;
  return s;
}

interface Cell {
  first: DeviceView;
  count: number;
  lat: number;
  lon: number;
  status: Record<DeviceStatus, number>;
}

export function viewportAnswer(all: Iterable<DeviceView>, vp: Viewport, maxDevices = VIEWPORT_MAX_DEVICES, cellPx = CLUSTER_CELL_PX): ViewportAnswer {
  const inside: DeviceView[] = [];
  for (const d of all) {
    if (d.lat === null || d.lon === null) continue;
    if (d.lat >= vp.south && d.lat <= vp.north && d.lon >= vp.west && d.lon <= vp.east) inside.push(d);
  }
  if (inside.length <= maxDevices) {
    inside.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { devices: inside, clusters: [], total: inside.length, clustered: false };
  }
  // A box far larger than a screen at this zoom would give a huge grid: widen the cells so the
  // answer stays bounded (at most MAX_CELLS cells across the box).
  const [x0, y0] = project(vp.north, vp.west);
  const [x1, y1] = project(vp.south, vp.east);
  let cells = Math.max(1, (256 * 2 ** vp.zoom) / cellPx);
  const across = (x1 - x0) * cells * ((y1 - y0) * cells);
  if (across > MAX_CELLS) cells = cells / Math.sqrt(across / MAX_CELLS);
  const grid = new Map<number, Cell>();
  for (const d of inside) {
    const lat = d.lat ?? 0;
    const lon = d.lon ?? 0;
    const [x, y] = project(lat, lon);
    const key = Math.floor(x * cells) * 1e8 + Math.floor(y * cells);
    const c = grid.get(key);
    if (c) {
      c.count += 1;
      c.lat += lat;
      c.lon += lon;
      c.status[d.status] += 1;
    } else {
      const status = emptyStatus();
      status[d.status] = 1;
      grid.set(key, { first: d, count: 1, lat, lon, status });
    }
  }
  const devices: DeviceView[] = [];
  const clusters: DeviceCluster[] = [];
  for (const c of grid.values()) {
    if (c.count === 1) devices.push(c.first);
    else clusters.push({ lat: c.lat / c.count, lon: c.lon / c.count, count: c.count, status: c.status });
  }
  return { devices, clusters, total: inside.length, clustered: true };
}
