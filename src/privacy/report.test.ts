import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../config/load.js';
import { DAY, FakeClock, HOUR } from '../core/clock.js';
import { sealSafeEvent, type SafeEvent } from '../core/event.js';
import type { DeviceRecord } from '../store/store.js';
import type { AuditEntry, AuditQuery } from '../store/audit.js';
import { Keyring } from './keyring.js';
import { InvestigationService } from './investigations.js';
import { buildTransparencyReport, PROHIBITED_CATEGORIES } from './report.js';
import { renderTransparencyHtml } from './report-html.js';
import { runPurge } from './retention.js';
import { memoryKv } from './test-support.js';
import { createMemoryStore } from '../store/memory/memory-store.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');

const device = (id: string, type: DeviceRecord['type'], site: string): DeviceRecord => ({
  id, type, site, name: id, zone: null, lat: null, lon: null, heartbeat_s: 60, last_seen: null, fault_since: null, fault_code: null, created_at: 0, updated_at: 0,
});

function ev(kind: SafeEvent['kind'], ts: number, data: Record<string, unknown>, dev = 'cam-1'): SafeEvent {
  return sealSafeEvent({ id: null, ts, received_at: ts, device: dev, site: 'harbour', zone: null, kind, data });
}

function auditOf(entries: AuditEntry[]) {
  return {
    async query(q: AuditQuery) {
      return entries
        .filter((e) => (q.from === undefined || e.at >= q.from) && (q.to === undefined || e.at < q.to))
        .filter((e) => q.action === undefined || e.action.startsWith(q.action.replace(/\*$/, '')))
        .filter((e) => q.outcome === undefined || e.outcome === q.outcome)
        .filter((e) => q.before === undefined || e.seq < q.before)
        .sort((a, b) => b.seq - a.seq)
        .slice(0, q.limit);
    },
  };
}

const audit = (seq: number, action: string, detail: Record<string, unknown> | null, target: string | null = null): AuditEntry => ({
  seq, at: T0, actor: 'user:a', action, target, outcome: 'success', detail, sites: [], prev_hash: '', hash: '',
});

async function world() {
  const config = testConfig({ privacy: { retention: { camera_days: 1, access_days: 1 } } });
  const clock = new FakeClock(T0);
  const kv = memoryKv();
  const events = createMemoryStore().events;
  const keyring = await Keyring.open({ master: randomBytes(32), kv, clock, config });
  const investigations = new InvestigationService({ kv, events, keyring, clock, config });
  const devices = {
    list: async () => [device('cam-1', 'camera', 'harbour'), device('lpr-2', 'lpr', 'harbour'), device('cam-2', 'camera', 'harbour'), device('lpr-1', 'lpr', 'campus')],
  };
  return { config, clock, kv, events, keyring, investigations, devices };
}

