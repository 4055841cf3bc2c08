import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal.js';
import type { AuditRecordInput } from '../audit/audit-log.js';
import { testConfig } from '../config/load.js';
import { DAY, FakeClock, HOUR, MINUTE } from '../core/clock.js';
import { sealSafeEvent } from '../core/event.js';
import { ParapetError } from '../core/errors.js';
import type { Role } from '../store/store.js';
import { Keyring } from './keyring.js';
import { createPseudonymiser } from './pseudonymiser.js';
import { INVESTIGATION_PREFIX, InvestigationService, type InvestigationRecord } from './investigations.js';
import { memoryKv } from './test-support.js';
import { createMemoryStore } from '../store/memory/memory-store.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const who = (id: string, role: Role, sites: string[] = [], kind: Principal['kind'] = 'user'): Principal => ({ kind, id, name: id, role, sites });
const alice = who('alice', 'investigator');
const bob = who('bob', 'investigator');
const admin = who('root', 'admin');

async function world(overrides: Record<string, unknown> = {}, opts: { maxResults?: number } = {}) {
  const config = testConfig(overrides);
  const clock = new FakeClock(T0);
  const kv = memoryKv();
  const events = createMemoryStore().events;
  const keyring = await Keyring.open({ master: randomBytes(32), kv, clock, config });
  const p = createPseudonymiser(keyring);
  const audit: AuditRecordInput[] = [];
  const svc = new InvestigationService({ kv, events, keyring, clock, config, audit: (e) => void audit.push(e), ...opts });
  const read = async (plate: string, ts: number, site = 'harbour') =>
    events.append([
      sealSafeEvent({ id: null, ts, received_at: ts, device: `lpr-${site}`, site, zone: 'gate', kind: 'lpr.read', data: { plate: p.pseudonymise('plate', plate, { ts, site }) } }),
    ]);
  return { config, clock, kv, events, keyring, p, audit, svc, read };
}

/** Awaits a rejection and checks its error code and detail. */
async function fails(p: Promise<unknown>, code: string, detail: RegExp): Promise<void> {
  const err: unknown = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ParapetError);
  expect((err as ParapetError).code).toBe(code);
  expect((err as ParapetError).detail).toMatch(detail);
}

const req = { class: 'plate' as const, value: 'AB-123-CD', case_id: 'CASE-7', reason: 'stolen vehicle report 2026/811', from: T0 - 48 * HOUR, to: T0 };

