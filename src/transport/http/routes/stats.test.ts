import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../../test/helpers/hub.js';

let hub: TestHub;
let campusOperator = '';
const hourStart = Math.floor((Date.now() - 2 * 3_600_000) / 3_600_000) * 3_600_000;
/** Mid-hour, so the events of one test never straddle two buckets. */
const T = hourStart + 30 * 60_000;

beforeAll(async () => {
  hub = await startTestHub();
  campusOperator = (await hub.deps.auth.createToken('campus-wall', 'operator', ['campus'])).secret;
  expect((await hub.api('/devices/cam-1', { method: 'PUT', body: JSON.stringify({ type: 'camera', site: 'harbour', zone: 'gate' }) })).status).toBe(201);
  const events = [
    { ts: T, device: 'cam-1', kind: 'camera.line_crossing', data: { line: 'l1', direction: 'in', object: 'person', count: 7 } },
    { ts: T + 1000, device: 'cam-1', kind: 'camera.line_crossing', data: { line: 'l1', direction: 'in', object: 'person', count: 1 } },
    { ts: T, device: 'cam-1', kind: 'camera.occupancy', data: { zone: 'gate', object: 'person', count: 3 } },
  ];
  expect((await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: JSON.stringify(events) })).status).toBe(202);
});
afterAll(async () => hub.close());

const q = (path: string) => `${path}?from=${hourStart}&to=${hourStart + 3 * 3_600_000}&interval=1h`;

describe('GET /stats/footfall and /stats/occupancy (k-anonymous)', () => {
  it('publishes counts of at least k and suppresses the rest', async () => {
    const f = await hub.api(q('/stats/footfall'), { token: hub.operatorToken });
    expect(f.status).toBe(200);
    const footfall = (await f.json()) as { k: number; series: Array<{ zone: string; buckets: Array<{ value: number | null; suppressed: boolean }>; total: number }> };
    expect(footfall.k).toBe(5);
    expect(footfall.series).toHaveLength(1);
    expect(footfall.series[0]?.buckets.map((b) => b.value).filter((v) => v !== 0)).toEqual([8]);
    const o = (await (await hub.api(q('/stats/occupancy'), { token: hub.operatorToken })).json()) as { series: Array<{ buckets: Array<{ value: number | null; suppressed: boolean }> }> };
    expect(o.series[0]?.buckets.some((b) => b.value === null && b.suppressed)).toBe(true);
    expect(o.series[0]?.buckets.some((b) => b.value === 3)).toBe(false);
  });

  it('answers another site nothing, not an error', async () => {
    const r = await hub.api(`${q('/stats/footfall')}&site=harbour`, { token: campusOperator });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { series: unknown[] }).series).toEqual([]);
    const mine = (await (await hub.api(q('/stats/footfall'), { token: campusOperator })).json()) as { series: unknown[] };
    expect(mine.series).toEqual([]);
  });

  it('defaults to the last 24 hours by the hour', async () => {
    const r = (await (await hub.api('/stats/footfall', { token: hub.operatorToken })).json()) as { interval_ms: number; series: Array<{ buckets: unknown[] }> };
    expect(r.interval_ms).toBe(3_600_000);
    expect(r.series[0]?.buckets).toHaveLength(24);
  });

  it('answers 400 for bad parameters and 403 for roles without stats', async () => {
    for (const bad of ['?interval=fortnight', '?from=yesterday', `?from=${Date.now()}&to=${Date.now() - 1000}`, '?interval=1s', '?color=red']) {
      const r = await hub.api(`/stats/occupancy${bad}`, { token: hub.operatorToken });
      expect(r.status, bad).toBe(400);
    }
    expect((await hub.api('/stats/footfall', { token: hub.ingestToken })).status).toBe(403);
  });
});
