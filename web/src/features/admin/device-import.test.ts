import { describe, expect, it } from 'vitest';
import { parseCsv, parseDeviceFile } from './device-import.js';

describe('parseDeviceFile', () => {
  it('reads a JSON array and reports items without an id', () => {
    const r = parseDeviceFile('d.json', JSON.stringify([{ id: 'cam-1', type: 'camera', site: 'harbour' }, { type: 'camera' }]));
    expect(r.devices).toEqual([{ id: 'cam-1', type: 'camera', site: 'harbour' }]);
    expect(r.problems).toEqual(['item 2: no id']);
  });

  it('reads CSV with quoted fields and turns positions into numbers', () => {
    const r = parseDeviceFile('d.csv', 'id,type,name,site,lat,lon\r\ncam-1,camera,"North gate, ""main""",harbour,38.76,-9.09\n');
    expect(r.devices).toEqual([{ id: 'cam-1', type: 'camera', name: 'North gate, "main"', site: 'harbour', lat: 38.76, lon: -9.09 }]);
  });

  it('takes longitude then latitude from GeoJSON points', () => {
    const fc = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { id: 'env-1', type: 'env', site: 'harbour' }, geometry: { type: 'Point', coordinates: [-9.1, 38.7] } }] };
    const r = parseDeviceFile('d.geojson', JSON.stringify(fc));
    expect(r.devices[0]).toMatchObject({ id: 'env-1', lat: 38.7, lon: -9.1 });
  });

  it('says why a file is unreadable', () => {
    expect(parseDeviceFile('d.json', '[{').problems[0]).toMatch(/not valid JSON/);
    expect(parseDeviceFile('d.json', '{"a":1}').problems[0]).toMatch(/expected a JSON array/);
  });
});

describe('parseCsv', () => {
  it('keeps empty fields and skips blank lines', () => {
    expect(parseCsv('a,b,c\n1,,3\n\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '', '3'],
    ]);
  });
});
