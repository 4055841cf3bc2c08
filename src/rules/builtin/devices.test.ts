import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../core/clock.js';
import { MemoryBus } from '../../bus/memory/memory-bus.js';
import { createMemoryAlertStore } from '../../store/memory/alerts.js';
import { RulesKit } from '../test-kit.js';

let kit: RulesKit;
const start = async (): Promise<RulesKit> =>
  (kit = await RulesKit.start({ store: createMemoryAlertStore(), makeBus: () => new MemoryBus((t, e) => { throw e; }) }));
afterEach(async () => kit.close());

describe('built-in device rules', () => {
  it('opens camera-offline when the registry reports a camera offline, dedups, and resolves when it is back', async () => {
    const k = await start();
    await k.status('cam-1', 'offline');
    const a = await k.one('camera-offline');
    expect(a).toMatchObject({ severity: 'major', state: 'open', device: 'cam-1', site: 'harbour', zone: 'gate-north', title: 'Camera North gate camera is offline' });
    await k.status('cam-1', 'offline');
    expect((await k.one('camera-offline')).occurrences).toBe(2);
    expect(await k.unresolved('device-heartbeat-missing')).toEqual([]);
    await k.status('cam-1', 'online');
    expect(await k.unresolved('camera-offline')).toEqual([]);
    const [resolved] = await k.all('camera-offline');
    expect(resolved).toMatchObject({ state: 'resolved', resolved_by: 'system', condition: 'cleared' });
    expect(resolved?.resolution).toMatch(/device online/);
  });

  it('opens device-heartbeat-missing for any other device type, and resolves on online', async () => {
    const k = await start();
    await k.status('met-1', 'offline');
    await k.status('met-1', 'offline');
    const a = await k.one('device-heartbeat-missing');
    expect(a.occurrences).toBe(2);
    expect(a.title).toBe('Water meter 1 missed its heartbeat');
    expect(await k.unresolved('camera-offline')).toEqual([]);
    await k.status('met-1', 'online');
    expect(await k.unresolved('device-heartbeat-missing')).toEqual([]);
  });

  it('opens equipment-fault per device, counts repeats, and resolves on the next heartbeat', async () => {
    const k = await start();
    await k.emit('device.fault', { code: 'E42', message: 'fan stalled' });
    await k.emit('device.fault', { code: 'E43' });
    const a = await k.one('equipment-fault');
    expect(a.title).toBe('Equipment fault on Water meter 1: E42');
    expect(a.occurrences).toBe(2);
    expect(a.evidence).toHaveLength(2);
    await k.emit('device.heartbeat', {}, { device: 'cam-1' }); // another device: no effect
    expect(await k.unresolved('equipment-fault')).toHaveLength(1);
    await k.emit('device.heartbeat', {});
    expect(await k.unresolved('equipment-fault')).toEqual([]);
  });

  it('resolves equipment-fault when the registry says the device is online again', async () => {
    const k = await start();
    await k.emit('device.fault', { code: 'E1' });
    await k.status('met-1', 'online', 'fault');
    expect(await k.unresolved('equipment-fault')).toEqual([]);
  });

  it('opens low-battery at 20 % or less, dedups, and resolves only at 30 % or more', async () => {
    const k = await start();
    await k.emit('device.battery', { percent: 35 });
    expect(await k.unresolved('low-battery')).toEqual([]);
    await k.emit('device.battery', { percent: 19 });
    await k.emit('device.battery', { percent: 18 });
    expect((await k.one('low-battery')).occurrences).toBe(2);
    await k.emit('device.battery', { percent: 25 });
    expect(await k.unresolved('low-battery')).toHaveLength(1);
    await k.emit('device.battery', { percent: 30 });
    expect(await k.unresolved('low-battery')).toEqual([]);
  });

  it('escalates an unacknowledged camera-offline alert to maintenance after 30 minutes', async () => {
    const k = await start();
    await k.status('cam-1', 'offline');
    await k.advance(29 * MINUTE);
    expect((await k.one('camera-offline')).escalation_level).toBe(0);
    await k.advance(2 * MINUTE);
    expect(await k.one('camera-offline')).toMatchObject({ escalation_level: 1, recipients: 'maintenance', priority: 20 });
  });
});
