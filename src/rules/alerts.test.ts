import { describe, expect, it } from 'vitest';
import { FakeClock, MINUTE } from '../core/clock.js';
import { MemoryBus } from '../bus/memory/memory-bus.js';
import { createMemoryAlertStore } from '../store/memory/alerts.js';
import type { AlertChange, AlertStore } from '../store/alerts.js';
import { AlertService, MAX_EVIDENCE, MAX_HISTORY } from './alerts.js';
import type { Rule } from './rule-schema.js';
import { validateRules } from './rule-validate.js';
import type { RaiseSignal, Signal } from './signals.js';

const RULES = new Map<string, Rule>(
  validateRules([
    { id: 'door', type: 'match', kinds: ['access.door_forced'], severity: 'major', priority: 50, title: 'x', procedure: 'Go.', ack: { require_clear: true }, escalation: [{ after: '5m', notify: 'supervisors' }, { after: '10m', notify: 'manager', priority: 5 }] },
    { id: 'manual', type: 'match', kinds: ['camera.tamper'], severity: 'minor', priority: 90, title: 'x', procedure: 'Go.', resolve: { auto: false } },
    { id: 'seen', type: 'match', kinds: ['fire.alarm'], severity: 'critical', priority: 1, title: 'x', procedure: 'Go.', ack: { require_ack: true } },
  ]).map((r) => [r.id, r]),
);

const ann = { id: 'u1', name: 'ann' };
const bob = { id: 'u2', name: 'bob' };

function setup(o: { store?: AlertStore; clock?: FakeClock; replay?: number; keepChanges?: number } = {}) {
  const clock = o.clock ?? new FakeClock();
  const store = o.store ?? createMemoryAlertStore();
  const bus = new MemoryBus((_t, e) => {
    throw e;
  });
  const published: AlertChange[] = [];
  bus.subscribe('alert.changed', (c) => {
    published.push(c);
  });
  let ids = 0;
  const svc = new AlertService({ store, bus, clock, rules: (id) => RULES.get(id), newId: () => `al-${++ids}`, ...(o.replay ? { replay: o.replay } : {}), ...(o.keepChanges ? { keepChanges: o.keepChanges } : {}) });
  const raise = (rule: string, key = 'k', seq = 1, at = clock.now()): RaiseSignal => ({ type: 'raise', rule, key, at, title: `${rule} ${key}`, site: 'harbour', zone: 'z', device: 'dev-1', evidence: { seq, id: `e${seq}` } });
  const clear = (rule: string, key = 'k'): Signal => ({ type: 'clear', rule, key, at: clock.now(), reason: 'restored', evidence: null });
  return { clock, store, bus, svc, published, raise, clear };
}

