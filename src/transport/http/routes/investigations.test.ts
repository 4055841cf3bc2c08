import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../../test/helpers/hub.js';

let hub: TestHub;
let alice = '';
let bob = '';
let scoped = '';
const PLATE = 'AB-123-CD';
const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();
const now = () => new Date().toISOString();
const body = (over: Record<string, unknown> = {}) => JSON.stringify({ class: 'plate', value: PLATE, case_id: 'CASE-42', reason: 'stolen vehicle report 2026/811', from: hourAgo(), to: now(), ...over });

beforeAll(async () => {
  hub = await startTestHub();
  alice = (await hub.deps.auth.createToken('alice', 'investigator', [])).secret;
  bob = (await hub.deps.auth.createToken('bob', 'investigator', [])).secret;
  scoped = (await hub.deps.auth.createToken('carl', 'investigator', ['campus'])).secret;
  for (const [id, site] of [
    ['lpr-1', 'harbour'],
    ['lpr-2', 'campus'],
  ] as const) {
    expect((await hub.api(`/devices/${id}`, { method: 'PUT', body: JSON.stringify({ type: 'lpr', site, name: id }) })).status).toBe(201);
  }
  const reads = [
    { ts: new Date(Date.now() - 600_000).toISOString(), device: 'lpr-1', kind: 'lpr.read', data: { plate: 'ab 123 cd' } },
    { ts: new Date(Date.now() - 300_000).toISOString(), device: 'lpr-2', kind: 'lpr.read', data: { plate: 'АВ123СD' } },
    { ts: new Date(Date.now() - 200_000).toISOString(), device: 'lpr-1', kind: 'lpr.read', data: { plate: 'ZZ999' } },
  ];
  expect((await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: JSON.stringify(reads) })).status).toBe(202);
});
afterAll(async () => hub.close());

async function create(token = alice, over: Record<string, unknown> = {}): Promise<string> {
  const r = await hub.api('/investigations/sightings', { method: 'POST', token, body: body(over) });
  expect(r.status).toBe(201);
  return ((await r.json()) as { id: string }).id;
}

