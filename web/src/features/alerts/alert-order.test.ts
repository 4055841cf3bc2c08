import { describe, expect, it } from 'vitest';
import type { AlertWire } from '../../api.js';
import { alertOfMessage } from './alert-feed.js';
import { sortAlerts } from './alert-console.js';
import { healthOrder } from '../devices/device-health.js';

function alert(id: string, over: Partial<AlertWire>): AlertWire {
  return {
    id,
    rule: 'r',
    severity: 'minor',
    priority: 50,
    state: 'open',
    snoozed_until: null,
    title: id,
    site: 'harbour',
    zone: null,
    device: null,
    first_seen: '2026-11-26T10:00:00.000Z',
    last_seen: '2026-11-26T10:00:00.000Z',
    occurrences: 1,
    evidence: [],
    assignee: null,
    procedure: '',
    comments: [],
    acknowledged_by: null,
    acknowledged_at: null,
    resolved_by: null,
    resolved_at: null,
    resolution: null,
    condition: 'active',
    escalation_level: 0,
    recipients: 'control-room',
    dedup_key: id,
    opened_at: '2026-11-26T10:00:00.000Z',
    history: [],
    ...over,
  };
}

describe('the alert console order', () => {
  it('puts open before acknowledged, then the most severe, then the most urgent priority, then the latest', () => {
    const list = [
      alert('ack-critical', { state: 'acknowledged', severity: 'critical', priority: 1 }),
      alert('open-minor', { severity: 'minor' }),
      alert('open-critical-p5', { severity: 'critical', priority: 5 }),
      alert('open-critical-p1-old', { severity: 'critical', priority: 1, last_seen: '2026-11-26T09:00:00.000Z' }),
      alert('open-critical-p1-new', { severity: 'critical', priority: 1, last_seen: '2026-11-26T11:00:00.000Z' }),
    ];
    expect(sortAlerts(list).map((a) => a.id)).toEqual(['open-critical-p1-new', 'open-critical-p1-old', 'open-critical-p5', 'open-minor', 'ack-critical']);
  });
});

describe('SSE messages', () => {
  it('reads the alert out of a change, accepts a bare alert, and skips anything else', () => {
    const a = alert('a1', {});
    expect(alertOfMessage(JSON.stringify({ n: 3, at: '2026-11-26T10:00:00Z', action: 'opened', alert: a }))?.id).toBe('a1');
    expect(alertOfMessage(JSON.stringify(a))?.id).toBe('a1');
    expect(alertOfMessage('{"reason":"reload"}')).toBeNull();
    expect(alertOfMessage('not json')).toBeNull();
  });
});

describe('device health order', () => {
  it('lists faulty, then offline, then unknown, then online devices', () => {
    const d = (id: string, status: 'online' | 'offline' | 'fault' | 'unknown') => ({ id, type: 'camera' as const, name: id, site: 's', zone: null, lat: null, lon: null, heartbeat_s: 60, status, last_seen: null });
    expect(healthOrder([d('a', 'online'), d('b', 'unknown'), d('c', 'fault'), d('e', 'offline')]).map((x) => x.id)).toEqual(['c', 'e', 'b', 'a']);
  });
});
