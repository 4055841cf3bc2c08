import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../core/clock.js';
import { MemoryBus } from '../../bus/memory/memory-bus.js';
import { createMemoryAlertStore } from '../../store/memory/alerts.js';
import { RulesKit } from '../test-kit.js';

let kit: RulesKit;
const start = async (): Promise<RulesKit> =>
  (kit = await RulesKit.start({ store: createMemoryAlertStore(), makeBus: () => new MemoryBus((t, e) => { throw e; }) }));
afterEach(async () => kit.close());

describe('built-in camera rules', () => {
  it('opens camera-video-loss, dedups repeats per camera, and resolves when analytics come back', async () => {
    const k = await start();
    await k.emit('camera.video_loss');
    await k.emit('camera.video_loss');
    await k.emit('camera.video_loss', {}, { device: 'cam-2' });
    const alerts = await k.unresolved('camera-video-loss');
    expect(alerts).toHaveLength(2);
    const a = alerts.find((x) => x.device === 'cam-1');
    expect(a).toMatchObject({ occurrences: 2, title: 'Video loss on North gate camera', severity: 'major' });
    await k.emit('camera.motion', {}, { device: 'cam-1' });
    expect((await k.unresolved('camera-video-loss')).map((x) => x.device)).toEqual(['cam-2']);
  });

  it('opens camera-tamper with the reason, dedups, escalates after 10 minutes and resolves when the picture is back', async () => {
    const k = await start();
    await k.emit('camera.tamper', { reason: 'covered' });
    await k.emit('camera.tamper', { reason: 'covered' });
    const a = await k.one('camera-tamper');
    expect(a).toMatchObject({ title: 'Camera North gate camera tampered with (covered)', occurrences: 2, priority: 20 });
    await k.advance(11 * MINUTE);
    expect(await k.one('camera-tamper')).toMatchObject({ recipients: 'shift-supervisor', escalation_level: 1, priority: 10 });
    await k.emit('camera.intrusion', { zone: 'gate-north', object: 'person' });
    expect(await k.unresolved('camera-tamper')).toEqual([]);
  });
});
