import { describe, expect, it } from 'vitest';
import type { DeviceView } from '../../api.js';
import { convexHull, zoneShapes } from './zones.js';

const dev = (id: string, zone: string | null, lat: number | null, lon: number | null): DeviceView => ({ id, type: 'camera', name: id, site: 'harbour', zone, lat, lon, heartbeat_s: 60, status: 'online', last_seen: null });

describe('zone outlines', () => {
  it('keeps only the hull of a point set', () => {
    const hull = convexHull([
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
      [0.5, 0.5],
    ]);
    expect(hull).toHaveLength(4);
    expect(hull).not.toContainEqual([0.5, 0.5]);
  });

  it('draws one padded outline per zone, labelled above its northern edge, ignoring devices without zone or position', () => {
    const shapes = zoneShapes([dev('a', 'quay', 38.7, -9.1), dev('b', 'quay', 38.701, -9.101), dev('c', 'plaza', 38.71, -9.12), dev('d', null, 38.7, -9.1), dev('e', 'quay', null, null)], 0.0001);
    expect(shapes.map((s) => s.zone).sort()).toEqual(['plaza', 'quay']);
    const quay = shapes.find((s) => s.zone === 'quay');
    expect(quay?.devices).toBe(2);
    expect(quay?.top[0]).toBeCloseTo(38.7011, 6);
    const plaza = shapes.find((s) => s.zone === 'plaza');
    expect(plaza?.ring).toHaveLength(4);
  });
});
