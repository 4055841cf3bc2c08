import { describe, expect, it } from 'vitest';
import type { DeviceStatus, DeviceView } from '../core/device.js';
import { ParapetError } from '../core/errors.js';
import { parseViewport, viewportAnswer as answer, type ScannedDevice, type Viewport } from './viewport.js';

function device(i: number, lat: number | null, lon: number | null, status: DeviceStatus = 'online'): ScannedDevice {
  return { device: { id: `d-${String(i).padStart(6, '0')}`, type: 'camera', name: `d${i}`, site: 'harbour', zone: null, lat, lon, heartbeat_s: 60 }, status };
}

let viewsBuilt = 0;
const toView = (s: ScannedDevice): DeviceView => {
  viewsBuilt += 1;
  return { ...s.device, status: s.status, last_seen: null };
};
const viewportAnswer = (all: ScannedDevice[], vp: Viewport, max?: number) => answer(all, vp, toView, max);

describe('parseViewport', () => {
  it('reads west,south,east,north and the zoom', () => {
    expect(parseViewport('-9.2,38.7,-9.0,38.8', 14)).toEqual({ west: -9.2, south: 38.7, east: -9.0, north: 38.8, zoom: 14 });
  });
  it.each([
    ['1,2,3', 'four numbers'],
    ['a,b,c,d', 'four numbers'],
    ['1,,3,4', 'four numbers'],
    ['-200,0,0,10', 'outside'],
    ['5,0,1,10', 'west ≤ east'],
  ])('refuses bbox %s with a reason', (bbox, reason) => {
    const e = (() => {
      try {
        parseViewport(bbox, 3);
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(ParapetError);
    expect((e as ParapetError).code).toBe('invalid_query');
    expect((e as ParapetError).detail).toContain(reason);
  });
  it('requires a zoom with a bbox', () => {
    expect(() => parseViewport('0,0,1,1', undefined)).toThrow(/zoom is required/);
  });
});

describe('viewportAnswer', () => {
  const vp = { west: -10, south: 38, east: -9, north: 39, zoom: 12 };

  it('sends the devices inside the box raw when there are few, and leaves out those without a position', () => {
    const all = [device(1, 38.5, -9.5), device(2, 40, -9.5), device(3, null, null), device(4, 38.1, -9.9)];
    const a = viewportAnswer(all, vp, 10);
    expect(a.clustered).toBe(false);
    expect(a.devices.map((d) => d.id)).toEqual(['d-000001', 'd-000004']);
    expect(a.total).toBe(2);
    expect(a.bounds).toEqual([-9.9, 38.1, -9.5, 38.5]);
  });

  it('clusters by screen cell when there are more than the limit, counting every device once', () => {
    const all: ScannedDevice[] = [];
    // 500 devices packed around one point, 1 alone far away in the box.
    for (let i = 0; i < 500; i++) all.push(device(i, 38.5 + (i % 10) * 1e-5, -9.5 + Math.floor(i / 10) * 1e-5, i % 7 === 0 ? 'offline' : 'online'));
    all.push(device(999, 38.05, -9.95, 'fault'));
    viewsBuilt = 0;
    const a = viewportAnswer(all, vp, 100);
    expect(a.clustered).toBe(true);
    expect(a.total).toBe(501);
    // Only devices sent raw get a view; the clustered ones are counted, not materialised.
    expect(viewsBuilt).toBe(a.devices.length);
    const clustered = a.clusters.reduce((n, c) => n + c.count, 0);
    expect(clustered + a.devices.length).toBe(501);
    expect(a.devices.map((d) => d.id)).toContain('d-000999');
    // The bounds span every device in the box, clustered or not (the map fits to them).
    expect(a.bounds?.[0]).toBeCloseTo(-9.95, 6);
    expect(a.bounds?.[1]).toBeCloseTo(38.05, 6);
    expect(a.bounds?.[3]).toBeCloseTo(38.50009, 6);
    const offline = a.clusters.reduce((n, c) => n + c.status.offline, 0);
    expect(offline).toBe(Math.ceil(500 / 7));
    for (const c of a.clusters) {
      expect(c.lat).toBeGreaterThan(38.49);
      expect(c.lat).toBeLessThan(38.51);
    }
  });

  it('bounds the grid of a line-thin box at the highest zoom instead of allocating 2^32 cells', () => {
    const all: ScannedDevice[] = [];
    for (let i = 0; i < 30; i++) all.push(device(i, -80 + i * 5, 10));
    const a = viewportAnswer(all, { west: 10, south: -85, east: 10, north: 85, zoom: 30 }, 10);
    expect(a.clustered).toBe(true);
    expect(a.clusters.reduce((n, c) => n + c.count, 0) + a.devices.length).toBe(30);
  });

  it('keeps the number of cells bounded when a huge box is asked at a high zoom', () => {
    const all: ScannedDevice[] = [];
    for (let i = 0; i < 20_000; i++) all.push(device(i, -60 + (i % 200) * 0.6, -170 + Math.floor(i / 200) * 3.4));
    const a = viewportAnswer(all, { west: -180, south: -80, east: 180, north: 80, zoom: 18 }, 1000);
    expect(a.clustered).toBe(true);
    expect(a.clusters.length + a.devices.length).toBeLessThanOrEqual(4096 * 1.1);
    expect(a.clusters.reduce((n, c) => n + c.count, 0) + a.devices.length).toBe(20_000);
  });
});
