/**
 * What the map needs for one viewport (issue 6 "the server sends only what the viewport needs"):
 * the devices inside a bounding box, or — when there are more than the map can usefully draw —
 * grid clusters. Cells are squares of `cellPx` screen pixels at the requested zoom in Web Mercator
 * (EPSG:3857, the projection Leaflet draws in), so clusters do not overlap on screen at any latitude.
 * A cell holding a single device returns that device instead of a cluster of one.
 *
 * `viewportAnswer` is the straightforward computation over a scan of the devices: the route uses it
 * when other filters (zone, type, status) apply, and it is the oracle the viewport index
 * (viewport-index.ts, what the map's own query reads) is tested against.
 */
import { ParapetError } from '../core/errors.js';
import { DEVICE_STATUSES, type Device, type DeviceStatus, type DeviceView } from '../core/device.js';
import { clusterGrid, gridCol, gridRow, mercatorX, mercatorY } from './viewport-grid.js';

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
  /** West, south, east, north of the devices in the box (what a map fits to), or null when none. */
  readonly bounds: readonly [number, number, number, number] | null;
}

export interface Viewport {
  readonly west: number;
  readonly south: number;
  readonly east: number;
  readonly north: number;
  /** Map zoom level (fractional allowed); the world is 256·2^zoom pixels wide. */
  readonly zoom: number;
}

/** Most devices sent raw; beyond it the answer is clustered. */
export const VIEWPORT_MAX_DEVICES = 2000;
/** Cluster cell edge, screen pixels. */
export const CLUSTER_CELL_PX = 64;

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

/** Whether a device has a position inside the box (edges included). */
export function inViewport(d: Pick<Device, 'lat' | 'lon'>, vp: Viewport): boolean {
  return d.lat !== null && d.lon !== null && d.lat >= vp.south && d.lat <= vp.north && d.lon >= vp.west && d.lon <= vp.east;
}

export function emptyStatus(): Record<DeviceStatus, number> {
  const s = {} as Record<DeviceStatus, number>;
  for (const k of DEVICE_STATUSES) s[k] = 0;
  return s;
}

/** A device as the registry's scan yields it: the record and its live status, no view built yet. */
export interface ScannedDevice {
  readonly device: Device;
  readonly status: DeviceStatus;
}

interface Cell {
  first: ScannedDevice;
  count: number;
  lat: number;
  lon: number;
  status: Record<DeviceStatus, number>;
}

/**
 * `view` builds the wire view of a device that is sent raw (few in the box, or alone in its cell);
 * the others only add to a cluster's counts, so 100,000 devices cost no 100,000 views.
 */
export function viewportAnswer(
  all: Iterable<ScannedDevice>,
  vp: Viewport,
  view: (s: ScannedDevice) => DeviceView | undefined,
  maxDevices = VIEWPORT_MAX_DEVICES,
  cellPx = CLUSTER_CELL_PX,
): ViewportAnswer {
  const inside: ScannedDevice[] = [];
  let [w, so, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const s of all) {
    const { lat, lon } = s.device;
    if (lat === null || lon === null || !inViewport(s.device, vp)) continue;
    inside.push(s);
    if (lon < w) w = lon;
    if (lon > e) e = lon;
    if (lat < so) so = lat;
    if (lat > n) n = lat;
  }
  const bounds = inside.length > 0 ? ([w, so, e, n] as const) : null;
  const views = (list: readonly ScannedDevice[]): DeviceView[] => list.flatMap((s) => view(s) ?? []);
  if (inside.length <= maxDevices) {
    inside.sort((a, b) => (a.device.id < b.device.id ? -1 : a.device.id > b.device.id ? 1 : 0));
    return { devices: views(inside), clusters: [], total: inside.length, clustered: false, bounds };
  }
  // Cells are indexed in a flat array over the box (small integers), not hashed.
  const g = clusterGrid(vp, cellPx);
  const grid: Array<Cell | undefined> = new Array<Cell | undefined>(g.cols * g.rows);
  for (const s of inside) {
    const lat = s.device.lat ?? 0;
    const lon = s.device.lon ?? 0;
    const key = gridRow(g, mercatorY(lat)) * g.cols + gridCol(g, mercatorX(lon));
    const c = grid[key];
    if (c) {
      c.count += 1;
      c.lat += lat;
      c.lon += lon;
      c.status[s.status] += 1;
    } else {
      const status = emptyStatus();
      status[s.status] = 1;
      grid[key] = { first: s, count: 1, lat, lon, status };
    }
  }
  const singles: ScannedDevice[] = [];
  const clusters: DeviceCluster[] = [];
  for (const c of grid) {
    if (c === undefined) continue;
    if (c.count === 1) singles.push(c.first);
    else clusters.push({ lat: c.lat / c.count, lon: c.lon / c.count, count: c.count, status: c.status });
  }
  return { devices: views(singles), clusters, total: inside.length, clustered: true, bounds };
}
