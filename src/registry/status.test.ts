import { describe, expect, it } from 'vitest';
import { deriveStatus, heartbeatDeadline, MISSED_HEARTBEATS } from './status.js';
import type { Device } from '../core/device.js';

const cam: Device = { id: 'cam-1', type: 'camera', name: 'c', site: 's', zone: null, lat: null, lon: null, heartbeat_s: 60 };
const t0 = Date.UTC(2026, 10, 26, 10);

describe('derived device status', () => {
  it('is unknown until the device is first heard from', () => {
    expect(deriveStatus(cam, { last_seen: null, fault_since: null, fault_code: null }, t0)).toBe('unknown');
  });

  it('is online exactly at the heartbeat deadline and offline one millisecond later', () => {
    const live = { last_seen: t0, fault_since: null, fault_code: null };
    const deadline = heartbeatDeadline(cam, live);
    expect(deadline).toBe(t0 + 60_000 * MISSED_HEARTBEATS);
    expect(deriveStatus(cam, live, t0 + 60_000 * MISSED_HEARTBEATS)).toBe('online');
    expect(deriveStatus(cam, live, t0 + 60_000 * MISSED_HEARTBEATS + 1)).toBe('offline');
  });

  it('reports fault while a fault is open, even when heartbeats are late', () => {
    expect(deriveStatus(cam, { last_seen: t0, fault_since: t0, fault_code: 'E1' }, t0 + 1)).toBe('fault');
    expect(deriveStatus(cam, { last_seen: t0, fault_since: t0, fault_code: 'E1' }, t0 + 10 * 60_000)).toBe('fault');
  });

  it('never goes offline for a device without a heartbeat expectation', () => {
    const meter = { ...cam, heartbeat_s: 0 };
    expect(heartbeatDeadline(meter, { last_seen: t0, fault_since: null, fault_code: null })).toBeNull();
    expect(deriveStatus(meter, { last_seen: t0, fault_since: null, fault_code: null }, t0 + 365 * 86_400_000)).toBe('online');
  });
});
