/**
 * A plausible district around one site: cameras, plate-reader gates, doors, fire-panel points,
 * air-quality sensors, Wi-Fi counters and smart meters, placed in zones on a map. Pure and
 * seedable: the same options give the same district. The device records are exactly the registry's
 * `DeviceInput` (SPEC §2), so they can be PUT as they are; what the simulator needs beyond that
 * (door label, fire point kind, capacity …) lives beside them in `SimUnit`.
 */
import type { DeviceInput, DeviceType } from '../core/device.js';
import { createRng, deriveSeed, type Rng } from './rng.js';

export interface ZoneSpec {
  readonly name: string;
  readonly label: string;
  /** Offset from the site centre, metres east and north. */
  readonly east: number;
  readonly north: number;
  /** Device types that make sense in this zone. */
  readonly types: readonly DeviceType[];
  /** People the zone holds comfortably (camera.occupancy scales to this). */
  readonly capacity: number;
  /** Zones where presence at night is an intrusion. */
  readonly restricted: boolean;
}

/** The harbour district's zones (a waterfront near 38.768, -9.095). */
export const HARBOUR_ZONES: readonly ZoneSpec[] = [
  { name: 'gate-north', label: 'Gate north', east: 0, north: 350, types: ['camera', 'lpr', 'access', 'wifi'], capacity: 60, restricted: false },
  { name: 'gate-south', label: 'Gate south', east: -60, north: -420, types: ['camera', 'lpr', 'access'], capacity: 40, restricted: false },
  { name: 'quay', label: 'Quay', east: 260, north: 10, types: ['camera', 'fire', 'env', 'wifi'], capacity: 400, restricted: false },
  { name: 'plaza', label: 'Plaza', east: -90, north: 60, types: ['camera', 'wifi', 'env', 'meter'], capacity: 600, restricted: false },
  { name: 'promenade', label: 'Promenade', east: 210, north: 260, types: ['camera', 'wifi', 'env', 'meter'], capacity: 800, restricted: false },
  { name: 'car-park', label: 'Car park', east: -310, north: 210, types: ['camera', 'lpr', 'meter', 'fire', 'env'], capacity: 120, restricted: false },
  { name: 'warehouse-a', label: 'Warehouse A', east: -260, north: -160, types: ['camera', 'access', 'fire', 'meter'], capacity: 50, restricted: true },
  { name: 'warehouse-b', label: 'Warehouse B', east: -160, north: -310, types: ['camera', 'access', 'fire', 'meter'], capacity: 50, restricted: true },
  { name: 'office-block', label: 'Office block', east: 60, north: -150, types: ['camera', 'access', 'fire', 'meter', 'wifi', 'env'], capacity: 250, restricted: false },
];

export type FirePointKind = 'sprinkler' | 'smoke' | 'manual';

export interface SimUnit {
  readonly device: Required<DeviceInput> & { zone: string; lat: number; lon: number; name: string };
  readonly zone: ZoneSpec;
  /** The door, fire point or counting line this device reports as (`data.door`, `data.point`, `data.line`). */
  readonly label: string;
  readonly firePoint: FirePointKind | null;
  /** Runs on a battery and reports its charge (device.battery). */
  readonly battery: boolean;
  /** Plate readers face one way: vehicles coming in or going out. */
  readonly direction: 'in' | 'out';
}

export interface District {
  readonly site: string;
  readonly center: { readonly lat: number; readonly lon: number };
  /** Minutes east of UTC of the site's local time (rhythms follow local hours). */
  readonly utcOffsetMin: number;
  readonly seed: number;
  readonly zones: readonly ZoneSpec[];
  readonly units: readonly SimUnit[];
  /** The registry records, in the order they should be registered. */
  readonly devices: readonly DeviceInput[];
  /** A plate that turns up now and then: the one an operator might put on a watchlist. */
  readonly watchPlate: string;
  /** Credentials issued in the district (card numbers); some are revoked. */
  readonly credentials: readonly string[];
  readonly revokedCredentials: readonly string[];
  /** Plates of regular vehicles (commuters, deliveries). */
  readonly regularPlates: readonly string[];
}

export interface DistrictOptions {
  /** Number of devices (default 60). */
  readonly devices?: number;
  readonly seed?: number;
  readonly site?: string;
  readonly center?: { readonly lat: number; readonly lon: number };
  readonly utcOffsetMin?: number;
}

export const DEFAULT_CENTER = { lat: 38.768, lon: -9.095 } as const;

/** Types in the order the first devices get them, so even a small district has one of each. */
const TYPE_ORDER: readonly DeviceType[] = ['camera', 'lpr', 'access', 'fire', 'env', 'wifi', 'meter'];
/** Share of each type in a larger district. */
const TYPE_SHARE: Readonly<Record<string, number>> = { camera: 0.28, lpr: 0.07, access: 0.15, fire: 0.14, env: 0.1, wifi: 0.1, meter: 0.16 };
const ID_PREFIX: Readonly<Record<string, string>> = { camera: 'cam', lpr: 'lpr', access: 'door', fire: 'fire', env: 'aq', wifi: 'wifi', meter: 'meter' };
/** Expected heartbeat period per type, seconds. */
export const HEARTBEAT_S: Readonly<Record<string, number>> = { camera: 60, lpr: 60, access: 120, fire: 300, env: 300, wifi: 300, meter: 900 };

const METRES_PER_DEGREE = 111_320;

