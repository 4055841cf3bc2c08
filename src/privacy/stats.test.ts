import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../core/clock.js';
import { sealSafeEvent, type SafeEvent } from '../core/event.js';
import { footfall, occupancy, type StatsQuery } from './stats.js';
import { createMemoryStore } from '../store/memory/memory-store.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');

function ev(kind: SafeEvent['kind'], ts: number, data: Record<string, unknown>, site = 'harbour', zone: string | null = 'gate'): SafeEvent {
  return sealSafeEvent({ id: null, ts, received_at: ts, device: 'd', site, zone, kind, data });
}

const q = (o: Partial<StatsQuery> = {}): StatsQuery => ({ from: T0, to: T0 + 2 * HOUR, intervalMs: HOUR, sites: [], k: 5, ...o });

describe('footfall', () => {
  it('sums people entering per zone and interval and suppresses cells below k', async () => {
    const events = createMemoryStore().events;
    await events.append([
      ev('camera.line_crossing', T0 + MINUTE, { line: 'l', direction: 'in', object: 'person', count: 4 }),
      ev('camera.line_crossing', T0 + 2 * MINUTE, { line: 'l', direction: 'in', object: 'person', count: 3 }),
      ev('camera.line_crossing', T0 + 3 * MINUTE, { line: 'l', direction: 'out', object: 'person', count: 50 }),
      ev('camera.line_crossing', T0 + 4 * MINUTE, { line: 'l', direction: 'in', object: 'vehicle', count: 50 }),
      ev('camera.line_crossing', T0 + HOUR + MINUTE, { line: 'l', direction: 'in', object: 'person', count: 2 }),
      ev('camera.line_crossing', T0 + MINUTE, { line: 'l', direction: 'in', object: 'person', count: 9 }, 'campus', null),
      ev('camera.line_crossing', T0 + MINUTE, { line: 'l', direction: 'in', object: 'person', count: 'many' }, 'campus', 'z'),
    ]);
    const a = await footfall(events, q());
    expect(a).toMatchObject({ from: '2026-11-26T10:00:00.000Z', to: '2026-11-26T12:00:00.000Z', interval_ms: HOUR, k: 5 });
    expect(a.series).toEqual([
      {
        site: 'campus',
        zone: null,
        source: 'camera',
        buckets: [
          { t: '2026-11-26T10:00:00.000Z', value: 9, suppressed: false },
          { t: '2026-11-26T11:00:00.000Z', value: 0, suppressed: false },
        ],
        total: 9,
      },
      {
        site: 'harbour',
        zone: 'gate',
        source: 'camera',
        buckets: [
          { t: '2026-11-26T10:00:00.000Z', value: 7, suppressed: false },
          { t: '2026-11-26T11:00:00.000Z', value: null, suppressed: true },
        ],
        total: 7,
      },
    ]);
  });

  it('keeps to the caller site scope and filters', async () => {
    const events = createMemoryStore().events;
    await events.append([
      ev('camera.line_crossing', T0, { line: 'l', direction: 'in', object: 'person', count: 9 }, 'campus'),
      ev('camera.line_crossing', T0, { line: 'l', direction: 'in', object: 'person', count: 9 }, 'harbour', 'a'),
      ev('camera.line_crossing', T0, { line: 'l', direction: 'in', object: 'person', count: 9 }, 'harbour', 'b'),
    ]);
    expect((await footfall(events, q({ sites: ['harbour'] }))).series.map((s) => `${s.site}/${s.zone}`)).toEqual(['harbour/a', 'harbour/b']);
    expect((await footfall(events, q({ site: 'harbour', zone: 'b' }))).series.map((s) => `${s.site}/${s.zone}`)).toEqual(['harbour/b']);
  });
});

describe('occupancy', () => {
  it('takes the peak per interval from cameras and Wi-Fi counts, k-anonymous', async () => {
    const events = createMemoryStore().events;
    const many: SafeEvent[] = [];
    for (let i = 0; i < 1200; i++) many.push(ev('camera.occupancy', T0 + i * 1000, { zone: 'gate', object: 'person', count: i % 7 === 0 ? 12 : 6 }));
    await events.append(many);
    await events.append([
      ev('camera.occupancy', T0 + HOUR, { zone: 'gate', object: 'vehicle', count: 99 }),
      ev('camera.occupancy', T0 + HOUR, { zone: 'gate', object: 'person', count: 3 }),
      ev('wifi.count', T0 + 5 * MINUTE, { unique_devices: 8, interval_s: 300 }),
      ev('wifi.count', T0 + HOUR, { unique_devices: 4, interval_s: 300 }),
    ]);
    const a = await occupancy(events, q());
    expect(a.series.map((s) => [s.source, s.buckets.map((b) => b.value), s.total])).toEqual([
      ['camera', [12, null], 12],
      ['wifi', [8, null], 8],
    ]);
  });

  it('answers an empty series list when nothing was counted', async () => {
    expect((await occupancy(createMemoryStore().events, q())).series).toEqual([]);
  });
});
