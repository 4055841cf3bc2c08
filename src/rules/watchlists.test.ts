import { describe, expect, it } from 'vitest';
import { DAY, FakeClock, HOUR } from '../core/clock.js';
import { createMemoryAlertStore } from '../store/memory/alerts.js';
import { fakePseudonym } from './test-kit.js';
import { Watchlists, type WatchAuditEvent } from './watchlists.js';

function setup(store = createMemoryAlertStore(), clock = new FakeClock()) {
  const audit: WatchAuditEvent[] = [];
  const errors: string[] = [];
  const keyring = { epochs: ['e1', 'e2'] };
  const key = Buffer.alloc(32, 9);
  const make = (k = key) =>
    new Watchlists({
      store,
      clock,
      key: k,
      pseudonymsFor: (cls, raw) => keyring.epochs.map((e) => fakePseudonym(cls, raw, e)),
      audit: (e) => {
        audit.push(e);
      },
      onError: (msg) => errors.push(msg),
    });
  return { store, clock, audit, errors, keyring, make, w: make() };
}

const entry = (clock: FakeClock, over: Partial<{ value: string; label: string; expires_at: number }> = {}) => ({
  value: 'AB-123-CD',
  label: 'Case 17 vehicle',
  reason: 'stolen vehicle report',
  legal_basis: 'police request 2026/117',
  expires_at: clock.now() + 7 * DAY,
  ...over,
});

describe('watchlists', () => {
  it('stores entries sealed: no value, label, reason or legal basis in clear', async () => {
    const { w, store, clock } = setup();
    await w.add('plates', entry(clock), 'admin');
    const [sealed] = await store.listWatchEntries();
    const text = JSON.stringify(sealed);
    for (const secret of ['AB-123-CD', 'AB123CD', 'Case 17', 'stolen', 'police']) expect(text).not.toContain(secret);
    expect(sealed).toMatchObject({ list: 'plates', expires_at: clock.now() + 7 * DAY });
  });

  it('reloads entries with the key, and ignores an entry whose expiry was altered or that another key sealed', async () => {
    const { w, store, clock, make, errors } = setup();
    const a = await w.add('plates', entry(clock), 'admin');
    const b = await w.add('plates', entry(clock, { value: 'ZZ1', label: 'Other' }), 'admin');
    const reloaded = make();
    await reloaded.load();
    expect(reloaded.list('plates').map((e) => e.id).sort()).toEqual([a.id, b.id].sort());
    const stored = (await store.listWatchEntries()).find((s) => s.id === b.id);
    if (!stored) throw new Error('missing');
    await store.putWatchEntry({ ...stored, expires_at: stored.expires_at + 365 * DAY });
    const tampered = make();
    await tampered.load();
    expect(tampered.list('plates').map((e) => e.id)).toEqual([a.id]);
    expect(errors).toEqual([expect.stringContaining(`${b.id} cannot be opened`)]);
    const wrongKey = make(Buffer.alloc(32, 1));
    await wrongKey.load();
    expect(wrongKey.list('plates')).toEqual([]);
  });

  it('never returns the value, and requires a future, bounded expiry and a label without the identifier', async () => {
    const { w, clock } = setup();
    const v = await w.add('credentials', entry(clock, { value: 'CARD-42' }), 'admin');
    expect(Object.keys(v).sort()).toEqual(['created_at', 'created_by', 'expires_at', 'id', 'label', 'legal_basis', 'list', 'reason']);
    expect(JSON.stringify(w.list('credentials'))).not.toContain('CARD');
    await expect(w.add('plates', entry(clock, { expires_at: clock.now() }), 'admin')).rejects.toMatchObject({ code: 'unprocessable' });
    await expect(w.add('plates', entry(clock, { expires_at: clock.now() + 400 * DAY }), 'admin')).rejects.toMatchObject({ code: 'unprocessable' });
    await expect(w.add('plates', entry(clock, { label: 'car ab 123 cd' }), 'admin')).rejects.toMatchObject({ code: 'unprocessable' });
  });

  it('matches through pseudonyms under every live epoch, and follows a new epoch', async () => {
    const { w, clock, keyring } = setup();
    const e = await w.add('plates', entry(clock), 'admin');
    expect(w.match('plates', fakePseudonym('plate', 'AB123CD', 'e1'), clock.now())).toEqual({ id: e.id, label: 'Case 17 vehicle' });
    expect(w.match('plates', fakePseudonym('plate', 'ab 123 cd', 'e2'), clock.now())?.id).toBe(e.id);
    expect(w.match('plates', fakePseudonym('plate', 'XY999', 'e2'), clock.now())).toBeNull();
    expect(w.match('credentials', fakePseudonym('plate', 'AB123CD', 'e1'), clock.now())).toBeNull();
    // A new day's key: the first read under it rebuilds the index.
    keyring.epochs = ['e2', 'e3'];
    expect(w.match('plates', fakePseudonym('plate', 'AB123CD', 'e3'), clock.now())?.id).toBe(e.id);
    // The destroyed epoch stops matching once the index is refreshed.
    clock.advance(HOUR);
    await w.tick();
    expect(w.match('plates', fakePseudonym('plate', 'AB123CD', 'e1'), clock.now())).toBeNull();
  });

  it('matches under a key epoch created after the entry was added (keys are made on first use)', async () => {
    const { w, clock, keyring } = setup();
    keyring.epochs = [];
    const e = await w.add('plates', entry(clock), 'admin');
    keyring.epochs = ['e9'];
    expect(w.match('plates', fakePseudonym('plate', 'AB123CD', 'e9'), clock.now())?.id).toBe(e.id);
  });

  it('stops matching an expired entry at once and purges it with an audit record', async () => {
    const { w, clock, audit, store } = setup();
    await w.add('plates', entry(clock, { expires_at: clock.now() + HOUR }), 'admin');
    const p = fakePseudonym('plate', 'AB123CD', 'e1');
    expect(w.match('plates', p, clock.now())).not.toBeNull();
    clock.advance(HOUR);
    expect(w.match('plates', p, clock.now())).toBeNull();
    expect(w.list('plates')).toEqual([]);
    await w.tick();
    expect(await store.listWatchEntries()).toEqual([]);
    expect(audit.map((a) => a.action)).toEqual(['watchlist.add', 'watchlist.hit', 'watchlist.expire']);
  });

  it('audits every change with who, which entry and its label — never the value', async () => {
    const { w, clock, audit } = setup();
    const e = await w.add('plates', entry(clock), 'alice');
    await expect(w.remove('credentials', e.id, 'alice')).rejects.toMatchObject({ code: 'not_found' });
    await w.remove('plates', e.id, 'bob');
    expect(audit).toEqual([
      expect.objectContaining({ action: 'watchlist.add', actor: 'alice', list: 'plates', entry: e.id, label: 'Case 17 vehicle' }),
      expect.objectContaining({ action: 'watchlist.remove', actor: 'bob', entry: e.id }),
    ]);
    expect(audit[0]?.detail).toContain('legal basis: police request 2026/117');
    expect(JSON.stringify(audit)).not.toMatch(/AB.?123.?CD/);
    expect(w.match('plates', fakePseudonym('plate', 'AB123CD', 'e1'), clock.now())).toBeNull();
  });
});
