import { afterEach, describe, expect, it, vi } from 'vitest';
import { sealSafeEvent, type SafeEvent } from '../core/event.js';
import { HOUR, MINUTE, SECOND } from '../core/clock.js';
import { startWifiFlusher, WifiAggregator, wifiCountEvents, type WifiFlush } from './wifi.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');

function sighting(mac: string, ts: number, o: { site?: string; zone?: string | null; device?: string; received?: number } = {}): SafeEvent {
  return sealSafeEvent({
    id: null,
    ts,
    received_at: o.received ?? ts,
    device: o.device ?? 'wifi-1',
    site: o.site ?? 'harbour',
    zone: o.zone === undefined ? 'plaza' : o.zone,
    kind: 'wifi.sighting',
    data: { mac, rssi: -60 },
  });
}

const macs = (n: number, prefix = 'mac:20261126:d') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('WifiAggregator (counts-only)', () => {
  it('emits per-zone unique-device counts when a 5-minute window closes, and forgets the pseudonyms', () => {
    const agg = new WifiAggregator({ mode: 'counts' });
    for (const m of macs(6)) agg.observe(sighting(m, T0 + 10 * SECOND));
    for (const m of macs(6)) agg.observe(sighting(m, T0 + 2 * MINUTE, { device: 'wifi-0' })); // the same devices again
    for (const m of macs(5, 'x')) agg.observe(sighting(m, T0 + MINUTE, { zone: 'gate' }));
    expect(agg.held()).toBe(11);
    expect(agg.flush(T0 + 5 * MINUTE - 1).counts).toEqual([]);
    const f = agg.flush(T0 + 5 * MINUTE);
    expect(f.closed).toBe(2);
    expect(f.openFrom).toBe(T0 + 5 * MINUTE);
    expect(f.counts).toEqual([
      { site: 'harbour', zone: 'gate', window_start: T0, window_end: T0 + 5 * MINUTE, unique_devices: 5, sensors: ['wifi-1'] },
      { site: 'harbour', zone: 'plaza', window_start: T0, window_end: T0 + 5 * MINUTE, unique_devices: 6, sensors: ['wifi-0', 'wifi-1'] },
    ]);
    expect(agg.held()).toBe(0);
    expect(agg.flush(T0 + 10 * MINUTE).counts).toEqual([]);
  });

  it('never emits a zone-window with fewer than k devices', () => {
    const agg = new WifiAggregator({ mode: 'counts', k: 5 });
    for (const m of macs(4)) agg.observe(sighting(m, T0));
    const f = agg.flush(T0 + 5 * MINUTE);
    expect(f.counts).toEqual([]);
    expect(f.suppressed).toBe(1);
    expect(f.closed).toBe(1);
    expect(agg.held()).toBe(0);
  });

  it('orders output by window, then site and zone', () => {
    const agg = new WifiAggregator({ mode: 'counts', k: 1 });
    for (const [site, zone, t] of [['b', 'z', T0], ['a', null, T0 + 5 * MINUTE], ['a', 'z', T0], ['a', null, T0], ['b', 'a', T0]] as const) {
      agg.observe(sighting('m', t, { site, zone }));
    }
    expect(agg.flush(T0 + 10 * MINUTE).counts.map((r) => `${(r.window_start - T0) / MINUTE} ${r.site}/${r.zone}`)).toEqual([
      '0 a/null',
      '0 a/z',
      '0 b/a',
      '0 b/z',
      '5 a/null',
    ]);
  });

  it('keeps sites apart even for equal zone names', () => {
    const agg = new WifiAggregator({ mode: 'counts', k: 2 });
    for (const m of macs(2)) agg.observe(sighting(m, T0, { site: 'a' }));
    for (const m of macs(2)) agg.observe(sighting(m, T0, { site: 'b', zone: null }));
    expect(agg.flush(T0 + 5 * MINUTE).counts.map((r) => [r.site, r.zone, r.unique_devices])).toEqual([
      ['a', 'plaza', 2],
      ['b', null, 2],
    ]);
  });

  it('drops sightings for a window already closed and counts them as late', () => {
    const agg = new WifiAggregator({ mode: 'counts' });
    agg.flush(T0 + 5 * MINUTE);
    agg.observe(sighting('m', T0 + MINUTE));
    expect(agg.late).toBe(1);
    expect(agg.held()).toBe(0);
  });

  it('files a future-dated sighting under its arrival window, so it is forgotten as soon', () => {
    const agg = new WifiAggregator({ mode: 'counts', k: 2 });
    for (const m of macs(2)) agg.observe(sighting(m, T0 + 4 * MINUTE, { received: T0 + MINUTE }));
    expect(agg.flush(T0 + 5 * MINUTE).counts[0]?.window_start).toBe(T0);
  });

  it('ignores other kinds and sightings without a pseudonym', () => {
    const agg = new WifiAggregator({ mode: 'counts' });
    agg.observe(sealSafeEvent({ id: null, ts: T0, received_at: T0, device: 'c', site: 's', zone: null, kind: 'camera.motion', data: {} }));
    agg.observe(sealSafeEvent({ id: null, ts: T0, received_at: T0, device: 'c', site: 's', zone: null, kind: 'wifi.sighting', data: { rssi: 1 } }));
    expect(agg.held()).toBe(0);
  });

  it('tells the pipeline to store no sighting in counts-only mode, and to store them in dwell mode', () => {
    const counts = new WifiAggregator({ mode: 'counts' });
    const dwell = new WifiAggregator({ mode: 'dwell' });
    const count = wifiCountEvents([{ site: 's', zone: 'z', window_start: T0, window_end: T0 + 1, unique_devices: 5, sensors: ['w'] }], T0)[0];
    expect(counts.mode).toBe('counts');
    expect(counts.consumes(sighting('m', T0))).toBe(true);
    expect(count && counts.consumes(count)).toBe(false);
    expect(dwell.consumes(sighting('m', T0))).toBe(false);
  });
});

