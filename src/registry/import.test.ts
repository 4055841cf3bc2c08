import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParapetError } from '../core/errors.js';
import { detectFormat, formatProblem, parseDevices, type ImportFormat } from './import.js';

const fixture = (name: string) => readFileSync(new URL(`./import-fixtures/${name}`, import.meta.url), 'utf8');
const load = (name: string, format?: ImportFormat) => {
  const text = fixture(name);
  return parseDevices(text, format ?? detectFormat(name, text));
};
const problemsOf = (r: ReturnType<typeof parseDevices>) => r.problems.map((p) => [p.row, p.field]);

describe('device import', () => {
  it('reads a JSON array of devices', () => {
    const r = load('devices.json');
    expect(r.format).toBe('json');
    expect(r.problems).toEqual([]);
    expect(r.devices).toHaveLength(3);
    expect(r.devices[0]).toEqual({ id: 'cam-017', type: 'camera', name: 'North gate camera', site: 'harbour', zone: 'gate-north', lat: 38.7681, lon: -9.0952, heartbeat_s: 60 });
  });

  it('reads a JSON object holding a devices array', () => {
    expect(load('devices-wrapped.json').devices.map((d) => d.id)).toEqual(['meter-001']);
  });

  it('keeps the valid JSON rows and names the row and field of each bad one', () => {
    const r = load('devices-bad.json');
    expect(r.rows).toBe(10);
    expect(r.devices.map((d) => d.id)).toEqual(['cam-001']);
    expect(problemsOf(r)).toEqual([
      [2, 'type'],
      [3, 'id'],
      [4, 'site'],
      [5, 'lat'],
      [6, 'owner'],
      [7, null],
      [8, 'id'],
      [9, 'heartbeat_s'],
      [10, 'zone'],
    ]);
    const text = r.problems.map(formatProblem);
    expect(text[0]).toBe('row 2, type: must be one of camera, lpr, access, fire, env, wifi, meter, other');
    expect(text[3]).toBe('row 5, lat: must be <= 90');
    expect(text[4]).toBe('row 6, owner: is not a device field');
    expect(text[6]).toBe('row 8, id: duplicate id cam-001 (first at row 1)');
  });

  it('reads CSV with a header row, quoted cells and empty optional cells', () => {
    const r = load('devices.csv');
    expect(r.format).toBe('csv');
    expect(r.problems).toEqual([]);
    expect(r.devices).toEqual([
      { id: 'cam-017', type: 'camera', name: 'North gate camera', site: 'harbour', zone: 'gate-north', lat: 38.7681, lon: -9.0952, heartbeat_s: 60 },
      { id: 'lpr-002', type: 'lpr', name: 'Plate reader, south gate', site: 'harbour', zone: 'gate-south' },
      { id: 'aq-001', type: 'env', site: 'harbour', lat: 38.77, lon: -9.09, heartbeat_s: 300 },
    ]);
  });

  it('keeps the valid CSV rows and reports each bad row with its line', () => {
    const r = load('devices-bad.csv');
    expect(r.devices.map((d) => d.id)).toEqual(['cam-001', 'cam-005']);
    expect(problemsOf(r)).toEqual([
      [2, 'lat'],
      [3, null],
      [4, 'type'],
      [5, 'id'],
      [7, 'heartbeat_s'],
    ]);
    expect(formatProblem(r.problems[0] ?? { row: 0, field: null, message: '' })).toBe('row 2 (line 3), lat: "north" is not a number');
    expect(r.problems.find((p) => p.row === 7)?.line).toBe(9);
  });

  it('refuses a CSV file whose header has an unknown or missing column', () => {
    expect(() => parseDevices('id,type,site,colour\nx,camera,h,red\n', 'csv')).toThrow(/unknown CSV column "colour"/);
    expect(() => parseDevices('id,type\nx,camera\n', 'csv')).toThrow(/lacks the column site/);
    expect(() => parseDevices('', 'csv')).toThrow(ParapetError);
    expect(() => parseDevices('id,type,site\n"x,camera,h\n', 'csv')).toThrow(/cannot be read/);
  });

  it('reads GeoJSON Point features, longitude first, with the id from properties or the feature', () => {
    const r = load('devices.geojson');
    expect(r.format).toBe('geojson');
    expect(r.problems).toEqual([]);
    expect(r.devices).toEqual([
      { id: 'cam-017', type: 'camera', name: 'North gate camera', site: 'harbour', zone: 'gate-north', heartbeat_s: 60, lat: 38.7681, lon: -9.0952 },
      { id: 'fire-003', type: 'fire', site: 'harbour', lat: 38.77, lon: -9.09 },
    ]);
  });

  it('keeps the valid GeoJSON features and reports the bad ones', () => {
    const r = load('devices-bad.geojson');
    expect(r.devices.map((d) => d.id)).toEqual(['cam-001']);
    expect(problemsOf(r)).toEqual([
      [2, 'geometry'],
      [3, 'lat'],
      [4, 'geometry'],
      [5, 'marker-color'],
    ]);
  });

  it('refuses files that are not what their format says', () => {
    expect(() => parseDevices('{not json', 'json')).toThrow(/not valid JSON/);
    expect(() => parseDevices('{"id":"x"}', 'json')).toThrow(/array of devices/);
    expect(() => parseDevices('{"type":"Point","coordinates":[0,0]}', 'geojson')).toThrow(/FeatureCollection/);
  });

  it('detects the format from the extension, else from the content', () => {
    expect(detectFormat('a.CSV', '[')).toBe('csv');
    expect(detectFormat('a.geojson', '')).toBe('geojson');
    expect(detectFormat('a.json', fixture('devices.geojson'))).toBe('geojson');
    expect(detectFormat('devices', '[{"id":"x"}]')).toBe('json');
    expect(detectFormat('devices.txt', 'id,type,site\n')).toBe('csv');
  });
});