function assignTypes(n: number): DeviceType[] {
  const out: DeviceType[] = TYPE_ORDER.slice(0, Math.min(n, TYPE_ORDER.length));
  // Largest-credit round robin: deterministic and close to TYPE_SHARE at every size.
  const credit = new Map<DeviceType, number>(TYPE_ORDER.map((t) => [t, 0]));
  while (out.length < n) {
    let best: DeviceType = 'camera';
    let bestCredit = -Infinity;
    for (const t of TYPE_ORDER) {
      const c = (credit.get(t) ?? 0) + (TYPE_SHARE[t] ?? 0);
      credit.set(t, c);
      if (c > bestCredit) {
        bestCredit = c;
        best = t;
      }
    }
    credit.set(best, bestCredit - 1);
    out.push(best);
  }
  return out;
}

function plate(rng: Rng): string {
  // Portuguese format since 2020: AA-00-AA.
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVXZ';
  const l = () => letters.charAt(rng.int(0, letters.length - 1));
  const d = () => String(rng.int(0, 9));
  return `${l()}${l()}-${d()}${d()}-${l()}${l()}`;
}

function describe(type: DeviceType, index: number, zone: ZoneSpec, firePoint: FirePointKind | null, direction: 'in' | 'out'): string {
  switch (type) {
    case 'camera':
      return `Camera ${index} · ${zone.label}`;
    case 'lpr':
      return `Plate reader ${index} · ${zone.label} (${direction === 'in' ? 'entry' : 'exit'})`;
    case 'access':
      return `Door ${index} · ${zone.label}`;
    case 'fire':
      return `${firePoint === 'sprinkler' ? 'Sprinkler flow switch' : firePoint === 'smoke' ? 'Smoke detector' : 'Manual call point'} ${index} · ${zone.label}`;
    case 'env':
      return `Air-quality sensor ${index} · ${zone.label}`;
    case 'wifi':
      return `Wi-Fi counter ${index} · ${zone.label}`;
    case 'meter':
      return `Smart meter ${index} · ${zone.label}`;
    default:
      return `Device ${index} · ${zone.label}`;
  }
}

function labelFor(type: DeviceType, index: number, zone: ZoneSpec, firePoint: FirePointKind | null): string {
  const n = String(index).padStart(2, '0');
  switch (type) {
    case 'access':
      return `${zone.name}-door-${n}`;
    case 'fire':
      return `${firePoint === 'sprinkler' ? 'SPK' : firePoint === 'smoke' ? 'SD' : 'MCP'}-${n}`;
    case 'camera':
      return `${zone.name}-line-${n}`;
    default:
      return `${zone.name}-${n}`;
  }
}

export function createDistrict(opts: DistrictOptions = {}): District {
  const count = opts.devices ?? 60;
  if (!Number.isInteger(count) || count < 1 || count > 100_000) throw new RangeError(`devices must be an integer from 1 to 100000, got ${count}`);
  const seed = opts.seed ?? 1;
  const site = opts.site ?? 'harbour';
  const center = opts.center ?? DEFAULT_CENTER;
  const rng = createRng(deriveSeed(seed, 'district'));
  const zones = HARBOUR_ZONES;
  const types = assignTypes(count);
  const perType = new Map<DeviceType, number>();
  const width = count >= 1000 ? 4 : 3;
  const units: SimUnit[] = [];
  const firePoints: readonly FirePointKind[] = ['sprinkler', 'smoke', 'manual'];
  for (const type of types) {
    const index = (perType.get(type) ?? 0) + 1;
    perType.set(type, index);
    const candidates = zones.filter((z) => z.types.includes(type));
    const zone = candidates[(index - 1) % candidates.length] ?? zones[0];
    if (!zone) throw new Error('the district has no zones');
    const firePoint = type === 'fire' ? (firePoints[(index - 1) % firePoints.length] ?? 'smoke') : null;
    const direction: 'in' | 'out' = index % 2 === 1 ? 'in' : 'out';
    // Scatter devices within ~60 m of their zone's centre.
    const east = zone.east + rng.range(-60, 60);
    const north = zone.north + rng.range(-60, 60);
    const lat = center.lat + north / METRES_PER_DEGREE;
    const lon = center.lon + east / (METRES_PER_DEGREE * Math.cos((center.lat * Math.PI) / 180));
    const id = `${ID_PREFIX[type] ?? 'dev'}-${String(index).padStart(width, '0')}`;
    units.push({
      device: {
        id,
        type,
        name: describe(type, index, zone, firePoint, direction),
        site,
        zone: zone.name,
        lat: Math.round(lat * 1e6) / 1e6,
        lon: Math.round(lon * 1e6) / 1e6,
        heartbeat_s: HEARTBEAT_S[type] ?? 300,
      },
      zone,
      label: labelFor(type, index, zone, firePoint),
      firePoint,
      battery: type === 'env' || (type === 'access' && index % 3 === 0),
      direction,
    });
  }
  const credentials = Array.from({ length: 400 }, (_, i) => `card-${String(10_001 + i)}`);
  const revokedCredentials = credentials.filter((_, i) => i % 97 === 13);
  const regularPlates = Array.from({ length: 300 }, () => plate(rng));
  return {
    site,
    center,
    utcOffsetMin: opts.utcOffsetMin ?? 0,
    seed,
    zones,
    units,
    devices: units.map((u) => u.device),
    watchPlate: plate(rng),
    credentials,
    revokedCredentials,
    regularPlates,
  };
}

/** A fresh visitor's plate (not one of the regulars). */
export function randomPlate(rng: Rng): string {
  return plate(rng);
}
