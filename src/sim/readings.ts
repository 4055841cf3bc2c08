/**
 * What each device type says, given the time of day: periodic readings (occupancy, counts, air
 * quality, power) and activity events (people crossing lines, plates read, doors opened). Values
 * follow the district's rhythms (rhythm.ts) with a little noise.
 */
import type { EventKind } from '../core/kinds.js';
import type { District, SimUnit } from './district.js';
import { level, localHour, type Rhythm } from './rhythm.js';
import type { Rng } from './rng.js';

export interface Emission {
  readonly kind: EventKind;
  readonly data: Record<string, unknown>;
}

export interface TimeContext {
  readonly ts: number;
  readonly district: District;
  readonly rng: Rng;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** Restricted zones (warehouses) live by working hours; the rest by footfall; the car park by traffic. */
export function zoneRhythm(unit: SimUnit): Rhythm {
  if (unit.zone.name === 'car-park') return 'traffic';
  return unit.zone.restricted ? 'office' : 'footfall';
}

function lvl(ctx: TimeContext, r: Rhythm): number {
  return level(r, ctx.ts, ctx.district.utcOffsetMin);
}

export function occupancy(unit: SimUnit, ctx: TimeContext): Emission {
  const vehicle = unit.zone.name === 'car-park';
  const busy = lvl(ctx, zoneRhythm(unit));
  const count = Math.round(clamp(unit.zone.capacity * busy * 0.7 * ctx.rng.normal(1, 0.08), 0, unit.zone.capacity * 1.1));
  return { kind: 'camera.occupancy', data: { zone: unit.zone.name, object: vehicle ? 'vehicle' : 'person', count } };
}

export function wifiCount(unit: SimUnit, ctx: TimeContext): Emission {
  const busy = lvl(ctx, 'footfall');
  const unique = Math.round(clamp(unit.zone.capacity * 0.6 * busy * ctx.rng.normal(1, 0.1), 0, 1e6));
  return { kind: 'wifi.count', data: { unique_devices: unique, interval_s: 60 } };
}

export function airQuality(_unit: SimUnit, ctx: TimeContext, polluted: boolean): Emission {
  const traffic = lvl(ctx, 'traffic');
  const sun = clamp(Math.sin(((localHour(ctx.ts, ctx.district.utcOffsetMin) - 6) / 24) * 2 * Math.PI), 0, 1);
  let pm25 = 5 + 16 * traffic + ctx.rng.normal(0, 1.5);
  if (polluted) pm25 = pm25 * 4 + 60;
  pm25 = clamp(pm25, 0.5, 500);
  return {
    kind: 'env.air_quality',
    data: {
      pm25: round1(pm25),
      pm10: round1(pm25 * ctx.rng.range(1.4, 1.9)),
      no2: round1(clamp(10 + 38 * traffic + ctx.rng.normal(0, 3), 0, 400)),
      o3: round1(clamp(25 + 55 * sun + ctx.rng.normal(0, 4), 0, 400)),
      co: round1(clamp(0.2 + 0.6 * traffic + ctx.rng.normal(0, 0.05), 0, 50)),
    },
  };
}

export function noise(_unit: SimUnit, ctx: TimeContext): Emission {
  const busy = Math.max(lvl(ctx, 'traffic'), lvl(ctx, 'footfall'));
  return { kind: 'env.noise', data: { laeq: round1(clamp(42 + 26 * busy + ctx.rng.normal(0, 2), 20, 120)) } };
}

export function weather(_unit: SimUnit, ctx: TimeContext): Emission {
  const h = localHour(ctx.ts, ctx.district.utcOffsetMin);
  // Coolest near 06:00, warmest mid-afternoon.
  const daily = Math.sin(((h - 9) / 24) * 2 * Math.PI);
  return {
    kind: 'env.weather',
    data: {
      temperature: round1(15 + 5 * daily + ctx.rng.normal(0, 0.4)),
      humidity: round1(clamp(70 - 15 * daily + ctx.rng.normal(0, 2), 5, 100)),
      wind: round1(clamp(12 + 6 * daily + ctx.rng.normal(0, 3), 0, 110)),
    },
  };
}

/** Instantaneous demand, kW; the zone's kind sets the scale. */
export function powerKw(unit: SimUnit, ctx: TimeContext): number {
  const scale = unit.zone.restricted ? 60 : unit.zone.name === 'office-block' ? 120 : 25;
  const r: Rhythm = unit.zone.restricted || unit.zone.name === 'office-block' ? 'office' : 'power';
  return round1(clamp(scale * (0.25 + 0.75 * lvl(ctx, r)) * ctx.rng.normal(1, 0.05), 0, 10_000));
}

export function heartbeat(unit: SimUnit, ts: number, bootAt: number): Emission {
  const firmware: Readonly<Record<string, string>> = {
    camera: '4.2.1',
    lpr: '2.9.0',
    access: '1.14.3',
    fire: '7.0.2',
    env: '0.9.8',
    wifi: '3.3.0',
    meter: '5.1.0',
  };
  return { kind: 'device.heartbeat', data: { uptime_s: Math.max(0, Math.floor((ts - bootAt) / 1000)), firmware: firmware[unit.device.type] ?? '1.0.0' } };
}

// ---------------------------------------------------------------- activity (rate-driven)

export type ActivityKind = 'line' | 'motion' | 'intrusion' | 'loiter' | 'plate' | 'grant' | 'deny' | 'sighting';

export interface ActivitySpec {
  readonly activity: ActivityKind;
  readonly rhythm: Rhythm;
  /** Events per second at the rhythm's peak (level 1). */
  readonly perSecond: number;
}

/** Which activities a device produces, and how often at the busiest time of day. */
export function activitiesOf(unit: SimUnit): ActivitySpec[] {
  switch (unit.device.type) {
    case 'camera': {
      const own = zoneRhythm(unit);
      return [
        { activity: 'line', rhythm: own, perSecond: 1 / 30 },
        { activity: 'motion', rhythm: own, perSecond: 1 / 60 },
        unit.zone.restricted
          ? { activity: 'intrusion', rhythm: 'night', perSecond: 1 / 5400 }
          : { activity: 'loiter', rhythm: 'night', perSecond: 1 / 3600 },
      ];
    }
    case 'lpr':
      return [{ activity: 'plate', rhythm: 'traffic', perSecond: 1 / 8 }];
    case 'access':
      return [
        { activity: 'grant', rhythm: 'office', perSecond: 1 / 40 },
        { activity: 'deny', rhythm: 'office', perSecond: 1 / 1200 },
      ];
    case 'wifi':
      return [{ activity: 'sighting', rhythm: 'footfall', perSecond: 1 / 6 }];
    default:
      return [];
  }
}

const VEHICLES = ['car', 'car', 'car', 'car', 'van', 'truck', 'motorcycle', 'bus'] as const;
const COLOURS = ['white', 'black', 'grey', 'silver', 'blue', 'red', 'green'] as const;

export interface ActivityPools {
  readonly macs: readonly string[];
  readonly visitorPlate: () => string;
}

export function activityEvent(a: ActivityKind, unit: SimUnit, ctx: TimeContext, pools: ActivityPools): Emission {
  const { rng, district } = ctx;
  const zone = unit.zone.name;
  switch (a) {
    case 'line': {
      // Mornings bring people in, evenings take them out.
      const inbound = localHour(ctx.ts, district.utcOffsetMin) < 13 ? 0.7 : 0.3;
      const object = zone === 'car-park' || zone.startsWith('gate') ? rng.pick(['vehicle', 'person', 'bicycle'] as const) : rng.chance(0.9) ? 'person' : 'bicycle';
      return { kind: 'camera.line_crossing', data: { line: unit.label, direction: rng.chance(inbound) ? 'in' : 'out', object, count: rng.chance(0.8) ? 1 : rng.int(2, 4) } };
    }
    case 'motion':
      return { kind: 'camera.motion', data: { zone } };
    case 'intrusion':
      return { kind: 'camera.intrusion', data: { zone, object: rng.chance(0.8) ? 'person' : 'animal', confidence: Math.round(rng.range(0.6, 0.99) * 100) / 100 } };
    case 'loiter':
      return { kind: 'camera.loitering', data: { zone, object: 'person', seconds: rng.int(120, 900) } };
    case 'plate': {
      const plate = rng.chance(0.7) ? rng.pick(district.regularPlates) : pools.visitorPlate();
      return {
        kind: 'lpr.read',
        data: {
          plate,
          region: rng.chance(0.92) ? 'PT' : rng.pick(['ES', 'FR', 'DE']),
          confidence: Math.round(rng.range(0.8, 0.995) * 1000) / 1000,
          direction: unit.direction,
          vehicle_type: rng.pick(VEHICLES),
          color: rng.pick(COLOURS),
        },
      };
    }
    case 'grant':
      return { kind: 'access.granted', data: { door: unit.label, credential: rng.pick(district.credentials), method: rng.chance(0.8) ? 'card' : rng.chance(0.75) ? 'mobile' : 'pin' } };
    case 'deny':
      return { kind: 'access.denied', data: { door: unit.label, credential: rng.pick(district.credentials), reason: rng.chance(0.6) ? 'expired' : rng.chance(0.7) ? 'schedule' : 'antipassback' } };
    case 'sighting':
      return { kind: 'wifi.sighting', data: { mac: rng.pick(pools.macs), rssi: rng.int(-92, -38) } };
  }
}
