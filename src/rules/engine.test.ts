import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, MINUTE, SECOND } from '../core/clock.js';
import { sealSafeEvent, type SafeEvent } from '../core/event.js';
import type { EventKind } from '../core/kinds.js';
import { MemoryBus } from '../bus/memory/memory-bus.js';
import { createMemoryAlertStore } from '../store/memory/alerts.js';
import type { AlertStore } from '../store/alerts.js';
import { BUILTIN_RULES } from './builtin/index.js';
import { RuleEngine } from './engine.js';
import type { Rule } from './rule-schema.js';
import { validateRules } from './rule-validate.js';
import type { Signal } from './signals.js';
import { RulesKit } from './test-kit.js';

const common = { severity: 'major', priority: 10, procedure: 'Act.' } as const;

function ev(clock: FakeClock, kind: EventKind, data: Record<string, unknown>, device = 'dev-1', ts = clock.now()): SafeEvent {
  return sealSafeEvent({ id: null, ts, received_at: clock.now(), device, site: 's1', zone: 'z1', kind, data });
}

function engineWith(rules: unknown[], o: { clock?: FakeClock; store?: AlertStore; devices?: (id: string) => { type: 'camera'; name: string } | undefined } = {}) {
  const clock = o.clock ?? new FakeClock();
  const signals: Signal[] = [];
  const errors: string[] = [];
  const store = o.store ?? createMemoryAlertStore();
  const engine = new RuleEngine({ clock, store, ...(o.devices ? { devices: o.devices } : {}), sink: (s) => signals.push(...s), onError: (rule) => errors.push(rule) });
  engine.setRules(validateRules(rules));
  let seq = 0;
  const send = (...events: SafeEvent[]): Signal[] => engine.process(events.map((event) => ({ seq: ++seq, event })));
  return { clock, engine, signals, errors, store, send };
}

