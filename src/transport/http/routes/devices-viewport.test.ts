import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../../test/helpers/hub.js';
import type { ViewportAnswer } from '../../../registry/viewport.js';

describe('GET /devices?bbox&zoom (the map viewport)', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
    // 3,000 devices on a 60×50 grid near the harbour, plus one far away and one without position.
    for (let i = 0; i < 3000; i++) {
      await hub.deps.registry.put({ id: `m-${i}`, type: 'meter', site: 'harbour', lat: 38.76 + Math.floor(i / 60) * 1e-4, lon: -9.1 + (i % 60) * 1e-4 });
    }
    await hub.deps.registry.put({ id: 'far', type: 'camera', site: 'elsewhere', lat: 10, lon: 10 });
    await hub.deps.registry.put({ id: 'nowhere', type: 'camera', site: 'harbour' });
  });
  afterAll(async () => hub.close());

  it('answers clusters when the box holds more devices than the map draws, counting each device once', async () => {
    const res = await hub.api('/devices?bbox=-9.2,38.7,-9.0,38.8&zoom=12', { token: hub.operatorToken });
    expect(res.status).toBe(200);
    const a = (await res.json()) as ViewportAnswer;
    expect(a.clustered).toBe(true);
    expect(a.total).toBe(3000);
    expect(a.clusters.length).toBeGreaterThan(0);
    expect(a.clusters.reduce((n, c) => n + c.count, 0) + a.devices.length).toBe(3000);
  });

  it('answers the devices themselves in a small box', async () => {
    const res = await hub.api('/devices?bbox=-9.1001,38.7599,-9.0985,38.7606&zoom=19', { token: hub.operatorToken });
    const a = (await res.json()) as ViewportAnswer;
    expect(a.clustered).toBe(false);
    expect(a.clusters).toEqual([]);
    expect(a.devices.length).toBe(a.total);
    expect(a.total).toBeGreaterThan(0);
    expect(a.devices.every((d) => d.lat !== null && d.lat >= 38.7599 && d.lat <= 38.7606)).toBe(true);
  });

  it('keeps the other filters and the plain list without bbox', async () => {
    const a = (await (await hub.api('/devices?bbox=0,0,20,20&zoom=3&site=elsewhere')).json()) as ViewportAnswer;
    expect(a.devices.map((d) => d.id)).toEqual(['far']);
    const plain = (await (await hub.api('/devices?site=elsewhere')).json()) as { devices: unknown[]; clusters?: unknown };
    expect(plain.devices).toHaveLength(1);
    expect(plain.clusters).toBeUndefined();
  });

  it('shows and counts a site-scoped caller only its sites’ devices, clustered or not', async () => {
    const scoped = (await hub.deps.auth.createToken('viewport-elsewhere', 'operator', ['elsewhere'])).secret;
    const world = async (qs: string) => (await (await hub.api(`/devices?bbox=-180,-90,180,90&zoom=2${qs}`, { token: scoped })).json()) as ViewportAnswer;
    const own = await world('');
    expect(own.total).toBe(1);
    expect(own.devices.map((d) => d.id)).toEqual(['far']);
    expect(own.bounds).toEqual([10, 10, 10, 10]);
    // Another site named explicitly, with or without another filter: nothing, not a 404 per device.
    expect((await world('&site=harbour')).total).toBe(0);
    expect((await world('&site=harbour&type=meter')).total).toBe(0);
    // The unscoped operator sees all of them, clustered.
    const all = (await (await hub.api('/devices?bbox=-180,-90,180,90&zoom=2', { token: hub.operatorToken })).json()) as ViewportAnswer;
    expect(all.total).toBe(3001);
    expect(all.clustered).toBe(true);
  });

  it.each([
    ['bbox=1,2,3&zoom=3', 'four numbers'],
    ['bbox=0,0,1,1', 'zoom is required'],
    ['bbox=0,0,1,1&zoom=99', 'zoom'],
  ])('refuses %s with 400 invalid_query', async (qs, text) => {
    const res = await hub.api(`/devices?${qs}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; detail: string };
    expect(body.error).toBe('invalid_query');
    expect(body.detail).toContain(text);
  });
});
