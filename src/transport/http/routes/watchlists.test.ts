import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../../test/helpers/hub.js';

describe('watchlist routes', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
    await hub.deps.registry.put({ id: 'lpr-1', type: 'lpr', site: 'harbour', name: 'Gate reader' });
  });
  afterAll(async () => hub.close());

  const inAWeek = (): string => new Date(Date.now() + 7 * 86_400_000).toISOString();
  const post = (list: string, body: unknown, token = hub.adminToken) => hub.api(`/watchlists/${list}/entries`, { method: 'POST', body: JSON.stringify(body), token });
  const entry = { value: 'AB-123-CD', label: 'Case 17 vehicle', reason: 'stolen vehicle', legal_basis: 'police request 2026/117' };

  it('adds an entry without ever returning its value, and a read of the plate opens an alert with the label', async () => {
    const res = await post('plates', { ...entry, expires_at: inAWeek() });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Record<string, unknown>;
    expect(created).toMatchObject({ list: 'plates', label: 'Case 17 vehicle', legal_basis: 'police request 2026/117', created_by: 'test-admin' });
    expect(JSON.stringify(created)).not.toMatch(/AB.?123/);
    const list = (await (await hub.api('/watchlists/plates/entries')).json()) as { entries: unknown[] };
    expect(JSON.stringify(list)).not.toMatch(/AB.?123/);
    expect(list.entries).toHaveLength(1);

    const read = await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: JSON.stringify([
      { device: 'lpr-1', ts: new Date().toISOString(), kind: 'lpr.read', data: { plate: 'ab 123 cd' } },
      { device: 'lpr-1', ts: new Date().toISOString(), kind: 'lpr.read', data: { plate: 'ZZ-999-ZZ' } },
    ]) });
    expect(read.status).toBe(202);
    await hub.deps.rules.settle();
    const alerts = (await (await hub.api('/alerts?rule=watchlisted-plate')).json()) as { alerts: unknown[] };
    expect(alerts.alerts).toEqual([expect.objectContaining({ title: 'Watchlisted vehicle at Gate reader: Case 17 vehicle', occurrences: 1 })]);
    expect(JSON.stringify(alerts)).not.toMatch(/AB.?123|ZZ.?999/i);
    const audit = await hub.deps.audit.list({ limit: 100 });
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['watchlist.add', 'watchlist.hit']));
    expect(JSON.stringify(audit)).not.toMatch(/AB.?123/);
  });

  it('requires reason, legal basis and expiry; refuses unknown lists and non-admins', async () => {
    const missing = await post('plates', entry);
    expect(missing.status).toBe(400);
    const why = (await missing.json()) as { error: string; detail: string };
    expect(why.error).toBe('bad_request');
    expect(why.detail).toContain('expires_at');
    expect((await post('plates', { ...entry, legal_basis: undefined, expires_at: inAWeek() })).status).toBe(400);
    expect((await post('plates', { ...entry, expires_at: '2020-01-01T00:00:00Z' })).status).toBe(422);
    expect((await post('faces', { ...entry, expires_at: inAWeek() })).status).toBe(404);
    expect((await post('plates', { ...entry, expires_at: inAWeek() }, hub.operatorToken)).status).toBe(403);
    expect((await hub.api('/watchlists/plates/entries', { token: hub.operatorToken })).status).toBe(403);
  });

  it('deletes an entry (audited) and answers 404 for an unknown one', async () => {
    const created = (await (await post('credentials', { value: 'CARD-42', label: 'Lost card', reason: 'reported lost', legal_basis: 'site policy', expires_at: inAWeek() })).json()) as { id: string };
    expect((await hub.api(`/watchlists/credentials/entries/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await hub.api(`/watchlists/credentials/entries/${created.id}`, { method: 'DELETE' })).status).toBe(404);
    expect(((await (await hub.api('/watchlists/credentials/entries')).json()) as { entries: unknown[] }).entries).toEqual([]);
    const audit = await hub.deps.audit.list({ limit: 100 });
    expect(audit.some((a) => a.action === 'watchlist.remove' && a.target === `credentials/${created.id}`)).toBe(true);
  });
});
