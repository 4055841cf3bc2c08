import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../../test/helpers/hub.js';

interface Entry {
  readonly seq: number;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly sites: string[];
}

let hub: TestHub;
/** Auditors: every site, harbour only, campus only. */
let auditor = '';
let harbourAuditor = '';
let campusAuditor = '';

async function entries(token: string, query = 'limit=500'): Promise<Entry[]> {
  const r = await hub.api(`/audit?${query}`, { token });
  expect(r.status).toBe(200);
  return ((await r.json()) as { entries: Entry[] }).entries;
}
const about = (list: readonly Entry[], action: string, target: string) => list.filter((e) => e.action === action && e.target === target);

beforeAll(async () => {
  hub = await startTestHub();
  auditor = (await hub.deps.auth.createToken('aud-all', 'auditor', [])).secret;
  harbourAuditor = (await hub.deps.auth.createToken('aud-harbour', 'auditor', ['harbour'])).secret;
  campusAuditor = (await hub.deps.auth.createToken('aud-campus', 'auditor', ['campus'])).secret;
  for (const [id, site] of [
    ['cam-h', 'harbour'],
    ['cam-c', 'campus'],
  ] as const) {
    expect((await hub.api(`/devices/${id}`, { method: 'PUT', body: JSON.stringify({ type: 'camera', site, name: id }) })).status).toBe(201);
  }
  // A global entry: a failed login under an unverified name.
  const login = await fetch(`${hub.httpUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'mallory', password: 'x' }) });
  expect(login.status).toBe(401);
});
afterAll(async () => hub.close());

describe('GET /audit per site (SPEC §5.3, §5.7)', () => {
  it("shows a site-scoped auditor its own site's device change and not another site's", async () => {
    const harbour = await entries(harbourAuditor);
    expect(about(harbour, 'device.create', 'cam-h')).toEqual([expect.objectContaining({ sites: ['harbour'] })]);
    expect(about(harbour, 'device.create', 'cam-c')).toEqual([]);
    expect(harbour.every((e) => e.sites.includes('harbour'))).toBe(true);
    const campus = await entries(campusAuditor);
    expect(about(campus, 'device.create', 'cam-c')).toHaveLength(1);
    expect(about(campus, 'device.create', 'cam-h')).toEqual([]);
  });

  it('hides global entries from a site-scoped auditor and shows everything to an unscoped one', async () => {
    expect(about(await entries(harbourAuditor), 'auth.login', 'mallory')).toEqual([]);
    const all = await entries(auditor);
    expect(about(all, 'auth.login', 'mallory')).toEqual([expect.objectContaining({ sites: [] })]);
    expect(about(all, 'device.create', 'cam-h')).toHaveLength(1);
    expect(about(all, 'device.create', 'cam-c')).toHaveLength(1);
    // Its own reads are global too (the read before this one is listed); the scoped auditors' reads concern their sites.
    const again = await entries(auditor);
    const reads = (actor: string) => again.filter((e) => e.action === 'audit.read' && e.actor === actor).map((e) => e.sites);
    expect(reads('token:aud-all')).toEqual([[]]);
    expect(reads('token:aud-harbour').length).toBeGreaterThan(0);
    expect(new Set(reads('token:aud-harbour').map((x) => x.join()))).toEqual(new Set(['harbour']));
  });

  it('shows a device moved between sites, a user of two sites and an investigation to both sites', async () => {
    expect((await hub.api('/devices/cam-move', { method: 'PUT', body: JSON.stringify({ type: 'camera', site: 'campus', name: 'm' }) })).status).toBe(201);
    expect((await hub.api('/devices/cam-move', { method: 'PUT', body: JSON.stringify({ type: 'camera', site: 'harbour', name: 'm' }) })).status).toBe(200);
    expect((await hub.api('/users', { method: 'POST', body: JSON.stringify({ name: 'twosites', role: 'operator', sites: ['harbour', 'campus'] }) })).status).toBe(201);
    for (const token of [harbourAuditor, campusAuditor]) {
      const list = await entries(token);
      expect(about(list, 'device.update', 'cam-move')).toEqual([expect.objectContaining({ sites: ['campus', 'harbour'] })]);
      expect(about(list, 'users.create', 'twosites')).toEqual([expect.objectContaining({ sites: ['campus', 'harbour'] })]);
    }
    expect(about(await entries(harbourAuditor), 'device.create', 'cam-move')).toEqual([]);

    // A campus investigator's request, approved by an unscoped admin: both steps concern campus.
    const carl = (await hub.deps.auth.createToken('carl', 'investigator', ['campus'])).secret;
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const filed = await hub.api('/investigations/sightings', {
      method: 'POST',
      token: carl,
      body: JSON.stringify({ class: 'plate', value: 'AB-123-CD', case_id: 'CASE-7', reason: 'stolen vehicle report 2026/811', from: hourAgo, to: new Date().toISOString() }),
    });
    expect(filed.status).toBe(201);
    const { id } = (await filed.json()) as { id: string };
    expect((await hub.api(`/investigations/${id}/approve`, { method: 'POST', body: '{}' })).status).toBe(200);
    const campus = await entries(campusAuditor, 'limit=500&action=investigation.*');
    expect(campus.filter((e) => e.target === id).map((e) => e.action)).toEqual(['investigation.approve', 'investigation.request']);
    expect(campus.every((e) => e.sites.join() === 'campus')).toBe(true);
    expect(await entries(harbourAuditor, 'limit=500&action=investigation.*')).toEqual([]);
  });

  it('pages a scoped auditor through its own entries only', async () => {
    const all = await entries(harbourAuditor, 'limit=500&action=device.*');
    expect(all.length).toBeGreaterThanOrEqual(2);
    const seen: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const r = await hub.api(`/audit?limit=1&action=device.*${cursor ? `&cursor=${cursor}` : ''}`, { token: harbourAuditor });
      const page = (await r.json()) as { entries: Entry[]; next_cursor: string | null };
      seen.push(...page.entries.map((e) => e.seq));
      cursor = page.next_cursor;
    }
    expect(seen).toEqual(all.map((e) => e.seq));
  });
});

describe('GET /audit/verify for a site-scoped auditor', () => {
  it("verifies the whole chain without naming another site's entries", async () => {
    // Every entry so far, plus the audit.read entry this listing adds.
    const total = (await entries(auditor)).length + 1;
    const r = await hub.api('/audit/verify', { token: harbourAuditor });
    expect(r.status).toBe(200);
    const text = await r.text();
    const report = JSON.parse(text) as { ok: boolean; entries: number };
    expect(report.ok).toBe(true);
    expect(report.entries).toBe(total);
    expect(text).not.toMatch(/cam-c|campus|mallory/);
    expect(Object.keys(report).sort()).toEqual(['checkpoints', 'entries', 'key_id', 'ok', 'problem', 'public_key', 'signed_through']);
  });
});
