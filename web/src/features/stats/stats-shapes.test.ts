import { describe, expect, it } from 'vitest';
import type { StatsAnswer } from './stats-shapes.js';
import { align, occupancyRows, seriesOf } from './stats-shapes.js';

const answer: StatsAnswer = {
  from: '2026-11-26T10:00:00.000Z',
  to: '2026-11-26T11:00:00.000Z',
  interval_ms: 900_000,
  k: 5,
  series: [
    {
      site: 'harbour',
      zone: 'quay',
      source: 'camera',
      total: 40,
      buckets: [
        { t: '2026-11-26T10:00:00.000Z', value: 40, suppressed: false },
        { t: '2026-11-26T10:15:00.000Z', value: 0, suppressed: false },
      ],
    },
    {
      site: 'harbour',
      zone: 'plaza',
      source: 'wifi',
      total: 0,
      buckets: [
        { t: '2026-11-26T10:00:00.000Z', value: 12, suppressed: false },
        { t: '2026-11-26T10:15:00.000Z', value: null, suppressed: true },
      ],
    },
  ],
};

describe('statistics answers', () => {
  it('takes the latest real figure per zone and keeps suppressed figures suppressed', () => {
    expect(occupancyRows(answer)).toEqual([
      { site: 'harbour', zone: 'quay', source: 'camera', count: 40, at: '2026-11-26T10:00:00.000Z' },
      { site: 'harbour', zone: 'plaza', source: 'wifi', count: null, at: '2026-11-26T10:15:00.000Z' },
    ]);
  });

  it('turns suppressed cells into gaps, never numbers', () => {
    const [quay, plaza] = seriesOf(answer);
    expect(quay?.points.map((p) => p.value)).toEqual([40, 0]);
    expect(plaza?.points.map((p) => p.value)).toEqual([12, null]);
    const [xs, a, b] = align(seriesOf(answer));
    expect(xs).toHaveLength(2);
    expect(a).toEqual([40, 0]);
    expect(b).toEqual([12, null]);
  });
});
