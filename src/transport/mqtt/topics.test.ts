import { describe, expect, it } from 'vitest';
import { alertTopic, errorsTopic, isAlertFilter, isAlertTopic, isOwnDeviceFilter, parseDeviceTopic } from './topics.js';

describe('MQTT topics (SPEC §3)', () => {
  it('reads a device topic into device and channel', () => {
    expect(parseDeviceTopic('parapet/v1/cam-017/events')).toEqual({ device: 'cam-017', channel: 'events' });
    expect(parseDeviceTopic('parapet/v1/cam-017/heartbeat')).toEqual({ device: 'cam-017', channel: 'heartbeat' });
    expect(parseDeviceTopic('parapet/v1/cam-017/errors')).toEqual({ device: 'cam-017', channel: 'errors' });
  });

  it('refuses anything outside the device tree', () => {
    for (const t of ['parapet/v1/cam-017/other', 'parapet/v1/cam-017/events/x', 'parapet/v2/cam-017/events', 'parapet/v1/alerts/critical', 'parapet/v1//events', 'x/v1/cam/events', '$SYS/x/y/z']) {
      expect(parseDeviceTopic(t), t).toBeNull();
    }
  });

  it('recognises the alerts subtree only for known severities', () => {
    expect(alertTopic('critical')).toBe('parapet/v1/alerts/critical');
    expect(isAlertTopic('parapet/v1/alerts/minor')).toBe(true);
    expect(isAlertTopic('parapet/v1/alerts/loud')).toBe(false);
    expect(errorsTopic('cam-1')).toBe('parapet/v1/cam-1/errors');
  });

  it('lets operators subscribe to the alerts subtree and nothing wider', () => {
    for (const f of ['parapet/v1/alerts/#', 'parapet/v1/alerts/+', 'parapet/v1/alerts/critical']) expect(isAlertFilter(f), f).toBe(true);
    for (const f of ['#', 'parapet/#', 'parapet/v1/#', 'parapet/v1/+/events', 'parapet/v1/alerts/x', 'parapet/v1/alerts/+/x', '$share/g/parapet/v1/alerts/#']) {
      expect(isAlertFilter(f), f).toBe(false);
    }
  });

  it('lets a device subscribe inside its own subtree only', () => {
    for (const f of ['parapet/v1/cam-1/#', 'parapet/v1/cam-1/+', 'parapet/v1/cam-1/errors']) expect(isOwnDeviceFilter(f, 'cam-1'), f).toBe(true);
    for (const f of ['parapet/v1/cam-2/errors', 'parapet/v1/#', 'parapet/v1/cam-1', 'parapet/v1/alerts/#', 'parapet/v1/cam-10/errors']) {
      expect(isOwnDeviceFilter(f, 'cam-1'), f).toBe(false);
    }
  });
});
