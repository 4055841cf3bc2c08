import { createCipheriv, randomBytes } from 'node:crypto';
import { deriveWrapKey } from './master-key.js';
import { describe, expect, it } from 'vitest';
import { DAY, FakeClock, HOUR, MINUTE } from '../core/clock.js';
import { testConfig } from '../config/load.js';
import { ParapetError } from '../core/errors.js';
import { epochLabel, KEY_PREFIX, Keyring, VERIFIER_KEY, type KeyEvent } from './keyring.js';
import { createPseudonymiser } from './pseudonymiser.js';
import { memoryKv } from './test-support.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');

async function setup(overrides: Record<string, unknown> = {}, master = randomBytes(32)) {
  const kv = memoryKv();
  const clock = new FakeClock(T0);
  const events: KeyEvent[] = [];
  const config = testConfig(overrides);
  const keyring = await Keyring.open({ master, kv, clock, config, onKeyEvent: (e) => events.push(e) });
  return { kv, clock, events, keyring, master, config };
}

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof ParapetError ? err.code : 'not-a-parapet-error';
  }
}

describe('Keyring', () => {
  it('gives one key per class and day, and a new one the next day', async () => {
    const { keyring, events } = await setup();
    const a = keyring.keyFor('plate', { ts: T0, site: 's1' });
    const b = keyring.keyFor('plate', { ts: T0 + HOUR, site: 's2' });
    const c = keyring.keyFor('plate', { ts: T0 + DAY, site: 's1' });
    const d = keyring.keyFor('credential', { ts: T0, site: 's1' });
    expect(a.epoch).toBe('20261126');
    expect(a.key.equals(b.key)).toBe(true);
    expect(c.epoch).toBe('20261127');
    expect(c.key.equals(a.key)).toBe(false);
    expect(d.key.equals(a.key)).toBe(false);
    expect(events.map((e) => `${e.action} ${e.idClass} ${e.epoch} ${e.site}`)).toEqual([
      'key.created plate 20261126 null',
      'key.created plate 20261127 null',
      'key.created credential 20261126 null',
    ]);
  });

  it('keeps Wi-Fi keys per site as well', async () => {
    const { keyring } = await setup();
    const a = keyring.keyFor('mac', { ts: T0, site: 'harbour' });
    const b = keyring.keyFor('mac', { ts: T0, site: 'campus' });
    expect(a.key.equals(b.key)).toBe(false);
    expect(keyring.keyFor('mac', { ts: T0 + MINUTE, site: 'harbour' }).key.equals(a.key)).toBe(true);
  });

  it('persists only wrapped keys and reopens them with the same master key', async () => {
    const { keyring, kv, master, clock, config } = await setup();
    const key = keyring.keyFor('plate', { ts: T0, site: 'x' }).key;
    await keyring.flush();
    const stored = JSON.stringify([...kv.data.values()]);
    expect(stored).not.toContain(key.toString('base64'));
    expect(stored).not.toContain(key.toString('hex'));
    expect(stored).not.toContain(master.toString('base64'));
    const records = await kv.list<{ ct: string; iv: string; tag: string }>(KEY_PREFIX);
    expect(records).toHaveLength(1);

    const again = await Keyring.open({ master, kv, clock, config });
    expect(again.keyFor('plate', { ts: T0, site: 'x' }).key.equals(key)).toBe(true);
    const p1 = createPseudonymiser(keyring).pseudonymise('plate', 'AB-123', { ts: T0, site: 'x' });
    const p2 = createPseudonymiser(again).pseudonymise('plate', 'ab123', { ts: T0, site: 'x' });
    expect(p2).toBe(p1);
  });

  it('ensure: null for a live key or a refused time, one shared wait for a missing key, stored before it is used', async () => {
    const { keyring, kv, events } = await setup();
    keyring.keyFor('plate', { ts: T0, site: 'x' });
    await keyring.flush();
    expect(keyring.ensure('plate', { ts: T0, site: 'x' })).toBeNull();
    expect(keyring.ensure('plate', { ts: T0 - 400 * DAY, site: 'x' })).toBeNull();
    expect(keyring.ensure('plate', { ts: T0 + 3 * DAY, site: 'x' })).toBeNull();
    const back = T0 - 2 * DAY;
    const stored = (await kv.list(KEY_PREFIX)).length;
    const first = keyring.ensure('plate', { ts: back, site: 'x' });
    expect(first).not.toBeNull();
    expect(keyring.ensure('plate', { ts: back + 1, site: 'y' })).toBe(first);
    await first;
    expect((await kv.list(KEY_PREFIX)).length).toBe(stored + 1);
    expect(keyring.ensure('plate', { ts: back, site: 'x' })).toBeNull();
    expect(events.filter((e) => e.action === 'key.created')).toHaveLength(2);
  });

  it('refuses a master key that does not open the keyring', async () => {
    const { kv, clock, config } = await setup();
    await expect(Keyring.open({ master: randomBytes(32), kv, clock, config })).rejects.toMatchObject({ code: 'invalid_config' });
  });

  it('refuses a wrapped key moved to another class or epoch (AAD)', async () => {
    const { keyring, kv, master, clock, config } = await setup();
    keyring.keyFor('plate', { ts: T0, site: 'x' });
    await keyring.flush();
    const [[name, rec]] = (await kv.list<Record<string, unknown>>(KEY_PREFIX)) as [[string, Record<string, unknown>]];
    kv.data.set(name, { ...rec, idClass: 'credential' });
    await expect(Keyring.open({ master, kv, clock, config })).rejects.toMatchObject({ code: 'invalid_config' });
  });

  it('refuses a verifier that was tampered with', async () => {
    const { kv, master, clock, config } = await setup();
    const v = (await kv.get<{ iv: string; tag: string; ct: string }>(VERIFIER_KEY)) ?? { iv: '', tag: '', ct: '' };
    const flipped = Buffer.from(v.ct, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    kv.data.set(VERIFIER_KEY, { ...v, ct: flipped.toString('base64') });
    await expect(Keyring.open({ master, kv, clock, config })).rejects.toMatchObject({ code: 'invalid_config' });
  });

  it('refuses a verifier that opens but says something else', async () => {
    const { kv, master, clock, config } = await setup();
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', deriveWrapKey(master), iv);
    c.setAAD(Buffer.from('verifier'));
    const ct = Buffer.concat([c.update('not the verifier'), c.final()]);
    kv.data.set(VERIFIER_KEY, { iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), ct: ct.toString('base64') });
    await expect(Keyring.open({ master, kv, clock, config })).rejects.toMatchObject({ code: 'invalid_config' });
  });

  it('keeps a key whose deletion failed and destroys it on the next run', async () => {
    const { keyring, kv, clock } = await setup({ privacy: { retention: { access_days: 1 } } });
    keyring.keyFor('credential', { ts: T0, site: 'x' });
    await keyring.flush();
    clock.set(T0 + 3 * DAY);
    kv.failWrites = new Error('read-only');
    await expect(keyring.destroyExpired()).rejects.toThrow('read-only');
    kv.failWrites = null;
    expect(await keyring.destroyExpired()).toHaveLength(1);
  });

  it('destroys a key once the longest retention of its class has passed', async () => {
    const { keyring, kv, clock, events } = await setup({ privacy: { retention: { access_days: 2 } } });
    const held = keyring.keyFor('credential', { ts: T0, site: 'x' });
    const before = keyring.pseudonymsFor('credential', 'card-1');
    expect(before).toHaveLength(1);
    // The epoch ends at midnight; its key lives 2 days past that.
    const destroyAt = Date.parse('2026-11-27T00:00:00.000Z') + 2 * DAY;
    clock.set(destroyAt - 1);
    expect(await keyring.destroyExpired()).toEqual([]);
    clock.set(destroyAt);
    const destroyed = await keyring.destroyExpired();
    expect(destroyed.map((k) => [k.idClass, k.epoch])).toEqual([['credential', '20261126']]);
    expect(await kv.list(KEY_PREFIX)).toEqual([]);
    expect(events.at(-1)).toMatchObject({ action: 'key.destroyed', idClass: 'credential', epoch: '20261126', at: destroyAt });
    expect(keyring.pseudonymsFor('credential', 'card-1')).toEqual([]);
    expect(codeOf(() => keyring.keyFor('credential', { ts: T0, site: 'x' }))).toBe('invalid_timestamp');
    // The key and its HMAC midstates (as good as the key) are zeroed, not only dropped.
    expect(held.key.equals(Buffer.alloc(32))).toBe(true);
    expect(() => held.hmac?.mac(Buffer.from('card-1'))).toThrow(/destroyed/);
  });

  it('keeps plate keys as long as watchlist hits (the longest plate retention)', async () => {
    const { keyring, clock } = await setup({ privacy: { retention: { lpr_minutes: 30, lpr_hit_days: 3 } } });
    keyring.keyFor('plate', { ts: T0, site: 'x' });
    clock.set(Date.parse('2026-11-27T00:00:00.000Z') + 3 * DAY - 1);
    expect(await keyring.destroyExpired()).toEqual([]);
    clock.advance(1);
    expect(await keyring.destroyExpired()).toHaveLength(1);
  });

  it('applies a shortened retention to keys that already exist', async () => {
    const { keyring, kv, master, clock } = await setup();
    keyring.keyFor('credential', { ts: T0, site: 'x' });
    await keyring.flush();
    clock.set(Date.parse('2026-11-27T00:00:00.000Z') + 2 * DAY);
    const shorter = testConfig({ privacy: { retention: { access_days: 1 } } });
    const events: KeyEvent[] = [];
    const reopened = await Keyring.open({ master, kv, clock, config: shorter, onKeyEvent: (e) => events.push(e) });
    expect(events.map((e) => e.action)).toEqual(['key.destroyed']);
    expect(reopened.liveKeys()).toEqual([]);
  });

  it('keeps counts-only Wi-Fi keys no longer than 5 minutes past their day', async () => {
    const { keyring } = await setup();
    expect(codeOf(() => keyring.keyFor('mac', { ts: T0 - DAY, site: 'harbour' }))).toBe('invalid_timestamp');
    expect(keyring.liveKeys()).toEqual([]);
  });

  it('refuses a time far in the future', async () => {
    const { keyring } = await setup();
    expect(codeOf(() => keyring.keyFor('plate', { ts: T0 + 3 * DAY, site: 'x' }))).toBe('invalid_timestamp');
  });

  it('prepares the current and next epoch keys ahead of use, Wi-Fi for known sites', async () => {
    const { keyring, kv } = await setup();
    keyring.keyFor('mac', { ts: T0, site: 'harbour' });
    await keyring.prepare();
    const names = (await kv.list(KEY_PREFIX)).map(([k]) => k.replace(/\/0+/, '/'));
    expect(names).toHaveLength(6);
    expect(keyring.liveKeys().map((k) => `${k.idClass}:${k.epoch}:${k.site ?? ''}`).sort()).toEqual([
      'credential:20261126:',
      'credential:20261127:',
      'mac:20261126:harbour',
      'mac:20261127:harbour',
      'plate:20261126:',
      'plate:20261127:',
    ]);
    const info = keyring.liveKeys()[0];
    expect(info?.destroyAt).toBeGreaterThan(info?.end ?? Infinity);
  });

  it('prepares Wi-Fi keys for the sites it is told about', async () => {
    const keyring = await Keyring.open({ master: randomBytes(32), kv: memoryKv(), clock: new FakeClock(T0), config: testConfig(), macSites: () => ['campus', 'campus'] });
    await keyring.prepare();
    expect(keyring.liveKeys().filter((k) => k.idClass === 'mac').map((k) => `${k.epoch}/${k.site ?? ''}`)).toEqual(['20261126/campus', '20261127/campus']);
  });

  it('lists the pseudonyms of a value under every live epoch, Wi-Fi per site', async () => {
    const { keyring } = await setup({ privacy: { wifi_mode: 'dwell' } });
    const p = createPseudonymiser(keyring);
    const today = p.pseudonymise('mac', 'AA:BB:CC:DD:EE:FF', { ts: T0, site: 'harbour' });
    const yesterday = p.pseudonymise('mac', 'aabb.ccdd.eeff', { ts: T0 - DAY / 2, site: 'harbour' });
    const elsewhere = p.pseudonymise('mac', 'aa-bb-cc-dd-ee-ff', { ts: T0, site: 'campus' });
    expect(keyring.pseudonymsFor('mac', 'AABBCCDDEEFF', 'harbour').sort()).toEqual([today, yesterday].sort());
    expect(keyring.pseudonymsFor('mac', 'aabbccddeeff').sort()).toEqual([today, yesterday, elsewhere].sort());
    expect(keyring.pseudonymsFor('plate', 'AB1')).toEqual([]);
    expect(keyring.pseudonymsFor('mac', 'aabbccddeeff', 'harbour', { from: T0 - 3 * HOUR, to: T0 + HOUR })).toEqual([today]);
    expect(keyring.pseudonymsFor('mac', 'aabbccddeeff', 'harbour', { from: T0 - DAY, to: T0 - 10 * HOUR })).toEqual([yesterday]);
    expect(codeOf(() => keyring.pseudonymsFor('plate', ' - '))).toBe('invalid_field');
  });

  it('skips keys past retention in pseudonymsFor even before the purge destroyed them', async () => {
    const { keyring, clock } = await setup({ privacy: { retention: { access_days: 1 } } });
    keyring.keyFor('credential', { ts: T0, site: 'x' });
    clock.set(Date.parse('2026-11-28T00:00:00.000Z'));
    expect(keyring.pseudonymsFor('credential', 'c')).toEqual([]);
  });

  it('reports a failed background write and keeps the key usable', async () => {
    const kv = memoryKv();
    const clock = new FakeClock(T0);
    const errors: unknown[] = [];
    const keyring = await Keyring.open({ master: randomBytes(32), kv, clock, config: testConfig(), onError: (e) => errors.push(e) });
    kv.failWrites = new Error('disk full');
    const k = keyring.keyFor('plate', { ts: T0, site: 'x' });
    await keyring.flush();
    expect(errors).toHaveLength(1);
    expect(keyring.keyFor('plate', { ts: T0, site: 'x' }).key.equals(k.key)).toBe(true);
  });

  it('picks up keys another node wrote (reload)', async () => {
    const { keyring, kv, master, clock, config } = await setup();
    const mine = keyring.keyFor('credential', { ts: T0, site: 'x' }).key;
    await keyring.flush();
    const other = await Keyring.open({ master, kv, clock, config });
    const k = other.keyFor('plate', { ts: T0, site: 'x' }).key;
    await other.flush();
    await keyring.reload();
    expect(keyring.keyFor('plate', { ts: T0, site: 'x' }).key.equals(k)).toBe(true);
    expect(keyring.keyFor('credential', { ts: T0, site: 'x' }).key.equals(mine)).toBe(true);
  });

  it('forgets an expired key held in memory without deleting or auditing it (an ingest node beside the serving node)', async () => {
    const { keyring, kv, clock, events, master, config } = await setup({ privacy: { retention: { access_days: 2 } } });
    const key = keyring.keyFor('credential', { ts: T0, site: 'x' }).key;
    await keyring.flush();
    const ingestNode = await Keyring.open({ master, kv, clock, config });
    const held = ingestNode.keyFor('credential', { ts: T0, site: 'x' });
    const copy = held.key;
    expect(copy.equals(key)).toBe(true);
    const destroyAt = Date.parse('2026-11-27T00:00:00.000Z') + 2 * DAY;
    clock.set(destroyAt - 1);
    expect(ingestNode.forgetExpired()).toBe(0);
    clock.set(destroyAt);
    const eventsBefore = events.length;
    expect(ingestNode.forgetExpired()).toBe(1);
    expect(copy.equals(Buffer.alloc(32))).toBe(true);
    expect(() => held.hmac?.mac(Buffer.from('card-1'))).toThrow(/destroyed/);
    expect(ingestNode.liveKeys()).toEqual([]);
    // The store still holds it until the serving node destroys (and audits) it.
    expect((await kv.list(KEY_PREFIX)).length).toBe(1);
    expect(events.length).toBe(eventsBefore);
    expect(await keyring.destroyExpired()).toHaveLength(1);
  });

  it('refuses an epoch shorter than a minute', async () => {
    await expect(Keyring.open({ master: randomBytes(32), kv: memoryKv(), clock: new FakeClock(), config: testConfig(), epochMs: 1000 })).rejects.toMatchObject({
      code: 'invalid_config',
    });
  });

  it('labels sub-daily epochs with their start time', async () => {
    expect(epochLabel(Date.parse('2026-11-26T10:00:00Z'), HOUR)).toBe('20261126T1000');
    const keyring = await Keyring.open({ master: randomBytes(32), kv: memoryKv(), clock: new FakeClock(T0), config: testConfig(), epochMs: HOUR });
    expect(keyring.keyFor('plate', { ts: T0 + 90 * MINUTE, site: '' }).epoch).toBe('20261126T1100');
  });

  it('two processes sharing one store end up with the same key for an epoch, whoever made it first', async () => {
    const kv = memoryKv();
    const clock = new FakeClock(T0);
    const master = randomBytes(32);
    const config = testConfig({});
    const warnings: string[] = [];
    // Both open before either has made a key, then prepare at the same moment (two nodes starting,
    // or an offline CLI command beside the serving hub).
    const [a, b] = await Promise.all([
      Keyring.open({ master, kv, clock, config, onWarning: (m) => warnings.push(m) }),
      Keyring.open({ master, kv, clock, config, onWarning: (m) => warnings.push(m) }),
    ]);
    await Promise.all([a.prepare(), b.prepare()]);
    for (const ts of [T0, T0 + DAY]) {
      expect(a.keyFor('plate', { ts, site: 's' }).key.equals(b.keyFor('plate', { ts, site: 's' }).key)).toBe(true);
    }
    // A key made on demand (an old epoch, say) loses to the one stored first and is replaced.
    const old = T0 - 3 * DAY;
    const first = b.keyFor('credential', { ts: old, site: 's' }).key;
    await b.flush();
    const mine = Buffer.from(a.keyFor('credential', { ts: old, site: 's' }).key);
    expect(mine.equals(first)).toBe(false);
    await a.flush();
    expect(a.keyFor('credential', { ts: old, site: 's' }).key.equals(first)).toBe(true);
    expect(warnings.some((w) => w.includes('created by another process'))).toBe(true);
  });
});