describe('alert lifecycle', () => {
  it('keeps one unresolved alert per dedup key: repeats raise occurrences and last_seen', async () => {
    const { svc, raise, clock, published } = setup();
    await svc.start();
    await svc.apply([raise('door', 'k', 1), raise('door', 'k', 2)]);
    clock.advance(MINUTE);
    await svc.apply([raise('door', 'k', 3)]);
    await svc.apply([raise('door', 'other', 4)]);
    const [a] = await svc.list({ rule: 'door', limit: 10, device: 'dev-1', before: { first_seen: clock.now() + 1, id: 'zz' } }).then((l) => l.filter((x) => x.dedup_key === 'k'));
    expect(a).toMatchObject({ occurrences: 3, last_seen: clock.now(), first_seen: clock.now() - MINUTE, state: 'open', severity: 'major', priority: 50, procedure: 'Go.' });
    expect(a?.evidence.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(published.map((c) => [c.n, c.action, c.alert.dedup_key])).toEqual([[1, 'opened', 'k'], [2, 'repeated', 'k'], [3, 'opened', 'other']]);
  });

  it('keeps the first and the most recent evidence only', async () => {
    const { svc, raise } = setup();
    await svc.start();
    await svc.apply(Array.from({ length: 40 }, (_, i) => raise('door', 'k', i + 1)));
    const a = await svc.get('al-1');
    expect(a?.evidence).toHaveLength(MAX_EVIDENCE);
    expect(a?.evidence[0]?.seq).toBe(1);
    expect(a?.evidence[MAX_EVIDENCE - 1]?.seq).toBe(40);
  });

  it('bounds the history of a flapping alert, keeping how it opened', async () => {
    const { svc, raise, clear } = setup();
    await svc.start();
    for (let i = 0; i < MAX_HISTORY; i++) await svc.apply([raise('manual'), clear('manual')]);
    const a = await svc.get('al-1');
    expect(a?.history).toHaveLength(MAX_HISTORY);
    expect(a?.history[0]?.action).toBe('opened');
    expect(a?.history[MAX_HISTORY - 1]?.action).toBe('cleared');
    expect(a?.occurrences).toBe(MAX_HISTORY);
  });

  it('acknowledges, assigns, comments and records who did what and when', async () => {
    const { svc, raise, clock } = setup();
    await svc.start();
    await svc.apply([raise('manual')]);
    clock.advance(1000);
    await svc.ack('al-1', ann, 'on it');
    await expect(svc.ack('al-1', bob)).rejects.toMatchObject({ code: 'conflict' });
    await svc.assign('al-1', ann, 'bob');
    await svc.comment('al-1', bob, 'guard sent');
    const a = await svc.get('al-1');
    expect(a).toMatchObject({ state: 'acknowledged', acknowledged_by: 'ann', acknowledged_at: clock.now(), assignee: 'bob' });
    expect(a?.comments).toEqual([{ at: clock.now(), by: 'bob', text: 'guard sent' }]);
    expect(a?.history.map((h) => [h.by, h.action, h.detail])).toEqual([
      ['system', 'opened', 'manual k'],
      ['ann', 'acknowledged', 'on it'],
      ['ann', 'assigned', 'bob'],
      ['bob', 'commented', null],
    ]);
    await expect(svc.ack('nope', ann)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('resolves with a reason, then opens a new alert on the next raise; resolved alerts take comments but no other action', async () => {
    const { svc, raise } = setup();
    await svc.start();
    await svc.apply([raise('manual')]);
    const r = await svc.resolve('al-1', ann, 'lens cleaned');
    expect(r).toMatchObject({ state: 'resolved', resolved_by: 'ann', resolution: 'lens cleaned' });
    await expect(svc.resolve('al-1', ann, 'again')).rejects.toMatchObject({ code: 'conflict' });
    await expect(svc.assign('al-1', ann, 'x')).rejects.toMatchObject({ code: 'conflict' });
    expect((await svc.comment('al-1', ann, 'follow-up')).comments).toHaveLength(1);
    await svc.apply([raise('manual')]);
    expect((await svc.get('al-2'))?.occurrences).toBe(1);
  });

  it('refuses a manual resolve while the condition is active when the rule says so, and allows it once cleared', async () => {
    const { svc, raise, clear } = setup();
    await svc.start();
    await svc.apply([raise('door')]);
    await expect(svc.resolve('al-1', ann, 'done')).rejects.toMatchObject({ code: 'conflict', status: 409 });
    await svc.apply([clear('door')]);
    expect(await svc.get('al-1')).toMatchObject({ state: 'resolved', resolved_by: 'system', resolution: 'auto: restored' });
  });

  it('leaves a cleared alert for the operator when auto-resolve is off, and re-activates it on a repeat', async () => {
    const { svc, raise, clear } = setup();
    await svc.start();
    await svc.apply([raise('manual')]);
    await svc.apply([clear('manual')]);
    expect(await svc.get('al-1')).toMatchObject({ state: 'open', condition: 'cleared' });
    await svc.apply([raise('manual')]);
    expect(await svc.get('al-1')).toMatchObject({ condition: 'active', occurrences: 2 });
  });

  it('auto-resolves a cleared require_ack alert only once acknowledged', async () => {
    const { svc, raise, clear, published } = setup();
    await svc.start();
    await svc.apply([raise('seen')]);
    await svc.apply([clear('seen')]);
    expect(await svc.get('al-1')).toMatchObject({ state: 'open', condition: 'cleared' });
    await svc.ack('al-1', ann);
    expect(await svc.get('al-1')).toMatchObject({ state: 'resolved', acknowledged_by: 'ann', resolved_by: 'system' });
    expect(published.map((c) => c.action)).toEqual(['opened', 'cleared', 'acknowledged', 'auto_resolved']);
  });

  it('resolves an alert opened and cleared in the same batch, and opens a fresh one after it', async () => {
    const { svc, raise, clear } = setup();
    await svc.start();
    await svc.apply([raise('door'), clear('door'), raise('door')]);
    expect((await svc.get('al-1'))?.state).toBe('resolved');
    expect((await svc.get('al-2'))?.state).toBe('open');
  });

  it('escalates unacknowledged alerts step by step, raising priority', async () => {
    const { svc, raise, clock } = setup();
    await svc.start();
    await svc.apply([raise('door')]);
    clock.advance(5 * MINUTE - 1);
    await svc.tick();
    expect((await svc.get('al-1'))?.escalation_level).toBe(0);
    clock.advance(1);
    await svc.tick();
    expect(await svc.get('al-1')).toMatchObject({ escalation_level: 1, recipients: 'supervisors', priority: 40 });
    clock.advance(5 * MINUTE);
    await svc.tick();
    expect(await svc.get('al-1')).toMatchObject({ escalation_level: 2, recipients: 'manager', priority: 5 });
  });

  it('snoozes: no escalation while snoozed, back with an unsnooze change when the time passes', async () => {
    const { svc, raise, clock, published } = setup();
    await svc.start();
    await svc.apply([raise('door')]);
    await expect(svc.snooze('al-1', ann, clock.now() - 1)).rejects.toMatchObject({ code: 'unprocessable' });
    await expect(svc.snooze('al-1', ann, clock.now() + 8 * 24 * 60 * MINUTE)).rejects.toMatchObject({ code: 'unprocessable' });
    await svc.snooze('al-1', ann, clock.now() + 30 * MINUTE, 'maintenance window');
    clock.advance(20 * MINUTE);
    await svc.tick();
    expect(await svc.get('al-1')).toMatchObject({ escalation_level: 0, snoozed_until: clock.now() + 10 * MINUTE });
    clock.advance(10 * MINUTE);
    await svc.tick();
    expect(await svc.get('al-1')).toMatchObject({ snoozed_until: null, escalation_level: 2 });
    expect(published.map((c) => c.action)).toEqual(['opened', 'snoozed', 'unsnoozed', 'escalated']);
  });

  it('numbers changes monotonically across a restart and replays them from the ring or the store', async () => {
    const store = createMemoryAlertStore();
    const a = setup({ store, replay: 3 });
    await a.svc.start();
    for (let i = 0; i < 6; i++) await a.svc.apply([a.raise('door', `k${i}`)]);
    expect((await a.svc.changesSince(4)).changes.map((c) => c.n)).toEqual([5, 6]);
    expect(await a.svc.changesSince(1, 2)).toMatchObject({ gap: false, changes: [{ n: 2 }, { n: 3 }] });
    expect((await a.svc.changesSince(6)).changes).toEqual([]);
    const b = setup({ store });
    await b.svc.start();
    expect(b.svc.lastChange).toBe(6);
    await b.svc.apply([b.raise('door', 'k0')]);
    expect(b.published.map((c) => [c.n, c.action])).toEqual([[7, 'repeated']]);
  });

  it('prunes the stored change log and reports a gap for a client older than what is kept', async () => {
    const store = createMemoryAlertStore();
    const { svc, raise } = setup({ store, replay: 100, keepChanges: 500 });
    await svc.start();
    for (let i = 0; i < 1001; i++) await svc.apply([raise('door', `k${i % 3}`)]);
    expect(await store.firstChange()).toBeGreaterThan(1);
    const fresh = setup({ store, replay: 100 });
    await fresh.svc.start();
    const r = await fresh.svc.changesSince(1, 10);
    expect(r.gap).toBe(true);
    expect(r.changes[0]?.n).toBe(await store.firstChange());
  });
});