describe('WifiAggregator (dwell)', () => {
  it('emits k-anonymous dwell statistics of ended visits', () => {
    const agg = new WifiAggregator({ mode: 'dwell', k: 3, visitGapMs: 10 * MINUTE });
    // three devices stay 2, 4 and 6 minutes
    for (const [i, stay] of [2, 4, 6].entries()) {
      agg.observe(sighting(`d${i}`, T0));
      agg.observe(sighting(`d${i}`, T0 + stay * MINUTE));
    }
    agg.flush(T0 + 10 * MINUTE); // windows close; visits still open (gap not reached for d2)
    const ending = agg.flush(T0 + 17 * MINUTE); // every visit is now over: filed under the open window
    expect(ending.dwell).toEqual([]);
    const f = agg.flush(T0 + 20 * MINUTE);
    expect(f.dwell).toEqual([
      { site: 'harbour', zone: 'plaza', window_start: T0 + 15 * MINUTE, window_end: T0 + 20 * MINUTE, visits: 3, median_s: 240, p90_s: 360, max_s: 360 },
    ]);
    expect(agg.held()).toBe(0);
  });

  it('ends a visit when the device comes back after the gap', () => {
    const agg = new WifiAggregator({ mode: 'dwell', k: 1, visitGapMs: MINUTE });
    agg.observe(sighting('d', T0));
    agg.observe(sighting('d', T0 + 30 * SECOND));
    agg.observe(sighting('d', T0 + 3 * MINUTE));
    expect(agg.flush(T0 + 5 * MINUTE).dwell.map((r) => [r.window_start, r.visits, r.max_s])).toEqual([[T0, 1, 30]]);
    // the second visit ended at that flush, so it is reported with the next window
    expect(agg.flush(T0 + 10 * MINUTE).dwell.map((r) => [r.window_start, r.visits, r.max_s])).toEqual([[T0 + 5 * MINUTE, 1, 0]]);
  });

  it('forgets a pseudonym after 24 hours even while it is still seen', () => {
    const agg = new WifiAggregator({ mode: 'dwell', k: 1, dwellMaxMs: 48 * HOUR });
    for (let t = 0; t <= 24 * HOUR; t += 5 * MINUTE) {
      agg.observe(sighting('d', T0 + t));
      agg.flush(T0 + t + 1);
    }
    const later = agg.flush(T0 + 24 * HOUR + 10 * MINUTE);
    expect(agg.held()).toBe(0);
    expect(later.dwell.map((r) => r.max_s)).toEqual([24 * 3600]);
  });

  it('suppresses dwell rows with fewer than k visits', () => {
    const agg = new WifiAggregator({ mode: 'dwell', k: 5, visitGapMs: MINUTE });
    agg.observe(sighting('d', T0));
    agg.flush(T0 + 2 * MINUTE);
    const f = agg.flush(T0 + 5 * MINUTE);
    expect(f.dwell).toEqual([]);
    expect(f.suppressed).toBeGreaterThanOrEqual(1);
  });
});

describe('wifiCountEvents', () => {
  it('builds one wifi.count event per row, filed under the first sensor, with no pseudonym', () => {
    const [e] = wifiCountEvents(
      [
        { site: 's', zone: 'z', window_start: T0, window_end: T0 + 5 * MINUTE, unique_devices: 7, sensors: ['a', 'b'] },
        { site: 's', zone: 'y', window_start: T0, window_end: T0 + 5 * MINUTE, unique_devices: 7, sensors: [] },
      ],
      T0 + 5 * MINUTE,
    );
    expect(e).toMatchObject({ id: `wifi-count-${T0}`, device: 'a', site: 's', zone: 'z', kind: 'wifi.count', ts: T0, data: { unique_devices: 7, interval_s: 300 } });
    expect(JSON.stringify(e)).not.toContain('mac');
  });
});

describe('startWifiFlusher', () => {
  afterEach(() => vi.useRealTimers());

  it('flushes on its timer, reports errors, and flushes once more when stopped', async () => {
    vi.useFakeTimers();
    let now = T0;
    const agg = new WifiAggregator({ mode: 'counts', k: 1 });
    const got: WifiFlush[] = [];
    const errors: unknown[] = [];
    let fail = false;
    const stop = startWifiFlusher({
      aggregator: agg,
      now: () => now,
      emit: (f) => {
        if (fail) throw new Error('store down');
        got.push(f);
      },
      onError: (e) => errors.push(e),
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(got).toHaveLength(0); // nothing to emit
    agg.observe(sighting('m', T0));
    now = T0 + 5 * MINUTE;
    await vi.advanceTimersByTimeAsync(1000);
    expect(got).toHaveLength(1);
    fail = true;
    agg.observe(sighting('n', now));
    now += 5 * MINUTE;
    await vi.advanceTimersByTimeAsync(1000);
    expect(errors).toHaveLength(1);
    fail = false;
    agg.observe(sighting('o', now));
    now += 5 * MINUTE;
    await stop();
    expect(got).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(5000);
    expect(got).toHaveLength(2);
  });
});
