/**
 * SPEC §4.7: plate reads that hit no watchlist live 72 hours; reads that hit one are kept 30 days.
 * A hit is recorded as an `lpr.watchlist_hit` (pseudonym, device, time, list entry) with its own
 * retention, so the purge can drop ordinary reads at 72 h and the hit record only at 30 days.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, FakeClock, HOUR } from '../../src/core/clock.js';
import { runPurge } from '../../src/privacy/retention.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';

const clock = new FakeClock(Date.now());
let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({}, clock);
  expect((await hub.api('/devices/lpr-9', { method: 'PUT', body: JSON.stringify({ type: 'lpr', site: 'harbour', zone: 'gate' }) })).status).toBe(201);
  const entry = await hub.api('/watchlists/plates/entries', {
    method: 'POST',
    body: JSON.stringify({ value: 'WL-99-XX', label: 'stolen van', reason: 'reported stolen, case 17', legal_basis: 'police request art. 6(1)(e)', expires_at: clock.now() + 60 * DAY }),
  });
  expect(entry.status).toBe(201);
});
afterAll(async () => hub.close());

async function waitFor<T>(fn: () => Promise<T | null>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (v !== null) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('timed out');
}

describe('watchlist hit retention', () => {
  it('keeps the hit 30 days while ordinary reads go after 72 hours', async () => {
    const reads = [
      { id: 'r1', ts: clock.now(), device: 'lpr-9', kind: 'lpr.read', data: { plate: 'wl 99 xx' } },
      { id: 'r2', ts: clock.now(), device: 'lpr-9', kind: 'lpr.read', data: { plate: 'OTHER1' } },
    ];
    const posted = await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: JSON.stringify(reads) });
    expect(await posted.json()).toMatchObject({ accepted: 2 });
    await waitFor(async () => ((await hub.deps.store.events.count({ kind: 'lpr.watchlist_hit' })) === 1 ? true : null));
    const page = await hub.deps.store.events.query({ kind: 'lpr.watchlist_hit', limit: 10 });
    const hit = page.events[0];
    expect(hit?.data).toMatchObject({ list: 'plates' });
    expect(String(hit?.data.plate)).toMatch(/^plate:/);
    expect(JSON.stringify(page)).not.toMatch(/WL.?99/i);

    const purge = () => runPurge({ config: hub.deps.config, clock, store: hub.deps.store, keyring: hub.deps.keyring });
    clock.advance(72 * HOUR + 1000);
    await purge();
    expect(await hub.deps.store.events.count({ kind: 'lpr.read' })).toBe(0);
    expect(await hub.deps.store.events.count({ kind: 'lpr.watchlist_hit' })).toBe(1);
    clock.advance(30 * DAY);
    await purge();
    expect(await hub.deps.store.events.count({ kind: 'lpr.watchlist_hit' })).toBe(0);
  });
});
