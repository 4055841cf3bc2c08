/**
 * What the map needs for one viewport (issue 6 "the server sends only what the viewport needs"):
 * the devices inside a bounding box, or — when there are more than the map can usefully draw —
 * grid clusters. Cells are squares of `cellPx` screen pixels at the requested zoom in Web Mercator
 * (EPSG:3857, the projection Leaflet draws in), so clusters do not overlap on screen at any latitude.
 * A cell holding a single device returns that device instead of a cluster of one.
 */
import { ParapetError } from '../core/errors.js';
import { DEVICE_STATUSES, type Device, type DeviceStatus, type DeviceView } from '../core/device.js';

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

/** Whether a device has a position inside the box (edges included). */
export function inViewport(d: Pick<Device, 'lat' | 'lon'>, vp: Viewport): boolean {
  return d.lat !== null && d.lon !== null && d.lat >= vp.south && d.lat <= vp.north && d.lon >= vp.west && d.lon <= vp.east;
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
  // A box far larger than a screen at this zoom would give a huge grid: widen the cells so the
  // answer stays bounded (at most MAX_CELLS cells across the box).
  const [x0, y0] = project(vp.north, vp.west);
  const [x1, y1] = project(vp.south, vp.east);
  let cells = Math.max(1, (256 * 2 ** vp.zoom) / cellPx);
  const across = (x1 - x0) * cells * ((y1 - y0) * cells);
  if (across > MAX_CELLS) cells = cells / Math.sqrt(across / MAX_CELLS);
  // Cells are indexed in a flat array over the box (small integers), not hashed: this loop runs
  // once per device in view, 100,000 times for a city.
  const col0 = Math.floor(x0 * cells);
  const row0 = Math.floor(y0 * cells);
  const cols = Math.floor(x1 * cells) - col0 + 1;
  const rows = Math.floor(y1 * cells) - row0 + 1;
  const grid: Array<Cell | undefined> = new Array<Cell | undefined>(cols * rows);
  for (const s of inside) {
    const lat = s.device.lat ?? 0;
    const lon = s.device.lon ?? 0;
    const phi = (Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI) / 180;
    const x = (lon + 180) / 360;
    const y = (1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2;
    const col = Math.min(cols - 1, Math.max(0, Math.floor(x * cells) - col0));
    const row = Math.min(rows - 1, Math.max(0, Math.floor(y * cells) - row0));
    const key = row * cols + col;
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
