import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../bus/memory/memory-bus.js';
import { sampleAlert } from '../../store/alerts.contract.js';
import { publishAlertsToMqtt } from './mqtt.js';

describe('alerts over MQTT', () => {
  it('hands every change to the broker under its severity, with the site on top, until unsubscribed', async () => {
    const bus = new MemoryBus((_t, e) => {
      throw e;
    });
    const sent: Array<[string, Readonly<Record<string, unknown>>]> = [];
    const off = publishAlertsToMqtt(bus, async (severity, payload) => {
      sent.push([severity, payload]);
    });
    await bus.publish('alert.changed', { n: 1, at: 0, action: 'opened', alert: sampleAlert({ severity: 'critical', site: 'campus' }) });
    await bus.publish('alert.changed', { n: 2, at: 0, action: 'acknowledged', alert: sampleAlert({ severity: 'minor' }) });
    off();
    await bus.publish('alert.changed', { n: 3, at: 0, action: 'resolved', alert: sampleAlert() });
    expect(sent.map(([s]) => s)).toEqual(['critical', 'minor']);
    expect(sent[0]?.[1]).toMatchObject({ site: 'campus', n: 1, action: 'opened', alert: { id: 'a1', severity: 'critical', site: 'campus' } });
  });
});
