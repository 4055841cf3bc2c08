import { describe, expect, it } from 'vitest';
import type { DeviceType } from '../core/device.js';
import { mapNgsiEntities, mapNgsiNotification, type NgsiOptions } from './ngsi-ld.js';
import { airValue, localId, utc } from './ngsi-ld-decode.js';

const NOW = Date.UTC(2026, 10, 26, 10, 0, 0);
const registry: Record<string, { type: DeviceType; zone: string | null }> = {
  'aq-28079004': { type: 'env', zone: 'plaza' },
  'wifi-7': { type: 'wifi', zone: 'market' },
  'cam-valladolid': { type: 'camera', zone: 'bridge' },
};
const opts: NgsiOptions = { devices: { prefix: '' }, now: NOW, device: (id) => registry[id] };
const events = (entities: unknown[], o: NgsiOptions = opts) => mapNgsiEntities(entities, o).items.map((i) => i.input.item as { kind: string; device: string; ts: unknown; data: Record<string, unknown>; id?: string });
const P = (value: unknown, extra: Record<string, unknown> = {}) => ({ type: 'Property', value, ...extra });
const R = (object: string) => ({ type: 'Relationship', object });
const DT = (v: string) => ({ '@type': 'DateTime', '@value': v });

/** Smart Data Models AirQualityObserved (Madrid example, key-values), pointed at a registered device. */
const madrid = {
  id: 'urn:ngsi-ld:AirQualityObserved:Madrid-AmbientObserved-28079004-2016-03-15T11:00:00',
  type: 'AirQualityObserved',
  CO: 500,
  CO_Level: 'moderate',
  NO: 45,
  NO2: 69,
  NOx: 139,
  SO2: 11,
  address: { addressCountry: 'ES', addressLocality: 'Madrid', streetAddress: 'Plaza de España', type: 'PostalAddress' },
  airQualityIndex: 65,
  areaServed: 'Brooklands',
  dateObserved: '2026-11-26T09:00:00/2026-11-26T09:59:00',
  location: { coordinates: [-3.712247222222222, 40.423852777777775], type: 'Point' },
  refDevice: 'urn:ngsi-ld:Device:aq-28079004',
  relativeHumidity: 0.54,
  temperature: 12.2,
  windSpeed: 0.64,
  '@context': ['https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld', 'https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/context.jsonld'],
};

describe('NGSI-LD decoding', () => {
  it('takes local ids from URNs and IRIs', () => {
    expect(localId('urn:ngsi-ld:Device:device-9845A')).toBe('device-9845A');
    expect(localId('https://example.org/devices/aq-7')).toBe('aq-7');
    expect(localId('plain')).toBe('plain');
  });

  it('reads NGSI-LD DateTimes as UTC', () => {
    expect(utc('2026-11-26T09:00:00')).toBe('2026-11-26T09:00:00Z');
    expect(utc('2026-11-26T09:00:00+01:00')).toBe('2026-11-26T09:00:00+01:00');
  });

  it('converts air-quality units to µg/m³ (CO mg/m³)', () => {
    expect(airValue('no2', 69, undefined)).toBe(69);
    expect(airValue('co', 500, undefined)).toBe(0.5);
    expect(airValue('co', 1.2, 'GP')).toBe(1.2);
    expect(airValue('no2', 100, '61')).toBeCloseTo(188.162, 2);
    expect(airValue('o3', 0.05, '59')).toBeCloseTo(98.156, 2);
    expect(airValue('pm25', 3, '59')).toBeUndefined();
    expect(airValue('pm10', 3, 'XYZ')).toBeUndefined();
  });
});

