/**
 * ETSI NGSI-LD with FIWARE Smart Data Models (SPEC §6) → Parapet events. Accepted bodies: a batch
 * upsert (a JSON array of entities) and a notification (`{type: "Notification", data: [...]}`, or an
 * NGSIv2 `{subscriptionId, data: [...]}`), normalized or key-values. Per entity type:
 *   AirQualityObserved    → env.air_quality {pm25, pm10, no2, o3, co} (units converted, ngsi-ld-decode.ts)
 *                           and env.weather {temperature, humidity, wind} when present
 *   CrowdFlowObserved     → wifi.count {unique_devices, interval_s} from a Wi-Fi device,
 *                           else camera.occupancy {zone, object: person, count}
 *   TrafficFlowObserved   → camera.line_crossing {line, direction, object, count: intensity}
 *   Device                → device.heartbeat {firmware}; device.battery; device.fault on a fault state
 *   DeviceMeasurement     → telemetry.reading {metric: controlledProperty, value: numValue, unit}
 *   Alert                 → device.fault when it reports equipment failing, else
 *                           telemetry.reading {metric: alert.<category>.<subCategory>, value: severity 0–4}
 *   ParkingSpot           → telemetry.reading parking.occupied 1/0
 *   OffStreetParking      → telemetry.reading parking.available_spots / occupied_spots / total_spots
 * Device: `refDevice` (or Alert's `alertSource`, or the entity itself), its local id through the
 * device mapping. An entity carrying a prohibited attribute is handed to the pipeline so it is
 * refused and counted as a policy violation exactly as native ingest would (SPEC §4.3).
 */
import { findProhibited } from '../privacy/prohibited.js';
import type { DeviceType } from '../core/device.js';
import type { EventKind } from '../core/kinds.js';
import { ResultBuilder, clientId, deviceFor, isRecord, label, objectClass, sub, type AdapterResult, type DeviceMapping } from './adapter-kit.js';
import { EntityView, airValue, localId, spanMs } from './ngsi-ld-decode.js';

export interface NgsiOptions {
  readonly devices: DeviceMapping;
  readonly now: number;
  /** The registry's view, for Wi-Fi vs camera counts and a default zone. */
  readonly device: (id: string) => { readonly type: DeviceType; readonly zone: string | null } | undefined;
}

interface Ctx {
  readonly e: EntityView;
  readonly at: string;
  readonly device: string;
  readonly o: NgsiOptions;
  readonly out: ResultBuilder;
}

function emit(c: Ctx, kind: EventKind, data: Record<string, unknown>, ts: string | undefined, part = ''): void {
  const time = ts ?? c.o.now;
  // Entity id, kind and observation time: a repeated notification of the same observation is a duplicate.
  c.out.event(c.at, { id: clientId('ngsi', c.e.id, kind, String(time), part), ts: time, device: c.device, kind, data });
}

const POLLUTANTS = [
  ['pm25', ['pm25', 'pm2_5', 'pm2.5']],
  ['pm10', ['pm10']],
  ['no2', ['no2']],
  ['o3', ['o3']],
  ['co', ['co']],
] as const;

function airQuality(c: Ctx): void {
  const air: Record<string, number> = {};
  for (const [field, names] of POLLUTANTS) {
    const a = c.e.get(...names);
    const v = c.e.number(...names);
    if (a === undefined || v === undefined) continue;
    const converted = airValue(field, v, a.unitCode);
    if (converted === undefined) c.out.drop(sub(c.at, field), 'unsupported', `unit ${a.unitCode ?? '(none)'} of ${field} cannot be converted`);
    else air[field] = converted;
  }
  const ts = c.e.time();
  if (Object.keys(air).length > 0) emit(c, 'env.air_quality', air, ts);
  const weather: Record<string, number> = {};
  const t = c.e.number('temperature');
  if (t !== undefined) weather.temperature = c.e.get('temperature')?.unitCode?.toUpperCase() === 'FAH' ? Math.round(((t - 32) * 50) / 9) / 10 : t;
  const h = c.e.number('relativeHumidity', 'humidity');
  // Smart Data Models give relative humidity as a fraction (0–1); Parapet stores percent.
  if (h !== undefined) weather.humidity = h <= 1 ? Math.round(h * 1000) / 10 : h;
  const w = c.e.number('windSpeed');
  if (w !== undefined) weather.wind = w;
  if (Object.keys(weather).length > 0) emit(c, 'env.weather', weather, ts);
  if (Object.keys(air).length === 0 && Object.keys(weather).length === 0) c.out.drop(c.at, 'no_data', 'the observation holds no pollutant Parapet records');
}