describe('buildTransparencyReport', () => {
  it('states every SPEC §4.8 item for the period', async () => {
    const { config, clock, kv, events, keyring, investigations, devices } = await world();
    await events.append([
      ev('camera.motion', T0 - 2 * DAY, {}),
      ev('camera.motion', T0 + HOUR, {}),
      ev('fire.alarm', T0 + HOUR, { point: 'p' }),
      ev('policy.violation', T0 + HOUR, { field: 'data.gender', rule: 'prohibited_attribute' }, 'cam-2'),
      ev('policy.violation', T0 + 2 * HOUR, { field: 'data.imsi', rule: 'prohibited_attribute' }, 'cam-2'),
    ]);
    keyring.keyFor('credential', { ts: T0 - DAY, site: '' });
    clock.set(T0 + 15 * HOUR); // past the end of yesterday's credential key (+1 day)
    await runPurge({ config, clock, store: { events, kv }, keyring });
    const alice = { kind: 'user' as const, id: 'a', name: 'alice', role: 'investigator' as const, sites: [] };
    const inv = await investigations.request(alice, { class: 'plate', value: 'X1', case_id: 'C', reason: 'reason text', from: T0, to: T0 + HOUR });
    await investigations.decide({ ...alice, id: 'b', name: 'bob' }, inv.id, true, null);
    const r = await buildTransparencyReport(
      {
        config,
        devices,
        events,
        kv,
        investigations,
        audit: auditOf([audit(1, 'export.events', { recipient: 'police' }), audit(2, 'export.events', { recipient: 'police' }), audit(3, 'export.report', null, 'out.html'), audit(4, 'auth.login', null)]),
        watchlistHits: async () => 3,
      },
      T0 - 3 * DAY,
      T0 + DAY,
      T0 + DAY,
    );
    expect(r.period).toEqual({ from: new Date(T0 - 3 * DAY).toISOString(), to: new Date(T0 + DAY).toISOString() });
    expect(r.sensors).toEqual({
      total: 4,
      by_type_and_site: [
        { site: 'campus', type: 'lpr', count: 1 },
        { site: 'harbour', type: 'camera', count: 2 },
        { site: 'harbour', type: 'lpr', count: 1 },
      ],
    });
    const html = renderTransparencyHtml(r);
    expect(html).toContain('aria-label="Sensors by type. camera: 2, lpr: 2"');
    expect(html).toContain('<td>1</td><td>1</td><td>0</td><td>0</td>');
    expect(html).toContain('<td>police</td><td>2</td>');
    expect(html).toContain('counts only (pseudonyms discarded within 5 minutes)');
    expect(r.data_categories.find((c) => c.family === 'lpr')).toMatchObject({ kinds: ['lpr.read', 'lpr.watchlist_hit'], pseudonymised_fields: ['plate'] });
    expect(r.refused_categories).toBe(PROHIBITED_CATEGORIES);
    expect(r.retention.find((c) => c.category === 'lpr')).toMatchObject({ retention: '72 h', kinds: ['lpr.read'] });
    expect(r.events.stored).toEqual({ 'camera.motion': 1, 'fire.alarm': 1, 'policy.violation': 2 });
    expect(r.events.purged).toEqual({ 'camera.motion': 1 });
    expect(r.events.purge_runs).toBe(1);
    expect(r.events.keys_destroyed).toBe(1);
    expect(r.investigations).toEqual({ requested: 1, approved: 1, rejected: 0, pending: 0, by_class: { plate: 1 } });
    expect(r.watchlist_hits).toBe(3);
    expect(r.exports).toEqual([
      { recipient: 'out.html', count: 1 },
      { recipient: 'police', count: 2 },
    ]);
    expect(r.policy_violations).toEqual({ total: 2, by_device: [{ device: 'cam-2', count: 2 }] });
    expect(r.wifi_mode).toBe('counts');
    expect(r.k_anonymity).toBe(5);
  });

  it('says what is not available instead of guessing', async () => {
    const { config, kv, events } = await world();
    const r = await buildTransparencyReport({ config, devices: { list: async () => [] }, events, kv }, T0, T0 + DAY, T0);
    expect(r.investigations).toBeNull();
    expect(r.watchlist_hits).toBeNull();
    expect(r.exports).toBeNull();
    expect(r.sensors.total).toBe(0);
    expect(r.policy_violations).toEqual({ total: 0, by_device: [] });
    const html = renderTransparencyHtml(r);
    expect(html.match(/Not available\./g)).toHaveLength(3);
    const dwell = await buildTransparencyReport({ config: testConfig({ privacy: { wifi_mode: 'dwell' } }), devices: { list: async () => [] }, events, kv }, T0, T0 + DAY, T0);
    expect(renderTransparencyHtml(dwell)).toContain('dwell time (pseudonyms kept at most 24 hours)');
  });

  it('pages through many audit entries and violations', async () => {
    const { config, kv, events } = await world();
    const many = Array.from({ length: 1100 }, (_, i) => ev('policy.violation', T0 + i, { field: 'f', rule: 'prohibited_attribute' }, `d${i % 3}`));
    await events.append(many);
    const entries = Array.from({ length: 1203 }, (_, i) => audit(i + 1, 'export.events', { recipient: i % 2 ? 'a' : '' }, null));
    entries.push(audit(1204, 'watchlist.hit', null), audit(1205, 'watchlist.hit', null));
    const r = await buildTransparencyReport({ config, devices: { list: async () => [] }, events, kv, audit: auditOf(entries) }, T0, T0 + DAY, T0);
    expect(r.policy_violations.total).toBe(1100);
    expect(r.watchlist_hits).toBe(2);
    expect(r.exports).toEqual([
      { recipient: 'a', count: 601 },
      { recipient: 'unspecified', count: 602 },
    ]);
  });
});

describe('renderTransparencyHtml', () => {
  it('renders a self-contained page with inline SVG charts and escaped text', async () => {
    const { config, kv, events } = await world();
    await events.append([ev('camera.motion', T0, {}), ev('camera.tamper', T0, { reason: 'covered' }), ev('fire.alarm', T0, { point: 'p' })]);
    const devices = { list: async () => [device('<script>alert(1)</script>', 'camera', 'harbour')] };
    const r = await buildTransparencyReport({ config, devices, events, kv, watchlistHits: async () => 0, audit: auditOf([]) }, T0, T0 + DAY, T0);
    const html = renderTransparencyHtml(r);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg role="img"');
    expect(html).toContain('camera: 2');
    expect(html).not.toMatch(/<script|src=|href=|url\(/i);
    for (const heading of ['Sensors', 'Data collected', 'Refused data', 'Retention', 'Events stored and purged', 'Investigations', 'Watchlist hits', 'Exports and recipients', 'Policy violations']) {
      expect(html).toContain(`<h2>${heading}</h2>`);
    }
  });
});