describe('Smart Data Models → Parapet events', () => {
  it('AirQualityObserved (key-values): pollutants and weather, at the end of the observed interval', () => {
    expect(events([madrid])).toEqual([
      expect.objectContaining({ kind: 'env.air_quality', device: 'aq-28079004', ts: '2026-11-26T09:59:00Z', data: { no2: 69, co: 0.5 } }),
      expect.objectContaining({ kind: 'env.weather', device: 'aq-28079004', data: { temperature: 12.2, humidity: 54, wind: 0.64 } }),
    ]);
  });

  it('AirQualityObserved (normalized): units and observedAt, DateTime values unwrapped', () => {
    const e = {
      id: 'urn:ngsi-ld:AirQualityObserved:aq-28079004-x',
      type: 'AirQualityObserved',
      dateObserved: P(DT('2026-11-26T09:58:00Z')),
      pm25: P(12.5, { unitCode: 'GQ', observedAt: '2026-11-26T09:57:00Z' }),
      pm10: P(20, { unitCode: 'GQ' }),
      o3: P(40, { unitCode: '61' }),
      refDevice: R('urn:ngsi-ld:Device:aq-28079004'),
    };
    const [air] = events([e]);
    expect(air).toMatchObject({ kind: 'env.air_quality', ts: '2026-11-26T09:58:00Z', data: { pm25: 12.5, pm10: 20 } });
    expect(air?.data.o3).toBeCloseTo(78.52, 1);
  });

  it('repeats of the same observation get the same id (a re-notification is a duplicate)', () => {
    expect(events([madrid])[0]?.id).toBe(events([madrid])[0]?.id);
  });

  it('CrowdFlowObserved: camera.occupancy from a camera, wifi.count from a Wi-Fi sensor', () => {
    /** Smart Data Models CrowdFlowObserved (Valladolid example, normalized). */
    const crowd = (ref: string) => ({
      id: 'urn:ngsi-ld:CrowdFlowObserved:Valladolid_1',
      type: 'CrowdFlowObserved',
      averageHeadwayTime: P(5),
      congested: P(false),
      dateObserved: P(DT('2026-11-26T09:50:00/2026-11-26T09:55:00')),
      dateObservedFrom: P(DT('2026-11-26T09:50:00Z')),
      dateObservedTo: P(DT('2026-11-26T09:55:00Z')),
      direction: P('inbound'),
      peopleCount: P(100),
      refDevice: R(`urn:ngsi-ld:Device:${ref}`),
    });
    expect(events([crowd('cam-valladolid')])).toEqual([expect.objectContaining({ kind: 'camera.occupancy', ts: '2026-11-26T09:55:00Z', data: { zone: 'bridge', object: 'person', count: 100 } })]);
    expect(events([crowd('wifi-7')])).toEqual([expect.objectContaining({ kind: 'wifi.count', device: 'wifi-7', data: { unique_devices: 100, interval_s: 300 } })]);
  });

  it('TrafficFlowObserved: intensity per lane → line crossings', () => {
    const e = { id: 'urn:ngsi-ld:TrafficFlowObserved:TFO-1', type: 'TrafficFlowObserved', laneId: 1, laneDirection: 'backward', intensity: 197, vehicleType: 'car', dateObserved: '2026-11-26T09:45:00Z', refDevice: 'urn:ngsi-ld:Device:cam-valladolid' };
    expect(events([e])).toEqual([expect.objectContaining({ kind: 'camera.line_crossing', data: { line: 'lane 1', direction: 'out', object: 'vehicle', count: 197 } })]);
  });

  it('Device: heartbeat with firmware, battery as percent, and a fault state as device.fault', () => {
    /** Smart Data Models Device example (key-values), with its person-linked `owner` never forwarded. */
    const dev = {
      '@context': ['https://smartdatamodels.org/context.jsonld'],
      batteryLevel: 0.75,
      category: ['sensor'],
      controlledProperty: ['fillingLevel', 'temperature'],
      deviceState: 'ok',
      firmwareVersion: '1.2.3',
      dateLastValueReported: '2026-11-26T09:59:00Z',
      id: 'urn:ngsi-ld:Device:device-9845A',
      ipAddress: ['192.14.56.78'],
      owner: ['http://person.org/leon'],
      serialNumber: '9845A',
      type: 'Device',
    };
    const out = events([dev]);
    expect(out.map((e) => [e.kind, e.device, e.data])).toEqual([
      ['device.heartbeat', 'device-9845A', { firmware: '1.2.3' }],
      ['device.battery', 'device-9845A', { percent: 75 }],
    ]);
    expect(JSON.stringify(out)).not.toMatch(/leon|192\.14/);
    expect(events([{ ...dev, deviceState: 'sensorFailure' }])[0]).toMatchObject({ kind: 'device.fault', data: { code: 'sensorFailure' } });
  });

  it('DeviceMeasurement → telemetry.reading; text values are not recorded', () => {
    const m = { id: 'urn:ngsi-ld:DeviceMeasurement:m-1', type: 'DeviceMeasurement', numValue: P(21.7), controlledProperty: P('temperature'), unit: P('CEL'), dateObserved: P(DT('2026-11-26T09:59:30Z')), refDevice: R('urn:ngsi-ld:Device:meter-3') };
    expect(events([m])).toEqual([expect.objectContaining({ kind: 'telemetry.reading', device: 'meter-3', data: { metric: 'temperature', value: 21.7, unit: 'CEL' } })]);
    const r = mapNgsiEntities([{ ...m, numValue: undefined, textValue: P('hot') }], opts);
    expect(r.items).toEqual([]);
    expect(r.dropped[0]?.reason).toBe('no_data');
  });

  it('Alert: equipment failures as device.fault, other alerts as a severity reading; free text never forwarded', () => {
    const base = { id: 'urn:ngsi-ld:Alert:a-1', type: 'Alert', dateIssued: '2026-11-26T09:59:00Z', alertSource: 'urn:ngsi-ld:Device:pump-2', description: 'Reported by John Smith' };
    expect(events([{ ...base, category: 'environment', subCategory: 'pumpFailure', severity: 'high' }])).toEqual([
      expect.objectContaining({ kind: 'device.fault', device: 'pump-2', data: { code: 'environment.pumpFailure', message: 'severity 3' } }),
    ]);
    const other = events([{ ...base, category: 'weather', subCategory: 'flood', severity: 'critical' }]);
    expect(other).toEqual([expect.objectContaining({ kind: 'telemetry.reading', data: { metric: 'alert.weather.flood', value: 4, unit: 'severity' } })]);
    expect(JSON.stringify(other)).not.toContain('John');
  });

  it('ParkingSpot and OffStreetParking → telemetry readings', () => {
    expect(events([{ id: 'urn:ngsi-ld:ParkingSpot:ps-1', type: 'ParkingSpot', status: 'occupied', refDevice: 'urn:ngsi-ld:Device:bay-1' }])[0]).toMatchObject({ kind: 'telemetry.reading', data: { metric: 'parking.occupied', value: 1 } });
    expect(mapNgsiEntities([{ id: 'urn:ngsi-ld:ParkingSpot:ps-1', type: 'ParkingSpot', status: 'unknown' }], opts).dropped[0]?.reason).toBe('no_data');
    const garage = events([{ id: 'urn:ngsi-ld:OffStreetParking:garage-1', type: 'OffStreetParking', availableSpotNumber: P(121), totalSpotNumber: P(200) }]);
    expect(garage.map((e) => [e.device, e.data])).toEqual([
      ['garage-1', { metric: 'parking.available_spots', value: 121, unit: 'spots' }],
      ['garage-1', { metric: 'parking.total_spots', value: 200, unit: 'spots' }],
    ]);
  });

  it('hands an entity with a prohibited attribute to the pipeline as that field name only, to be refused and counted', () => {
    const r = mapNgsiEntities([{ ...madrid, ethnicity: 'x' }], opts);
    expect(r.items.map((i) => i.input.item)).toEqual([{ ts: NOW, device: 'aq-28079004', kind: 'env.air_quality', data: { ethnicity: null } }]);
  });

  it('drops unknown types, refuses entities without id or type or device', () => {
    const r = mapNgsiEntities([{ id: 'urn:ngsi-ld:WeatherForecast:w', type: 'WeatherForecast' }, { type: 'Device' }, 'x'], opts);
    expect(r.dropped[0]).toMatchObject({ at: '[0]', reason: 'unsupported' });
    expect(r.refused.map((x) => x.at)).toEqual(['[1]', '[2]']);
  });

  it('reads a notification (NGSI-LD and NGSIv2 attribute shapes) and applies the device prefix', () => {
    const note = {
      id: 'urn:ngsi-ld:Notification:1',
      type: 'Notification',
      subscriptionId: 'urn:ngsi-ld:Subscription:aq',
      notifiedAt: '2026-11-26T10:00:00Z',
      data: [{ id: 'urn:ngsi-ld:AirQualityObserved:x', type: 'AirQualityObserved', NO2: { type: 'Number', value: 40, metadata: { unitCode: { type: 'Text', value: 'GQ' } } }, refDevice: { type: 'Relationship', value: 'urn:ngsi-ld:Device:28079004' } }],
    };
    const r = mapNgsiNotification(note, { ...opts, devices: { prefix: 'aq-' } });
    expect(r.items.map((i) => [i.at, i.input.item])).toEqual([['data[0]', expect.objectContaining({ device: 'aq-28079004', data: { no2: 40 }, ts: NOW })]]);
    expect(mapNgsiNotification({ data: 'nope' }, opts).refused[0]?.error).toBe('invalid_event');
  });
});
