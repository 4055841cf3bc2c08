import { describe, expect, it } from 'vitest';
import { densify } from './densify.js';

describe('densify', () => {
  it('fills every bucket of the period with zeros and keeps the counts at their time', () => {
    const h = 3600_000;
    const from = Date.parse('2026-11-26T00:30:00Z');
    const to = Date.parse('2026-11-26T04:10:00Z');
    const { data, range } = densify([{ t: '2026-11-26T02:00:00.000Z', count: 7 }], h, from, to);
    const [xs, ys] = data as [number[], number[]];
    expect(xs.map((x) => new Date(x * 1000).toISOString().slice(11, 16))).toEqual(['00:00', '01:00', '02:00', '03:00', '04:00']);
    expect(ys).toEqual([0, 0, 7, 0, 0]);
    expect(range).toEqual([Date.parse('2026-11-26T00:00:00Z') / 1000, (to + h) / 1000]);
  });
});