function zoneOf(c: Ctx): string {
  return label(c.e.text('areaServed')) ?? label(c.o.device(c.device)?.zone) ?? label(c.e.text('name')) ?? label(localId(c.e.id)) ?? c.device;
}

function crowdFlow(c: Ctx): void {
  const count = c.e.number('peopleCount');
  if (count === undefined) return c.out.drop(c.at, 'no_data', 'CrowdFlowObserved without peopleCount');
  const n = Math.max(0, Math.round(count));
  const ts = c.e.time();
  if (c.o.device(c.device)?.type === 'wifi') {
    const span = spanMs(c.e.text('dateObservedFrom'), c.e.text('dateObservedTo'));
    if (span === undefined) return c.out.drop(c.at, 'no_data', 'a Wi-Fi count needs dateObservedFrom and dateObservedTo');
    return emit(c, 'wifi.count', { unique_devices: n, interval_s: Math.min(86_400, span / 1000) }, ts);
  }
  emit(c, 'camera.occupancy', { zone: zoneOf(c), object: 'person', count: n }, ts);
}

function trafficFlow(c: Ctx): void {
  const intensity = c.e.number('intensity');
  if (intensity === undefined) return c.out.drop(c.at, 'no_data', 'TrafficFlowObserved without intensity');
  const lane = c.e.text('laneId') ?? (c.e.number('laneId') !== undefined ? String(c.e.number('laneId')) : undefined);
  const road = c.e.text('refRoadSegment');
  const line = label(lane !== undefined ? `lane ${lane}` : undefined) ?? label(road ? localId(road) : undefined) ?? label(c.e.text('name')) ?? label(localId(c.e.id)) ?? c.device;
  const dir = c.e.text('laneDirection')?.toLowerCase() === 'backward' ? 'out' : 'in';
  const vt = c.e.text('vehicleType');
  const object = vt === undefined ? 'vehicle' : objectClass(vt) === 'bicycle' ? 'bicycle' : 'vehicle';
  emit(c, 'camera.line_crossing', { line, direction: dir, object, count: Math.max(0, Math.round(intensity)) }, c.e.time());
}

const FAULTY = /fault|fail|error|broken|malfunction|defect|tamper|offline|out.?of.?order/i;

function device(c: Ctx): void {
  const ts = c.e.time();
  const state = c.e.text('deviceState');
  const firmware = label(c.e.text('firmwareVersion', 'softwareVersion'), 64);
  if (state !== undefined && FAULTY.test(state)) emit(c, 'device.fault', { code: label(state, 64) ?? 'fault' }, ts, 'fault');
  else emit(c, 'device.heartbeat', firmware ? { firmware } : {}, ts, 'heartbeat');
  const battery = c.e.number('batteryLevel');
  // Smart Data Models give batteryLevel as a fraction (0–1); Parapet stores percent.
  if (battery !== undefined && battery >= 0) emit(c, 'device.battery', { percent: Math.min(100, battery <= 1 ? Math.round(battery * 1000) / 10 : battery) }, ts, 'battery');
}

function measurement(c: Ctx): void {
  const value = c.e.number('numValue');
  if (value === undefined) return c.out.drop(c.at, 'no_data', 'DeviceMeasurement without numValue (text values are not recorded)');
  const metric = label(c.e.text('controlledProperty', 'measurementType', 'name'), 64) ?? 'value';
  const unit = label(c.e.text('unit') ?? c.e.get('numValue')?.unitCode, 16);
  emit(c, 'telemetry.reading', { metric, value, ...(unit ? { unit } : {}) }, c.e.time('numValue'));
}

const SEVERITY: Readonly<Record<string, number>> = { informational: 0, low: 1, medium: 2, high: 3, critical: 4 };

function alert(c: Ctx): void {
  const category = label(c.e.text('category'), 24) ?? 'other';
  const subCategory = label(c.e.text('subCategory'), 24);
  const severity = SEVERITY[(c.e.text('severity') ?? '').toLowerCase()];
  const code = subCategory ? `${category}.${subCategory}` : category;
  const ts = c.e.time();
  // Free-text `description` is not forwarded: a third party's prose may name people (SPEC §4.3).
  if (FAULTY.test(code)) return emit(c, 'device.fault', { code: code.slice(0, 64), ...(severity !== undefined ? { message: `severity ${severity}` } : {}) }, ts);
  emit(c, 'telemetry.reading', { metric: `alert.${code}`.slice(0, 64), value: severity ?? 0, unit: 'severity' }, ts);
}

