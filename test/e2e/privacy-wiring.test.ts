/**
 * The privacy services as the hub wires them (issue 3): the keyring is the pseudonymiser's key
 * source and audits its keys; Wi-Fi sightings become k-anonymous wifi.count events when their
 * 5-minute window closes, and in counts-only mode no sighting outlives its window.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeClock, MINUTE } from '../../src/core/clock.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';

const T0 = Math.floor(Date.now() / (5 * MINUTE)) * 5 * MINUTE + MINUTE;
const clock = new FakeClock(T0);
let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({}, clock);
  for (const [id, type] of [
    ['wifi-1', 'wifi'],
    ['lpr-1', 'lpr'],
  ] as const) {
    expect((await hub.api(`/devices/${id}`, { method: 'PUT', body: JSON.stringify({ type, site: 'harbour', zone: 'plaza' }) })).status).toBe(201);
  }
});
afterAll(async () => hub.close());

describe('privacy wiring', () => {
  it('pseudonymises with the keyring and audits key creation', async () => {
    const r = await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: JSON.stringify({ ts: T0, device: 'lpr-1', kind: 'lpr.read', data: { plate: 'AB-12-CD' } }) });
    expect(r.status).toBe(202);
    const [stored] = (await hub.deps.store.events.query({ kind: 'lpr.read', limit: 1 })).events;
    expect(hub.deps.keyring.pseudonymsFor('plate', 'ab12cd')).toContain(stored?.data.plate);
    const created = await hub.deps.audit.list({ action: 'key.created', limit: 50 });
    expect(created.some((e) => e.target?.startsWith('plate/'))).toBe(true);
  });

  it('turns sightings into one k-anonymous count per zone and window, keeping no sighting', async () => {
    const sightings = Array.from({ length: 6 }, (_, i) => ({ ts: T0 + i * 1000, device: 'wifi-1', kind: 'wifi.sighting', data: { mac: `AA:BB:CC:DD:EE:0${i}`, rssi: -60 } }));
    const r = await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: JSON.stringify(sightings) });
    expect(await r.json()).toMatchObject({ accepted: 6 });
    clock.advance(5 * MINUTE);
    await vi.waitFor(async () => expect(await hub.deps.store.events.count({ kind: 'wifi.count' })).toBe(1), { timeout: 5_000, interval: 100 });
    const [count] = (await hub.deps.store.events.query({ kind: 'wifi.count', limit: 1 })).events;
    expect(count).toMatchObject({ device: 'wifi-1', site: 'harbour', zone: 'plaza', data: { unique_devices: 6, interval_s: 300 } });
    expect(await hub.deps.store.events.count({ kind: 'wifi.sighting' })).toBe(0);
    expect(hub.deps.wifi.held()).toBe(0);
  });
});
