import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../core/clock.js';
import { MemoryBus } from '../../bus/memory/memory-bus.js';
import { createMemoryAlertStore } from '../../store/memory/alerts.js';
import { SYSTEM } from '../alerts.js';
import { RulesKit } from '../test-kit.js';

let kit: RulesKit;
const start = async (): Promise<RulesKit> =>
  (kit = await RulesKit.start({ store: createMemoryAlertStore(), makeBus: () => new MemoryBus((t, e) => { throw e; }) }));
afterEach(async () => kit.close());
const ann = { id: 'u1', name: 'ann' };

describe('built-in fire rules', () => {
  it('opens fire-alarm per point at priority 1, refuses a manual resolve while in alarm, and resolves on restore once acknowledged', async () => {
    const k = await start();
    await k.emit('fire.alarm', { point: 'L2-17', zone: 'block-a' });
    await k.emit('fire.alarm', { point: 'L2-17' });
    await k.emit('fire.alarm', { point: 'L3-01' });
    expect(await k.unresolved('fire-alarm')).toHaveLength(2);
    const a = (await k.unresolved('fire-alarm')).find((x) => x.dedup_key.endsWith(':L2-17'));
    expect(a).toMatchObject({ severity: 'critical', priority: 1, occurrences: 2, title: 'FIRE ALARM at Fire panel A, point L2-17' });
    if (!a) throw new Error('no alert');
    await expect(k.rt.alerts.resolve(a.id, ann, 'false alarm')).rejects.toMatchObject({ code: 'conflict' });
    // Restored but not yet acknowledged: stays listed, condition cleared.
    await k.emit('fire.restore', { point: 'L2-17' });
    expect((await k.rt.alerts.get(a.id))).toMatchObject({ state: 'open', condition: 'cleared' });
    const acked = await k.rt.alerts.ack(a.id, ann, 'brigade on site');
    expect(acked).toMatchObject({ state: 'resolved', resolved_by: SYSTEM.name, acknowledged_by: 'ann' });
    expect((await k.unresolved('fire-alarm')).map((x) => x.dedup_key)).toEqual(['fire-alarm:fire-1:L3-01']);
  });

  it('escalates an unacknowledged fire alarm to the fire officer after 2 minutes and the duty manager after 5', async () => {
    const k = await start();
    await k.emit('fire.alarm', { point: 'P1' });
    await k.advance(2 * MINUTE);
    expect(await k.one('fire-alarm')).toMatchObject({ escalation_level: 1, recipients: 'fire-officer' });
    await k.advance(3 * MINUTE);
    const a = await k.one('fire-alarm');
    expect(a).toMatchObject({ escalation_level: 2, recipients: 'duty-manager', priority: 1 });
    expect(a.history.filter((h) => h.action === 'escalated')).toHaveLength(2);
  });

  it('does not escalate an acknowledged alarm', async () => {
    const k = await start();
    await k.emit('fire.alarm', { point: 'P1' });
    await k.rt.alerts.ack((await k.one('fire-alarm')).id, ann);
    await k.advance(10 * MINUTE);
    expect((await k.one('fire-alarm')).escalation_level).toBe(0);
  });

  it('opens sprinkler-waterflow, dedups, and resolves on restore after acknowledgement', async () => {
    const k = await start();
    await k.emit('fire.waterflow', { point: 'V-3' });
    await k.emit('fire.waterflow', { point: 'V-3' });
    const a = await k.one('sprinkler-waterflow');
    expect(a).toMatchObject({ occurrences: 2, severity: 'critical', priority: 2 });
    await k.rt.alerts.ack(a.id, ann);
    await k.emit('fire.restore', { point: 'V-3' });
    expect(await k.unresolved('sprinkler-waterflow')).toEqual([]);
  });

  it('opens fire-supervisory and fire-trouble per point and resolves them on restore', async () => {
    const k = await start();
    await k.emit('fire.supervisory', { point: 'VALVE-1', condition: 'valve closed' });
    await k.emit('fire.supervisory', { point: 'VALVE-1', condition: 'valve closed' });
    await k.emit('fire.trouble', { point: 'LOOP-2', condition: 'ground fault' });
    expect(await k.one('fire-supervisory')).toMatchObject({ occurrences: 2, title: 'Fire system supervisory condition at Fire panel A, point VALVE-1: valve closed' });
    expect(await k.one('fire-trouble')).toMatchObject({ severity: 'minor' });
    await k.emit('fire.restore', { point: 'VALVE-1' });
    expect(await k.unresolved('fire-supervisory')).toEqual([]);
    expect(await k.unresolved('fire-trouble')).toHaveLength(1);
    await k.emit('fire.restore', { point: 'LOOP-2' });
    expect(await k.unresolved('fire-trouble')).toEqual([]);
  });
});