function parkingSpot(c: Ctx): void {
  const status = c.e.text('status')?.toLowerCase();
  if (status !== 'free' && status !== 'occupied') return c.out.drop(c.at, 'no_data', `parking spot status ${status ?? '(none)'} is not recorded`);
  emit(c, 'telemetry.reading', { metric: 'parking.occupied', value: status === 'occupied' ? 1 : 0 }, c.e.time('status'));
}

function offStreetParking(c: Ctx): void {
  let any = false;
  for (const [attr, metric] of [
    ['availableSpotNumber', 'parking.available_spots'],
    ['occupiedSpotNumber', 'parking.occupied_spots'],
    ['totalSpotNumber', 'parking.total_spots'],
  ] as const) {
    const v = c.e.number(attr);
    if (v === undefined) continue;
    any = true;
    emit(c, 'telemetry.reading', { metric, value: v, unit: 'spots' }, c.e.time(attr), metric);
  }
  if (!any) c.out.drop(c.at, 'no_data', 'OffStreetParking without spot numbers');
}

const MAPPERS: Readonly<Record<string, { readonly kind: EventKind; readonly map: (c: Ctx) => void; readonly ref: readonly string[] }>> = {
  airqualityobserved: { kind: 'env.air_quality', map: airQuality, ref: ['refDevice'] },
  crowdflowobserved: { kind: 'camera.occupancy', map: crowdFlow, ref: ['refDevice'] },
  trafficflowobserved: { kind: 'camera.line_crossing', map: trafficFlow, ref: ['refDevice'] },
  device: { kind: 'device.heartbeat', map: device, ref: [] },
  devicemeasurement: { kind: 'telemetry.reading', map: measurement, ref: ['refDevice'] },
  alert: { kind: 'device.fault', map: alert, ref: ['alertSource', 'refDevice'] },
  parkingspot: { kind: 'telemetry.reading', map: parkingSpot, ref: ['refDevice'] },
  offstreetparking: { kind: 'telemetry.reading', map: offStreetParking, ref: ['refDevice'] },
};

function entity(raw: unknown, at: string, o: NgsiOptions, out: ResultBuilder): void {
  if (!isRecord(raw)) return out.refuse(at, 'invalid_event', 'an entity is a JSON object');
  const e = new EntityView(raw);
  if (!e.id || !e.type) return out.refuse(at, 'invalid_event', 'an entity needs an id and a type');
  const mapper = MAPPERS[e.type];
  if (!mapper) return out.drop(at, 'unsupported', `entity type ${e.type.slice(0, 64)} has no Parapet mapping`);
  const ref = mapper.ref.map((r) => e.text(r)).find((v) => v !== undefined);
  const device = deviceFor(o.devices, localId(ref ?? e.id));
  if (!device) return out.refuse(at, 'invalid_event', 'the entity does not name a device Parapet can map; pin ?device= or check the prefix');
  const prohibited = findProhibited(raw);
  if (prohibited !== null) {
    // The field NAME only (with a null value) goes on, so the pipeline refuses and audits it (SPEC §4.3, §5.7).
    const field = /([^.[\]"]+)"?\]?$/.exec(prohibited)?.[1] ?? prohibited;
    return out.raw(at, { ts: o.now, device, kind: mapper.kind, data: { [field]: null } });
  }
  mapper.map({ e, at, device, o, out });
}

export function mapNgsiEntities(entities: readonly unknown[], o: NgsiOptions, base = ''): AdapterResult {
  const out = new ResultBuilder();
  entities.forEach((raw, i) => entity(raw, base ? `${base}[${i}]` : `[${i}]`, o, out));
  return out.result();
}

/** A notification (NGSI-LD or NGSIv2): its `data` array of entities. */
export function mapNgsiNotification(body: unknown, o: NgsiOptions): AdapterResult {
  if (!isRecord(body) || !Array.isArray(body.data)) {
    const out = new ResultBuilder();
    out.refuse('body', 'invalid_event', 'a notification is a JSON object with a data array of entities');
    return out.result();
  }
  return mapNgsiEntities(body.data, o, 'data');
}
