import { afterEach, describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../core/clock.js';
import { MemoryBus } from '../../bus/memory/memory-bus.js';
import { createMemoryAlertStore } from '../../store/memory/alerts.js';
import { fakePseudonym, RulesKit } from '../test-kit.js';

let kit: RulesKit;
const start = async (): Promise<RulesKit> =>
  (kit = await RulesKit.start({ store: createMemoryAlertStore(), makeBus: () => new MemoryBus((t, e) => { throw e; }) }));
afterEach(async () => kit.close());
const plate = (raw: string, epoch = '20261126'): string => fakePseudonym('plate', raw, epoch);

describe('built-in site rules', () => {
  it('opens watchlisted-plate with the entry label only, dedups per entry and reader, and resolves after an hour of quiet', async () => {
    const k = await start();
    const entry = await k.rt.watchlists.add('plates', { value: 'AB-123-CD', label: 'Case 17 vehicle', reason: 'court order', legal_basis: 'warrant 2026/117', expires_at: k.clock.now() + 7 * DAY }, 'admin');
    await k.emit('lpr.read', { plate: plate('ZZ999') });
    expect(await k.unresolved('watchlisted-plate')).toEqual([]);
    await k.emit('lpr.read', { plate: plate('AB123CD') });
    await k.emit('lpr.read', { plate: plate('ab 123 cd') });
    const a = await k.one('watchlisted-plate');
    expect(a).toMatchObject({ occurrences: 2, title: 'Watchlisted vehicle at Gate plate reader: Case 17 vehicle', dedup_key: `watchlisted-plate:${entry.id}:lpr-1` });
    const text = JSON.stringify(await k.all());
    expect(text).not.toMatch(/AB.?123.?CD/i);
    expect(text).not.toContain(plate('ZZ999'));
    expect(k.audit.filter((x) => x.action === 'watchlist.hit')).toHaveLength(2);
    await k.advance(HOUR + MINUTE);
    expect(await k.unresolved('watchlisted-plate')).toEqual([]);
  });

  it('opens zone-over-capacity at 100 people in a zone, dedups, and resolves below 90', async () => {
    const k = await start();
    await k.emit('camera.occupancy', { zone: 'gate-north', object: 'vehicle', count: 300 });
    await k.emit('camera.occupancy', { zone: 'gate-north', object: 'person', count: 99 });
    expect(await k.unresolved('zone-over-capacity')).toEqual([]);
    await k.emit('camera.occupancy', { zone: 'gate-north', object: 'person', count: 120 });
    await k.emit('camera.occupancy', { zone: 'gate-north', object: 'person', count: 130 });
    expect(await k.one('zone-over-capacity')).toMatchObject({ occurrences: 2, title: 'Zone gate-north over capacity (120 people)' });
    await k.emit('camera.occupancy', { zone: 'gate-north', object: 'person', count: 95 });
    expect(await k.unresolved('zone-over-capacity')).toHaveLength(1);
    await k.emit('camera.occupancy', { zone: 'gate-north', object: 'person', count: 80 });
    expect(await k.unresolved('zone-over-capacity')).toEqual([]);
  });

  it('opens one air-quality alert per pollutant over its threshold, dedups, and resolves below 80 %', async () => {
    const k = await start();
    await k.emit('env.air_quality', { pm25: 20, no2: 50 });
    expect(await k.unresolved()).toEqual([]);
    await k.emit('env.air_quality', { pm25: 70, no2: 250 });
    await k.emit('env.air_quality', { pm25: 60 });
    expect(await k.one('air-quality-pm25')).toMatchObject({ occurrences: 2, title: 'PM2.5 over threshold at Air sensor quay (70)' });
    expect(await k.one('air-quality-no2')).toMatchObject({ occurrences: 1 });
    await k.emit('env.air_quality', { pm25: 45, no2: 100 });
    expect(await k.unresolved('air-quality-pm25')).toHaveLength(1);
    expect(await k.unresolved('air-quality-no2')).toEqual([]);
    await k.emit('env.air_quality', { pm25: 30 });
    expect(await k.unresolved('air-quality-pm25')).toEqual([]);
    for (const [field, value] of [['pm10', 150], ['o3', 200], ['co', 12]] as const) {
      await k.emit('env.air_quality', { [field]: value });
      expect(await k.unresolved(`air-quality-${field}`)).toHaveLength(1);
    }
  });

  it('opens prohibited-attributes when the pipeline records a policy violation, dedups per device, and resolves after a quiet day', async () => {
    const k = await start();
    await k.emit('policy.violation', { field: 'data.gender', rule: 'prohibited_attribute' }, { device: 'cam-1' });
    await k.emit('policy.violation', { field: 'data.age', rule: 'prohibited_attribute' }, { device: 'cam-1' });
    expect(await k.one('prohibited-attributes')).toMatchObject({ occurrences: 2, title: 'North gate camera sent a prohibited attribute (data.gender)', severity: 'major' });
    await k.advance(DAY + MINUTE);
    expect(await k.unresolved('prohibited-attributes')).toEqual([]);
  });
});
