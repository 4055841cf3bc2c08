import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DAY, FakeClock, HOUR, MINUTE } from '../core/clock.js';
import { testConfig } from '../config/load.js';
import { sealSafeEvent, type SafeEvent } from '../core/event.js';
import { Keyring, KEY_PREFIX, type KeyEvent } from './keyring.js';
import { createPseudonymiser } from './pseudonymiser.js';
import { formatDuration, purgeAudit, purgeLog, retentionPlan, runPurge, startPurgeScheduler, type ExtraPurger, type PurgeReport } from './retention.js';
import { memoryKv } from './test-support.js';
import { createMemoryStore } from '../store/memory/memory-store.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');

function event(kind: SafeEvent['kind'], ts: number, data: Record<string, unknown>): SafeEvent {
  return sealSafeEvent({ id: null, ts, received_at: ts, device: 'dev-1', site: 'harbour', zone: 'gate', kind, data });
}

async function world(overrides: Record<string, unknown> = {}) {
  const config = testConfig(overrides);
  const clock = new FakeClock(T0);
  const kv = memoryKv();
  const events = createMemoryStore().events;
  const keyEvents: KeyEvent[] = [];
  const keyring = await Keyring.open({ master: randomBytes(32), kv, clock, config, onKeyEvent: (e) => keyEvents.push(e) });
  const store = { events, kv };
  return { config, clock, kv, events, keyring, store, keyEvents, p: createPseudonymiser(keyring) };
}

describe('retentionPlan', () => {
  it('says what expires when, per kind and per key class', async () => {
    const { config, keyring } = await world();
    keyring.keyFor('plate', { ts: T0 + DAY, site: '' });
    keyring.keyFor('plate', { ts: T0, site: '' });
    const plan = retentionPlan(config, T0, keyring);
    const lpr = plan.kinds.find((k) => k.kind === 'lpr.read');
    expect(lpr).toEqual({ kind: 'lpr.read', category: 'lpr', retention_ms: 72 * HOUR, retention: '72 h', cutoff: T0 - 72 * HOUR });
    expect(plan.kinds.find((k) => k.kind === 'wifi.sighting')?.retention).toBe('5 min');
    expect(plan.kinds.find((k) => k.kind === 'fire.alarm')?.retention).toBe('365 d');
    expect(plan.keys.find((k) => k.idClass === 'plate')).toEqual({
      idClass: 'plate',
      retention_ms: 30 * DAY,
      retention: '30 d',
      live_keys: 2,
      next_destruction: { epoch: '20261126', site: null, at: Date.parse('2026-11-27T00:00:00.000Z') + 30 * DAY },
    });
    expect(plan.keys.find((k) => k.idClass === 'mac')?.next_destruction).toBeNull();
    expect(retentionPlan(config, T0).keys.every((k) => k.live_keys === 0)).toBe(true);
  });

  it('lists extra record types with their retention', () => {
    const hits: ExtraPurger = { name: 'watchlist_hits', retentionMs: (c) => c.privacy.retention.lpr_hit_days * DAY, purge: async () => 0 };
    expect(retentionPlan(testConfig(), T0, undefined, [hits]).extra).toEqual([
      { name: 'watchlist_hits', retention_ms: 30 * DAY, retention: '30 d', cutoff: T0 - 30 * DAY },
    ]);
  });
});

describe('formatDuration', () => {
  it('uses the largest exact unit', () => {
    expect([DAY * 14, DAY * 2, HOUR * 3, MINUTE * 5, 1500].map(formatDuration)).toEqual(['14 d', '48 h', '3 h', '5 min', '2 s']);
  });
});

