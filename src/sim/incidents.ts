/**
 * Incident scripts: the situations a control room exists for (SPEC §2.1's built-in alerts). Each
 * script is a list of timed steps on one device, planned when the incident starts; the generator
 * plays them back as their time comes.
 */
import { MINUTE, SECOND } from '../core/clock.js';
import type { DeviceType } from '../core/device.js';
import type { EventKind } from '../core/kinds.js';
import type { District, SimUnit } from './district.js';
import type { Rng } from './rng.js';

export const INCIDENT_KINDS = [
  'door_forced',
  'camera_offline',
  'sprinkler_waterflow',
  'device_fault',
  'low_battery',
  'repeated_denials',
  'watch_plate',
  'camera_tamper',
  'video_loss',
  'fire_trouble',
  'air_quality',
  'door_held',
  'revoked_credential',
  'crowd',
] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export type StepAction =
  | { readonly type: 'event'; readonly kind: EventKind; readonly data: Record<string, unknown> }
  /** The device sends nothing, heartbeats included, from this step until `until` (epoch ms). */
  | { readonly type: 'offline'; readonly until: number }
  /** Back from an outage: a fresh boot and an immediate heartbeat. */
  | { readonly type: 'online' }
  /** Air-quality readings run high until this time (epoch ms). */
  | { readonly type: 'pollution'; readonly until: number };

export interface Step {
  readonly at: number;
  readonly unit: number;
  readonly action: StepAction;
}

export interface Incident {
  readonly kind: IncidentKind;
  readonly at: number;
  readonly device: string;
  readonly summary: string;
}

interface Plan {
  readonly incident: Incident;
  readonly steps: Step[];
}

const NEEDS: Readonly<Record<IncidentKind, (u: SimUnit) => boolean>> = {
  door_forced: (u) => u.device.type === 'access',
  camera_offline: (u) => u.device.type === 'camera',
  sprinkler_waterflow: (u) => u.firePoint === 'sprinkler',
  device_fault: (u) => u.device.type === 'meter' || u.device.type === 'env' || u.device.type === 'lpr' || u.device.type === 'wifi',
  low_battery: (u) => u.battery,
  repeated_denials: (u) => u.device.type === 'access',
  watch_plate: (u) => u.device.type === 'lpr',
  camera_tamper: (u) => u.device.type === 'camera',
  video_loss: (u) => u.device.type === 'camera',
  fire_trouble: (u) => u.device.type === 'fire',
  air_quality: (u) => u.device.type === 'env',
  door_held: (u) => u.device.type === 'access',
  revoked_credential: (u) => u.device.type === 'access',
  crowd: (u) => u.device.type === 'camera' && !u.zone.restricted,
};

const FAULTS: Readonly<Partial<Record<DeviceType, ReadonlyArray<readonly [string, string]>>>> = {
  meter: [['E_CT_OPEN', 'current transformer open circuit'], ['E_COMMS', 'lost contact with the data concentrator']],
  env: [['E_SENSOR_DRIFT', 'PM sensor drift beyond calibration'], ['E_FAN', 'intake fan stalled']],
  lpr: [['E_IR_ILLUMINATOR', 'infrared illuminator failed'], ['E_STORAGE', 'local storage full']],
  wifi: [['E_RADIO', 'radio not responding'], ['E_COMMS', 'uplink lost']],
};

const ev = (kind: EventKind, data: Record<string, unknown>): StepAction => ({ type: 'event', kind, data });

