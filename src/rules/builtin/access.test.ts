import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE, SECOND } from '../../core/clock.js';
import { MemoryBus } from '../../bus/memory/memory-bus.js';
import { createMemoryAlertStore } from '../../store/memory/alerts.js';
import { fakePseudonym, RulesKit } from '../test-kit.js';

let kit: RulesKit;
const start = async (): Promise<RulesKit> =>
  (kit = await RulesKit.start({ store: createMemoryAlertStore(), makeBus: () => new MemoryBus((t, e) => { throw e; }) }));
afterEach(async () => kit.close());
const ann = { id: 'u1', name: 'ann' };
const cred = (raw: string): string => fakePseudonym('credential', raw, '20261126');

describe('built-in access rules', () => {
  it('opens door-forced per door, cannot be resolved while the door is open, and resolves when secured', async () => {
    const k = await start();
    await k.emit('access.door_forced', { door: 'D1' });
    await k.emit('access.door_forced', { door: 'D1' });
    const a = await k.one('door-forced');
    expect(a).toMatchObject({ occurrences: 2, title: 'Door D1 forced open (Lobby door controller)', priority: 10 });
    await expect(k.rt.alerts.resolve(a.id, ann, 'checked')).rejects.toMatchObject({ code: 'conflict', status: 409 });
    await k.rt.alerts.ack(a.id, ann); // acknowledging is allowed while open
    await k.emit('access.door_secured', { door: 'D2' }); // another door
    expect(await k.unresolved('door-forced')).toHaveLength(1);
    await k.emit('access.door_secured', { door: 'D1' });
    const [done] = await k.all('door-forced');
    expect(done).toMatchObject({ state: 'resolved', acknowledged_by: 'ann', resolved_by: 'system' });
  });

  it('opens door-held-open, dedups, and resolves when secured', async () => {
    const k = await start();
    await k.emit('access.door_held', { door: 'D1', seconds: 60 });
    await k.emit('access.door_held', { door: 'D1', seconds: 120 });
    expect(await k.one('door-held-open')).toMatchObject({ occurrences: 2, title: 'Door D1 held open (60 s)' });
    await k.emit('access.door_secured', { door: 'D1' });
    expect(await k.unresolved('door-held-open')).toEqual([]);
  });

  it('opens repeated-denials at the fifth denial within 2 minutes at one door, dedups, and resolves after 10 quiet minutes', async () => {
    const k = await start();
    for (let i = 0; i < 4; i++) {
      await k.emit('access.denied', { door: 'D1', credential: cred(`c${i}`), reason: 'unknown' });
      await k.advance(20 * SECOND);
    }
    await k.emit('access.denied', { door: 'D2', credential: cred('x'), reason: 'unknown' });
    expect(await k.unresolved('repeated-denials')).toEqual([]);
    await k.emit('access.denied', { door: 'D1', credential: cred('c5'), reason: 'unknown' });
    const a = await k.one('repeated-denials');
    expect(a.title).toBe('Repeated access denials at door D1 (5 in 2m)');
    expect(a.title).not.toContain('credential');
    await k.emit('access.denied', { door: 'D1', credential: cred('c6'), reason: 'unknown' });
    expect((await k.one('repeated-denials')).occurrences).toBe(2);
    await k.advance(10 * MINUTE);
    expect(await k.unresolved('repeated-denials')).toEqual([]);
  });

  it('does not count denials that fall out of the 2-minute window', async () => {
    const k = await start();
    for (let i = 0; i < 8; i++) {
      await k.emit('access.denied', { door: 'D1', credential: cred(`c${i}`), reason: 'unknown' });
      await k.advance(31 * SECOND);
    }
    expect(await k.unresolved('repeated-denials')).toEqual([]);
  });

  it('opens revoked-credential on a revoked denial, never showing the credential, and resolves after an hour of quiet', async () => {
    const k = await start();
    await k.emit('access.denied', { door: 'D1', credential: cred('card-9'), reason: 'expired' });
    expect(await k.unresolved('revoked-credential')).toEqual([]);
    await k.emit('access.denied', { door: 'D1', credential: cred('card-9'), reason: 'revoked' });
    await k.emit('access.denied', { door: 'D1', credential: cred('card-9'), reason: 'revoked' });
    const a = await k.one('revoked-credential');
    expect(a).toMatchObject({ occurrences: 2, title: 'Revoked credential presented at door D1' });
    expect(JSON.stringify(a)).not.toContain(cred('card-9'));
    await k.advance(61 * MINUTE);
    expect(await k.unresolved('revoked-credential')).toEqual([]);
  });

  it('opens watchlisted-credential with the entry label on a granted or denied badge, and dedups', async () => {
    const k = await start();
    const e = await k.rt.watchlists.add('credentials', { value: 'CARD 0042', label: 'Lost card of contractor', reason: 'reported stolen', legal_basis: 'site policy 4.2', expires_at: k.clock.now() + 86_400_000 }, 'admin');
    await k.emit('access.granted', { door: 'D1', credential: cred('CARD 0041'), method: 'card' });
    expect(await k.unresolved('watchlisted-credential')).toEqual([]);
    await k.emit('access.granted', { door: 'D1', credential: cred('card-0042'), method: 'card' });
    await k.emit('access.denied', { door: 'D1', credential: cred('CARD0042'), reason: 'schedule' });
    const a = await k.one('watchlisted-credential');
    expect(a).toMatchObject({ occurrences: 2, title: 'Watchlisted credential at door D1: Lost card of contractor', dedup_key: `watchlisted-credential:${e.id}:acc-1` });
    await k.advance(61 * MINUTE);
    expect(await k.unresolved('watchlisted-credential')).toEqual([]);
  });
});