describe('rule engine', () => {
  it('indexes rules by kind so most events touch few rules', () => {
    const { engine } = engineWith([...BUILTIN_RULES]);
    expect(engine.rulesForKind('wifi.sighting')).toBe(0);
    expect(engine.rulesForKind('env.weather')).toBe(0);
    expect(engine.rulesForKind('lpr.read')).toBe(1);
    expect(engine.rulesForKind('access.denied')).toBe(3);
    expect(engine.rulesForKind('env.air_quality')).toBe(5);
  });

  it('sums a field over a sliding window per key', () => {
    const { clock, send, signals } = engineWith([
      { ...common, id: 'water', type: 'threshold', kinds: ['telemetry.reading'], where: { 'data.metric': 'litres' }, group_by: '{{device}}', window: '1h', aggregate: 'sum', field: 'data.value', gte: 100, title: '{{sum}} l in {{window}}' },
    ]);
    send(ev(clock, 'telemetry.reading', { metric: 'litres', value: 60 }));
    send(ev(clock, 'telemetry.reading', { metric: 'volts', value: 60 }));
    send(ev(clock, 'telemetry.reading', { metric: 'litres', value: 30 }, 'dev-2'));
    expect(signals).toEqual([]);
    clock.advance(61 * MINUTE);
    send(ev(clock, 'telemetry.reading', { metric: 'litres', value: 50 }));
    expect(signals).toEqual([]); // the 60 left the window
    send(ev(clock, 'telemetry.reading', { metric: 'litres', value: 50 }));
    expect(signals).toEqual([expect.objectContaining({ type: 'raise', rule: 'water', key: 'water:dev-1', title: '100 l in 1h' })]);
  });

  it('counts a late event into its place in the window and ignores one older than the window', () => {
    const { clock, send, signals } = engineWith([{ ...common, id: 'c3', type: 'threshold', kinds: ['camera.motion'], group_by: '{{device}}', window: '1m', gte: 3, title: 'x' }]);
    const t = clock.now();
    send(ev(clock, 'camera.motion', {}, 'dev-1', t));
    send(ev(clock, 'camera.motion', {}, 'dev-1', t + 30 * SECOND));
    send(ev(clock, 'camera.motion', {}, 'dev-1', t - 2 * MINUTE));
    expect(signals).toEqual([]);
    send(ev(clock, 'camera.motion', {}, 'dev-1', t + 10 * SECOND));
    expect(signals).toHaveLength(1);
  });

  it('raises an absence after the time without events, once, and clears on the next event', () => {
    const { clock, engine, send, signals } = engineWith([{ ...common, id: 'hb', type: 'absence', kinds: ['device.heartbeat'], after: '5m', title: '{{device}} silent for {{after}}' }]);
    send(ev(clock, 'device.heartbeat', {}));
    clock.advance(5 * MINUTE);
    engine.tick();
    expect(signals).toEqual([]);
    clock.advance(SECOND);
    engine.tick();
    engine.tick();
    expect(signals).toEqual([expect.objectContaining({ type: 'raise', key: 'hb:dev-1', title: 'dev-1 silent for 5m', device: 'dev-1', site: 's1' })]);
    send(ev(clock, 'device.heartbeat', {}));
    expect(signals[1]).toMatchObject({ type: 'clear', key: 'hb:dev-1' });
  });

  it('does not take the registry\'s own status events as a sign of life', () => {
    const { clock, engine, send, signals } = engineWith([{ ...common, id: 'any', type: 'absence', kinds: ['*'], after: '1m', title: 'x' }]);
    send(ev(clock, 'camera.motion', {}));
    clock.advance(2 * MINUTE);
    engine.tick();
    send(ev(clock, 'device.status', { status: 'offline', previous: 'online' }));
    expect(signals.map((s) => s.type)).toEqual(['raise']);
    send(ev(clock, 'camera.motion', {}));
    expect(signals.map((s) => s.type)).toEqual(['raise', 'clear']);
  });

  it('raises "A then B within T" once per A', () => {
    const { clock, send, signals } = engineWith([
      { ...common, id: 'tailgate', type: 'sequence', mode: 'followed', within: '30s', title: 'After badge at {{zone}}', first: { kinds: ['access.granted'], key: '{{data.door}}' }, then: { kinds: ['camera.line_crossing'], where: { 'data.count': { gte: 2 } }, key: '{{data.line}}' } },
    ]);
    send(ev(clock, 'camera.line_crossing', { line: 'D1', direction: 'in', object: 'person', count: 2 }));
    send(ev(clock, 'access.granted', { door: 'D1', credential: 'credential:e:x', method: 'card' }));
    clock.advance(10 * SECOND);
    send(ev(clock, 'camera.line_crossing', { line: 'D2', direction: 'in', object: 'person', count: 2 }));
    send(ev(clock, 'camera.line_crossing', { line: 'D1', direction: 'in', object: 'person', count: 1 }));
    expect(signals).toEqual([]);
    send(ev(clock, 'camera.line_crossing', { line: 'D1', direction: 'in', object: 'person', count: 2 }));
    send(ev(clock, 'camera.line_crossing', { line: 'D1', direction: 'in', object: 'person', count: 2 }));
    expect(signals).toEqual([expect.objectContaining({ key: 'tailgate:D1', title: 'After badge at z1' })]);
  });

  it('raises "B not preceded by A within T" (a door opened with no badge), waiting the grace for a late badge', () => {
    const { clock, engine, send, signals } = engineWith([
      { ...common, id: 'no-badge', type: 'sequence', mode: 'not_preceded', within: '20s', grace: '3s', title: 'Entry with no badge at {{data.line}}', first: { kinds: ['access.granted'], key: '{{data.door}}' }, then: { kinds: ['camera.line_crossing'], where: { 'data.direction': 'in' }, key: '{{data.line}}' } },
    ]);
    const cross = (line: string, ts = clock.now()) => ev(clock, 'camera.line_crossing', { line, direction: 'in', object: 'person', count: 1 }, 'cam', ts);
    const badge = (door: string, ts = clock.now()) => ev(clock, 'access.granted', { door, credential: 'credential:e:x', method: 'card' }, 'acc', ts);
    send(badge('D1'));
    clock.advance(5 * SECOND);
    send(cross('D1')); // preceded: fine
    send(cross('D2')); // not preceded: pending for the grace
    const t = clock.now();
    send(cross('D3'));
    clock.advance(SECOND);
    send(badge('D3', t + 500)); // a badge that arrives late but belongs to the crossing
    engine.tick();
    expect(signals).toEqual([]);
    clock.advance(3 * SECOND);
    engine.tick();
    expect(signals).toEqual([expect.objectContaining({ type: 'raise', key: 'no-badge:D2', title: 'Entry with no badge at D2' })]);
    clock.advance(30 * SECOND);
    send(cross('D1')); // the badge is now too old
    clock.advance(4 * SECOND);
    engine.tick();
    expect(signals.map((s) => (s.type === 'raise' ? s.key : s.type))).toEqual(['no-badge:D2', 'no-badge:D1']);
  });

  it('contains a failing rule: the others still evaluate', () => {
    const { clock, send, signals, errors } = engineWith(
      [
        { ...common, id: 'fragile', type: 'match', kinds: ['camera.motion'], where: { device_type: 'camera' }, title: 'x', priority: 1 },
        { ...common, id: 'sturdy', type: 'match', kinds: ['camera.motion'], title: 'y', priority: 2 },
      ],
      { devices: (id) => { if (id === 'boom') throw new Error('lookup failed'); return { type: 'camera', name: id }; } },
    );
    send(ev(clock, 'camera.motion', {}, 'boom'));
    expect(errors).toEqual(['fragile']);
    expect(signals.map((s) => s.rule)).toEqual(['sturdy']);
  });

  it('skips disabled rules and drops the state of a rule whose definition changed', async () => {
    const rule = { ...common, id: 'c2', type: 'threshold', kinds: ['camera.motion'], group_by: '{{device}}', window: '1h', gte: 2, title: 'x' };
    const { clock, engine, send, signals, store } = engineWith([rule, { ...common, id: 'off', enabled: false, type: 'match', kinds: ['camera.motion'], title: 'x' }]);
    expect(engine.activeRules()).toEqual(['c2']);
    send(ev(clock, 'camera.motion', {}));
    await engine.flush();
    expect((await store.loadRuleState()).map(([k]) => k)).toEqual(['c2|dev-1']);
    engine.setRules(validateRules([{ ...rule, gte: 3 }]));
    await engine.flush();
    expect(await store.loadRuleState()).toEqual([]);
    send(ev(clock, 'camera.motion', {}));
    send(ev(clock, 'camera.motion', {}));
    expect(signals).toEqual([]);
  });
});