describe('investigations over HTTP (SPEC §4.5)', () => {
  it('files a pending request and never echoes the value', async () => {
    const r = await hub.api('/investigations/sightings', { method: 'POST', token: alice, body: body() });
    expect(r.status).toBe(201);
    const text = await r.text();
    expect(text).not.toMatch(/AB-?123-?CD/i);
    expect(JSON.parse(text)).toMatchObject({ state: 'pending', case_id: 'CASE-42', requested_by: 'alice', class: 'plate' });
  });

  it('lets only the investigator role file a request', async () => {
    for (const token of [hub.operatorToken, hub.adminToken, hub.ingestToken]) {
      const r = await hub.api('/investigations/sightings', { method: 'POST', token, body: body() });
      expect(r.status).toBe(403);
      expect(await r.json()).toMatchObject({ error: 'forbidden' });
    }
  });

  it('answers 400 naming the problem for a bad body', async () => {
    const cases: Array<[string, string]> = [
      [body({ class: 'imsi' }), 'class'],
      [body({ reason: 'short' }), 'reason'],
      [body({ case_id: undefined }), 'case_id'],
      [body({ extra: 1 }), 'extra'],
      [body({ from: 'yesterday' }), 'from'],
    ];
    for (const [b, word] of cases) {
      const r = await hub.api('/investigations/sightings', { method: 'POST', token: alice, body: b });
      expect(r.status, b).toBe(400);
      expect(((await r.json()) as { detail: string }).detail).toContain(word);
    }
    const broken = await hub.api('/investigations/sightings', { method: 'POST', token: alice, body: '{"class":' });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: 'invalid_json' });
  });

  it('refuses a period outside retention or in the future with 422', async () => {
    const old = await hub.api('/investigations/sightings', { method: 'POST', token: alice, body: body({ from: new Date(Date.now() - 31 * 86_400_000).toISOString() }) });
    expect(old.status).toBe(422);
    expect(((await old.json()) as { detail: string }).detail).toMatch(/retention/);
    const future = await hub.api('/investigations/sightings', { method: 'POST', token: alice, body: body({ to: Date.now() + 3_600_000 }) });
    expect(future.status).toBe(422);
  });

  it('shows results to the requester only after a second person approved', async () => {
    const id = await create();
    const early = await hub.api(`/investigations/${id}/results`, { token: alice });
    expect(early.status).toBe(409);
    expect((await hub.api(`/investigations/${id}/approve`, { method: 'POST', token: alice, body: '{}' })).status).toBe(403);
    const pending = (await (await hub.api('/investigations?state=pending', { token: bob })).json()) as { investigations: Array<{ id: string }> };
    expect(pending.investigations.map((i) => i.id)).toContain(id);
    const ok = await hub.api(`/investigations/${id}/approve`, { method: 'POST', token: bob });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ state: 'approved', decided_by: 'bob' });
    expect((await hub.api(`/investigations/${id}/results`, { token: bob })).status).toBe(403);
    const res = await hub.api(`/investigations/${id}/results`, { token: alice });
    expect(res.status).toBe(200);
    const out = (await res.json()) as { events: Array<{ device: string; data: { plate: string } }>; truncated: boolean };
    expect(out.events.map((e) => e.device)).toEqual(['lpr-1', 'lpr-2']);
    expect(out.events.every((e) => e.data.plate.startsWith('plate:'))).toBe(true);
    expect((await hub.api(`/investigations/${id}`, { token: alice })).status).toBe(200);
  });

  it('lets an admin approve and a second investigator reject with a note', async () => {
    const a = await create();
    expect((await hub.api(`/investigations/${a}/approve`, { method: 'POST', token: hub.adminToken, body: JSON.stringify({ note: 'legal basis checked' }) })).status).toBe(200);
    const b = await create();
    expect((await hub.api(`/investigations/${b}/reject`, { method: 'POST', token: bob, body: '{}' })).status).toBe(400);
    const rej = await hub.api(`/investigations/${b}/reject`, { method: 'POST', token: bob, body: JSON.stringify({ note: 'no case file' }) });
    expect(rej.status).toBe(200);
    expect(await rej.json()).toMatchObject({ state: 'rejected', decision_note: 'no case file' });
    expect((await hub.api(`/investigations/${b}/approve`, { method: 'POST', token: hub.adminToken, body: '{}' })).status).toBe(409);
  });

  it('keeps scoped investigators within their sites', async () => {
    const id = await create();
    expect((await hub.api(`/investigations/${id}`, { token: scoped })).status).toBe(404);
    expect((await hub.api(`/investigations/${id}/approve`, { method: 'POST', token: scoped, body: '{}' })).status).toBe(404);
    const mine = await create(scoped);
    await hub.api(`/investigations/${mine}/approve`, { method: 'POST', token: bob, body: '{}' });
    const res = (await (await hub.api(`/investigations/${mine}/results`, { token: scoped })).json()) as { events: Array<{ site: string }> };
    expect(res.events.map((e) => e.site)).toEqual(['campus']);
  });

  it('answers 404 for an unknown request and refuses the list to operators', async () => {
    expect((await hub.api('/investigations/inv_nothing', { token: alice })).status).toBe(404);
    expect((await hub.api('/investigations', { token: hub.operatorToken })).status).toBe(403);
    expect((await hub.api('/investigations?state=weird', { token: alice })).status).toBe(400);
  });

  it('audits every step without the value', async () => {
    const entries = await hub.deps.audit.list({ action: 'investigation.*', limit: 500 });
    expect(new Set(entries.map((e) => `${e.action}:${e.outcome}`))).toEqual(
      new Set(['investigation.request:success', 'investigation.request:denied', 'investigation.approve:success', 'investigation.approve:denied', 'investigation.reject:success', 'investigation.results:success', 'investigation.results:denied']),
    );
    expect(JSON.stringify(entries)).not.toMatch(/AB-?123-?CD/i);
  });
});