describe('runPurge', () => {
  it('deletes rows past retention and destroys the key across a fake clock, so the pseudonym is never linkable again', async () => {
    const { config, clock, kv, events, keyring, store, keyEvents, p } = await world({ privacy: { retention: { access_days: 2, lpr_minutes: 30 } } });
    const cred = p.pseudonymise('credential', 'CARD-0042', { ts: T0, site: 'harbour' });
    const plate = p.pseudonymise('plate', 'AB-123', { ts: T0, site: 'harbour' });
    await events.append([
      event('access.granted', T0, { door: 'd1', credential: cred, method: 'card' }),
      event('lpr.read', T0, { plate }),
      event('fire.alarm', T0, { point: 'p1' }),
    ]);
    await keyring.flush();

    clock.set(T0 + 31 * MINUTE);
    let r = await runPurge({ config, clock, store, keyring });
    expect(r.deleted).toEqual({ 'lpr.read': 1 });
    expect(await events.count({})).toBe(2);

    clock.set(T0 + 2 * DAY + 1);
    r = await runPurge({ config, clock, store, keyring });
    expect(r.deleted).toEqual({ 'access.granted': 1 });
    expect((await events.query({ limit: 100 })).events.map((e) => e.kind)).toEqual(['fire.alarm']);
    // rows gone, but the key still lives until the END of its day plus the retention
    expect(keyring.pseudonymsFor('credential', 'card-0042')).toEqual([cred]);

    clock.set(Date.parse('2026-11-27T00:00:00.000Z') + 2 * DAY);
    r = await runPurge({ config, clock, store, keyring });
    expect(r.keys_destroyed).toEqual([{ idClass: 'credential', epoch: '20261126', site: null }]);
    expect(keyring.pseudonymsFor('credential', 'CARD-0042')).toEqual([]);
    expect(() => p.pseudonymise('credential', 'CARD-0042', { ts: T0, site: 'harbour' })).toThrow(/retention/);
    expect((await kv.list(KEY_PREFIX)).map(([k]) => k).some((k) => k.includes('credential'))).toBe(false);
    expect(keyEvents.filter((e) => e.action === 'key.destroyed').map((e) => e.idClass)).toEqual(['credential']);
    expect((await events.query({ limit: 100 })).events.map((e) => e.kind)).toEqual(['fire.alarm']);
  });

  it('applies a shortened retention to data already stored', async () => {
    const { clock, events, store } = await world();
    await events.append([event('camera.motion', T0, {})]);
    clock.set(T0 + 3 * DAY);
    expect((await runPurge({ config: testConfig(), clock, store })).total).toBe(0);
    expect((await runPurge({ config: testConfig({ privacy: { retention: { camera_days: 2 } } }), clock, store })).total).toBe(1);
  });

  it('purges extra record types, logs every run and reports it', async () => {
    const { config, clock, kv, store } = await world();
    const befores: number[] = [];
    const hits: ExtraPurger = {
      name: 'watchlist_hits',
      retentionMs: () => DAY,
      purge: async (before) => {
        befores.push(before);
        return 2;
      },
    };
    const reports: PurgeReport[] = [];
    const none: ExtraPurger = { name: 'nothing', retentionMs: () => DAY, purge: async () => 0 };
    const r = await runPurge({ config, clock, store, extra: [hits, none, hits], onPurge: (x) => void reports.push(x) });
    expect(befores).toEqual([T0 - DAY, T0 - DAY]);
    expect(r).toEqual({ at: T0, deleted: { watchlist_hits: 4 }, total: 4, keys_destroyed: [] });
    expect(reports).toEqual([r]);
    expect(await purgeLog(kv, T0, T0 + 1)).toEqual([r]);
    expect(await purgeLog(kv, T0 + 1, T0 + 2)).toEqual([]);
  });

  it('forgets purge log entries older than the system retention', async () => {
    const { clock, kv, store } = await world();
    const config = testConfig({ privacy: { retention: { system_days: 1 } } });
    await runPurge({ config, clock, store });
    clock.advance(2 * DAY);
    await runPurge({ config, clock, store });
    expect((await purgeLog(kv, 0, Infinity)).map((r) => r.at)).toEqual([T0 + 2 * DAY]);
  });
});

describe('purgeAudit', () => {
  it('describes a run without any identifier', () => {
    expect(purgeAudit({ at: T0, deleted: { 'lpr.read': 2 }, total: 2, keys_destroyed: [{ idClass: 'mac', epoch: '20261126', site: 'harbour' }, { idClass: 'plate', epoch: '20261125', site: null }] }, 'cli')).toEqual({
      actor: 'cli',
      action: 'retention.purge',
      target: null,
      outcome: 'success',
      detail: { deleted: { 'lpr.read': 2 }, total: 2, keys_destroyed: ['mac/20261126/harbour', 'plate/20261125'] },
    });
    expect(purgeAudit({ at: T0, deleted: {}, total: 0, keys_destroyed: [] }).actor).toBe('system');
  });
});

describe('startPurgeScheduler', () => {
  afterEach(() => vi.useRealTimers());

  it('runs at start and every purge interval, prepares next keys, and reports failures', async () => {
    vi.useFakeTimers();
    const { clock, store, keyring, events } = await world({ privacy: { retention: { purge_interval_s: 60, camera_days: 1 } } });
    const config = testConfig({ privacy: { retention: { purge_interval_s: 60, camera_days: 1 } } });
    const errors: unknown[] = [];
    const runs: PurgeReport[] = [];
    await events.append([event('camera.motion', T0 - 2 * DAY, {})]);
    const s = startPurgeScheduler({ config, clock, store, keyring, onPurge: (r) => void runs.push(r), onError: (e) => errors.push(e) });
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.deleted).toEqual({ 'camera.motion': 1 });
    expect(keyring.liveKeys().map((k) => k.epoch)).toContain('20261127');
    const failing = vi.spyOn(store.events, 'purge').mockRejectedValueOnce(new Error('db locked'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(errors).toHaveLength(1);
    failing.mockRestore();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toHaveLength(2);
    await s.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(runs).toHaveLength(2);
  });

  it('shares one run between concurrent callers', async () => {
    vi.useFakeTimers();
    const { config, clock, store } = await world();
    const s = startPurgeScheduler({ config, clock, store, onError: () => undefined });
    const [a, b] = [s.runNow(), s.runNow()];
    expect(a).toBe(b);
    await a;
    const c = s.runNow();
    await s.stop(); // waits for the run in progress
    await expect(c).resolves.toMatchObject({ at: T0 });
  });

  it('stops cleanly while a failing run is in progress', async () => {
    vi.useFakeTimers();
    const { config, clock, store } = await world();
    const errors: unknown[] = [];
    let fail: (e: Error) => void = () => undefined;
    vi.spyOn(store.events, 'purge').mockImplementation(() => new Promise((_, reject) => (fail = reject)));
    const s = startPurgeScheduler({ config, clock, store, onError: (e) => errors.push(e) });
    const stopped = s.stop();
    fail(new Error('db gone'));
    await stopped;
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toHaveLength(1);
  });
});