/** Plans one incident of the given kind starting at `at`, or null when the district has no fitting device. */
export function planIncident(kind: IncidentKind, at: number, district: District, rng: Rng): Plan | null {
  const candidates = district.units.map((u, i) => [u, i] as const).filter(([u]) => NEEDS[kind](u));
  if (candidates.length === 0) return null;
  const [unit, index] = rng.pick(candidates);
  const d = unit.device;
  const step = (offsetMs: number, action: StepAction): Step => ({ at: at + offsetMs, unit: index, action });
  const plan = (summary: string, steps: Step[]): Plan => ({ incident: { kind, at, device: d.id, summary }, steps });
  switch (kind) {
    case 'door_forced': {
      const shutAfter = rng.int(90, 240) * SECOND;
      return plan(`door forced open: ${unit.label} (${d.id})`, [
        step(0, ev('access.door_forced', { door: unit.label })),
        step(60 * SECOND, ev('access.door_held', { door: unit.label, seconds: 60 })),
        step(shutAfter, ev('access.door_secured', { door: unit.label })),
      ]);
    }
    case 'door_held': {
      const seconds = rng.int(90, 300);
      return plan(`door held open ${seconds} s: ${unit.label} (${d.id})`, [
        step(seconds * SECOND, ev('access.door_held', { door: unit.label, seconds })),
        step((seconds + rng.int(10, 60)) * SECOND, ev('access.door_secured', { door: unit.label })),
      ]);
    }
    case 'camera_offline': {
      // Long enough to miss several heartbeats, so the registry reports it offline (SPEC §2).
      const down = Math.max(5 * MINUTE, d.heartbeat_s * 5 * SECOND);
      return plan(`camera offline for ${Math.round(down / MINUTE)} min: ${d.id}`, [step(0, { type: 'offline', until: at + down }), step(down, { type: 'online' })]);
    }
    case 'sprinkler_waterflow':
      return plan(`sprinkler waterflow at ${unit.label} (${d.id}, ${unit.zone.label})`, [
        step(0, ev('fire.waterflow', { point: unit.label })),
        step(5 * SECOND, ev('fire.alarm', { point: unit.label, zone: unit.zone.name })),
        step(rng.int(3, 8) * MINUTE, ev('fire.restore', { point: unit.label })),
      ]);
    case 'fire_trouble': {
      const condition = rng.pick(['ground fault', 'open circuit', 'battery low', 'AC power lost']);
      return plan(`fire panel trouble (${condition}) at ${unit.label}`, [
        step(0, ev('fire.trouble', { point: unit.label, condition })),
        step(rng.int(4, 15) * MINUTE, ev('fire.restore', { point: unit.label })),
      ]);
    }
    case 'device_fault': {
      const options = FAULTS[d.type] ?? [['E_GENERIC', 'self-test failed'] as const];
      const [code, message] = rng.pick(options);
      return plan(`device fault ${code} on ${d.id}`, [step(0, ev('device.fault', { code, message }))]);
    }
    case 'low_battery':
      return plan(`low battery on ${d.id}`, [step(0, ev('device.battery', { percent: rng.int(3, 9) }))]);
    case 'repeated_denials': {
      const credential = `card-${String(rng.int(90_000, 99_999))}`;
      const steps: Step[] = [];
      let t = 0;
      for (let i = 0; i < 6; i++) {
        steps.push(step(t, ev('access.denied', { door: unit.label, credential, reason: 'unknown' })));
        t += rng.int(6, 15) * SECOND;
      }
      return plan(`repeated access denials at ${unit.label} (${d.id})`, steps);
    }
    case 'revoked_credential':
      return plan(`revoked credential used at ${unit.label} (${d.id})`, [
        step(0, ev('access.denied', { door: unit.label, credential: rng.pick(district.revokedCredentials), reason: 'revoked' })),
      ]);
    case 'watch_plate':
      return plan(`watch-worthy plate read at ${d.id}`, [
        step(0, ev('lpr.read', { plate: district.watchPlate, region: 'PT', confidence: 0.96, direction: unit.direction, vehicle_type: 'van', color: 'white' })),
      ]);
    case 'camera_tamper':
      return plan(`camera tampered with: ${d.id}`, [step(0, ev('camera.tamper', { reason: rng.pick(['covered', 'moved', 'defocused', 'blinded']) }))]);
    case 'video_loss':
      return plan(`video loss on ${d.id}`, [step(0, ev('camera.video_loss', {}))]);
    case 'air_quality':
      return plan(`air quality spike at ${d.id} (${unit.zone.label})`, [step(0, { type: 'pollution', until: at + 10 * MINUTE })]);
    case 'crowd': {
      const count = Math.round(unit.zone.capacity * rng.range(1.2, 1.5));
      return plan(`crowd over capacity in ${unit.zone.label} (${count} people)`, [
        step(0, ev('camera.occupancy', { zone: unit.zone.name, object: 'person', count })),
      ]);
    }
  }
}