describe('rule state across a restart', () => {
  let kit: RulesKit | null = null;
  afterEach(async () => {
    await kit?.close();
    kit = null;
  });

  const rules: Rule[] = validateRules([
    { ...common, id: 'denials', type: 'threshold', kinds: ['access.denied'], group_by: '{{data.door}}', window: '10m', gte: 4, title: '{{count}} denials at {{data.door}}' },
    { ...common, id: 'silent', type: 'absence', kinds: ['device.heartbeat'], after: '5m', title: '{{device}} silent' },
    { ...common, id: 'no-badge', type: 'sequence', mode: 'not_preceded', within: '10m', title: 'no badge', first: { kinds: ['access.granted'], key: '{{data.door}}' }, then: { kinds: ['access.door_held'], key: '{{data.door}}' } },
  ]);

  it('keeps windows, absence timers, sequences and open alerts when restarted mid-window', async () => {
    const store = createMemoryAlertStore();
    const k = (kit = await RulesKit.start({ store, makeBus: () => new MemoryBus((t, e) => { throw e; }), rules }));
    const deny = () => k.emit('access.denied', { door: 'D1', credential: 'credential:e:x', reason: 'unknown' });
    await deny();
    await deny();
    await k.emit('device.heartbeat', {}, { device: 'met-1' });
    await k.emit('access.granted', { door: 'D9', credential: 'credential:e:x', method: 'card' });
    await k.emit('access.door_held', { door: 'D5', seconds: 30 });
    expect((await k.one('no-badge')).occurrences).toBe(1);

    await k.advance(2 * MINUTE);
    await k.restart();

    await deny();
    expect(await k.unresolved('denials')).toEqual([]);
    await deny();
    expect((await k.one('denials')).title).toBe('4 denials at D1'); // two before the restart, two after
    await k.emit('access.door_held', { door: 'D9', seconds: 30 }); // badge before the restart still counts
    await k.emit('access.door_held', { door: 'D5', seconds: 30 });
    expect((await k.one('no-badge')).occurrences).toBe(2); // same open alert, deduplicated across the restart
    await k.advance(3 * MINUTE + SECOND); // 5 min since the heartbeat, across the restart
    expect((await k.one('silent')).device).toBe('met-1');
  });
});