describe('InvestigationService', () => {
  it('needs a second person before the requester sees where a plate was seen', async () => {
    const { svc, read, audit } = await world();
    await read('AB123CD', T0 - 30 * HOUR);
    await read('ab 123 cd', T0 - 2 * HOUR, 'campus');
    await read('AB-123-CD', T0 - 2 * HOUR, 'harbour');
    await read('ZZ999', T0 - HOUR);
    const view = await svc.request(alice, req);
    expect(view).toMatchObject({ state: 'pending', case_id: 'CASE-7', requested_by: 'alice', decided_by: null, class: 'plate' });
    await fails(svc.results(alice, view.id), 'conflict', /awaits approval/);
    await expect(svc.decide(alice, view.id, true, null)).rejects.toMatchObject({ code: 'forbidden' });
    const approved = await svc.decide(bob, view.id, true, 'ok');
    expect(approved).toMatchObject({ state: 'approved', decided_by: 'bob', decision_note: 'ok' });
    await expect(svc.results(bob, view.id)).rejects.toMatchObject({ code: 'forbidden' });
    const res = await svc.results(alice, view.id);
    expect(res.events.map((e) => e.site)).toEqual(['harbour', 'campus', 'harbour']);
    expect(res.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(res.truncated).toBe(false);
    expect(res.investigation.results_viewed).toBe(1);
    expect(audit.map((a) => `${a.action}:${a.outcome}`)).toEqual([
      'investigation.request:success',
      'investigation.results:denied',
      'investigation.approve:denied',
      'investigation.approve:success',
      'investigation.results:denied',
      'investigation.results:success',
    ]);
    expect(JSON.stringify(audit)).not.toMatch(/AB-?123-?CD/i);
  });

  it('never keeps, shows or audits the raw value', async () => {
    const { svc, kv, audit } = await world();
    const v = await svc.request(alice, { ...req, value: 'RAW-MARKER-77' });
    const stored = JSON.stringify([...kv.data.entries()]);
    expect(stored).not.toMatch(/RAW-?MARKER-?77/i);
    expect(JSON.stringify(v)).not.toMatch(/MARKER/i);
    expect(JSON.stringify(audit)).not.toMatch(/MARKER/i);
    const rec = await kv.get<InvestigationRecord>(INVESTIGATION_PREFIX + v.id);
    expect(rec?.pseudonyms.every((p) => p.startsWith('plate:'))).toBe(true);
    expect(JSON.stringify(await svc.list(alice))).not.toContain('plate:');
  });

  it('lets an admin approve, and lets a rejected request show nothing', async () => {
    const { svc } = await world();
    const a = await svc.request(alice, req);
    expect((await svc.decide(admin, a.id, true, null)).state).toBe('approved');
    const b = await svc.request(alice, req);
    expect((await svc.decide(bob, b.id, false, 'no legal basis')).state).toBe('rejected');
    await fails(svc.results(alice, b.id), 'conflict', /rejected/);
    await expect(svc.decide(admin, b.id, true, null)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('refuses another credential of the same person as second approver', async () => {
    const { svc } = await world();
    const a = await svc.request(alice, req);
    await expect(svc.decide({ ...alice, kind: 'token', id: 'tok-1' }, a.id, true, null)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('refuses a period outside retention or in the future, or reversed', async () => {
    const { svc, audit } = await world();
    // Plate data lives up to 30 days: ordinary reads 72 h, watchlist hit records 30 d (SPEC §4.7).
    await expect(svc.request(alice, { ...req, from: T0 - 73 * HOUR })).resolves.toMatchObject({ state: 'pending' });
    await fails(svc.request(alice, { ...req, from: T0 - 31 * DAY }), 'unprocessable', /retention of plate data \(30 d\)/);
    expect(audit.at(-1)).toMatchObject({ action: 'investigation.request', outcome: 'denied' });
    await expect(svc.request(alice, { ...req, to: T0 + HOUR })).rejects.toMatchObject({ code: 'unprocessable' });
    await expect(svc.request(alice, { ...req, from: T0, to: T0 - 1 })).rejects.toMatchObject({ code: 'invalid_query' });
    await expect(svc.request(alice, { ...req, class: 'credential', from: T0 - 29 * DAY })).resolves.toMatchObject({ state: 'pending' });
  });

  it('closes the results window after 7 days', async () => {
    const { svc, clock } = await world();
    const a = await svc.request(alice, req);
    await svc.decide(bob, a.id, true, null);
    clock.advance(7 * DAY);
    await fails(svc.results(alice, a.id), 'conflict', /window/);
  });

  it('lets an undecided request lapse', async () => {
    const { svc, clock } = await world();
    const a = await svc.request(alice, req);
    clock.advance(30 * DAY);
    await fails(svc.decide(bob, a.id, true, null), 'conflict', /expired/);
  });

  it('keeps site-scoped requests and approvals within their sites', async () => {
    const { svc, read } = await world();
    const harbourInv = who('hana', 'investigator', ['harbour']);
    const campusInv = who('carl', 'investigator', ['campus']);
    const harbourAdmin = who('hal', 'admin', ['harbour']);
    await read('AB123CD', T0 - HOUR, 'harbour');
    await read('AB123CD', T0 - HOUR, 'campus');
    const a = await svc.request(harbourInv, req);
    await expect(svc.decide(campusInv, a.id, true, null)).rejects.toMatchObject({ code: 'not_found' });
    await expect(svc.get(campusInv, a.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(svc.results(campusInv, a.id)).rejects.toMatchObject({ code: 'not_found' });
    expect(await svc.list(campusInv)).toEqual([]);
    expect((await svc.list(harbourAdmin)).map((v) => v.id)).toEqual([a.id]);
    expect((await svc.get(harbourAdmin, a.id)).id).toBe(a.id);
    await svc.decide(harbourAdmin, a.id, true, null);
    const res = await svc.results(harbourInv, a.id);
    expect(res.events.map((e) => e.site)).toEqual(['harbour']);
    // an all-sites request cannot be approved by a site-scoped approver
    const b = await svc.request(alice, req);
    await expect(svc.decide(harbourAdmin, b.id, true, null)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('finds Wi-Fi sightings under per-site keys for a scoped investigator', async () => {
    const { svc, events, p, keyring } = await world({ privacy: { wifi_mode: 'dwell' } });
    const ts = T0 - HOUR;
    const mac = (site: string) => p.pseudonymise('mac', 'AA:BB:CC:00:11:22', { ts, site });
    await events.append([
      sealSafeEvent({ id: null, ts, received_at: ts, device: 'w1', site: 'harbour', zone: 'z', kind: 'wifi.sighting', data: { mac: mac('harbour'), rssi: -50 } }),
      sealSafeEvent({ id: null, ts, received_at: ts, device: 'w2', site: 'campus', zone: 'z', kind: 'wifi.sighting', data: { mac: mac('campus'), rssi: -50 } }),
    ]);
    expect(keyring.pseudonymsFor('mac', 'aabbcc001122')).toHaveLength(2);
    const scoped = who('hana', 'investigator', ['harbour']);
    const a = await svc.request(scoped, { ...req, class: 'mac', value: 'aa-bb-cc-00-11-22', from: T0 - 2 * HOUR });
    await svc.decide(admin, a.id, true, null);
    expect((await svc.results(scoped, a.id)).events.map((e) => e.device)).toEqual(['w1']);
  });

  it('pages through many events and truncates at the result cap', async () => {
    const { svc, read, kv, events, keyring, clock, config } = await world({}, { maxResults: 600 });
    for (let i = 0; i < 700; i++) await read(i % 2 === 0 ? 'AB123CD' : 'OTHER1', T0 - 40 * HOUR + i * MINUTE);
    const a = await svc.request(alice, req);
    await svc.decide(bob, a.id, true, null);
    const res = await svc.results(alice, a.id);
    expect(res.events).toHaveLength(350);
    expect(res.truncated).toBe(false);
    const small = new InvestigationService({ kv, events, keyring, clock, config, maxResults: 10 });
    const b = await small.request(alice, req);
    await small.decide(bob, b.id, true, null);
    const capped = await small.results(alice, b.id);
    expect(capped.events).toHaveLength(10);
    expect(capped.truncated).toBe(true);
  });

  it('returns nothing when no key of the period exists', async () => {
    const { svc } = await world();
    const a = await svc.request(alice, { ...req, class: 'credential' });
    await svc.decide(bob, a.id, true, null);
    expect((await svc.results(alice, a.id)).events).toEqual([]);
  });

  it('answers not_found for unknown or malformed ids', async () => {
    const { svc } = await world();
    await expect(svc.get(alice, 'inv_nope')).rejects.toMatchObject({ code: 'not_found' });
    await expect(svc.get(alice, '../../etc')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('lists own requests for the requester and filters by state', async () => {
    const { svc, clock } = await world();
    const a = await svc.request(alice, req);
    clock.advance(1);
    const b = await svc.request(alice, req);
    await svc.decide(bob, a.id, false, null);
    expect((await svc.list(alice)).map((v) => v.id)).toEqual([b.id, a.id]);
    expect((await svc.list(bob, 'pending')).map((v) => v.id)).toEqual([b.id]);
    expect(await svc.list(who('op', 'operator'))).toEqual([]);
    expect((await svc.get(alice, a.id)).state).toBe('rejected');
  });

  it('auto-approves when dual control is switched off, and says so', async () => {
    const { svc, audit } = await world({ privacy: { dual_control: false } });
    const a = await svc.request(alice, req);
    expect(a).toMatchObject({ state: 'approved', decided_by: 'alice' });
    expect(a.decision_note).toMatch(/dual control is switched off/);
    expect(audit[0]?.detail).toMatchObject({ dual_control: false });
    await expect(svc.results(alice, a.id)).resolves.toMatchObject({ events: [] });
  });

  it('summarises requests for the transparency report', async () => {
    const { svc } = await world();
    const a = await svc.request(alice, req);
    const b = await svc.request(alice, { ...req, class: 'credential' });
    await svc.request(alice, req);
    await svc.decide(bob, a.id, true, null);
    await svc.decide(bob, b.id, false, null);
    expect(await svc.summary(T0, T0 + 1)).toEqual({ requested: 3, approved: 1, rejected: 1, pending: 1, by_class: { plate: 2, credential: 1 } });
    expect((await svc.summary(T0 + 1, T0 + 2)).requested).toBe(0);
  });

  it('drops pseudonyms when a request closes and records after the system retention', async () => {
    const { svc, kv, clock, config, read } = await world();
    await read('AB123CD', T0 - HOUR);
    const a = await svc.request(alice, req);
    const b = await svc.request(alice, req);
    await svc.decide(bob, a.id, true, null);
    const purger = svc.purger();
    expect(purger.name).toBe('investigations');
    expect(purger.retentionMs(config)).toBe(365 * DAY);
    expect(await purger.purge(0)).toBe(0);
    expect((await kv.get<InvestigationRecord>(INVESTIGATION_PREFIX + a.id))?.pseudonyms.length).toBeGreaterThan(0);
    clock.advance(30 * DAY);
    expect(await purger.purge(0)).toBe(0);
    expect((await kv.get<InvestigationRecord>(INVESTIGATION_PREFIX + a.id))?.pseudonyms).toEqual([]);
    expect((await kv.get<InvestigationRecord>(INVESTIGATION_PREFIX + b.id))?.pseudonyms).toEqual([]);
    expect(await purger.purge(T0 + 1)).toBe(2);
    expect(await kv.list(INVESTIGATION_PREFIX)).toEqual([]);
  });
});
