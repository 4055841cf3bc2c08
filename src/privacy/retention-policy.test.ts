import { describe, expect, it } from 'vitest';
import { testConfig } from '../config/load.js';
import { DAY, HOUR, MINUTE } from '../core/clock.js';
import { keyRetentionMs, retentionByKind, retentionMsFor, WIFI_COUNTS_MS } from './retention-policy.js';

describe('retention policy', () => {
  it('has the SPEC §4.7 defaults', () => {
    const byKind = retentionByKind(testConfig());
    expect(byKind.get('lpr.read')).toBe(72 * HOUR);
    expect(byKind.get('access.granted')).toBe(30 * DAY);
    expect(byKind.get('camera.intrusion')).toBe(30 * DAY);
    expect(byKind.get('wifi.sighting')).toBe(5 * MINUTE);
    expect(byKind.get('fire.alarm')).toBe(365 * DAY);
    expect(byKind.get('env.noise')).toBe(365 * DAY);
    expect(byKind.get('device.heartbeat')).toBe(365 * DAY);
    expect(byKind.get('telemetry.reading')).toBe(365 * DAY);
    expect(byKind.get('policy.violation')).toBe(365 * DAY);
  });

  it('keeps dwell-mode sightings at most 24 hours', () => {
    expect(retentionMsFor('wifi', testConfig({ privacy: { wifi_mode: 'dwell' } }))).toBe(DAY);
    expect(retentionMsFor('wifi', testConfig())).toBe(WIFI_COUNTS_MS);
  });

  it('follows every configured value', () => {
    const cfg = testConfig({
      privacy: { retention: { lpr_minutes: 5, access_days: 2, camera_days: 3, fire_days: 4, env_days: 5, health_days: 6, telemetry_days: 7, system_days: 8 } },
    });
    expect(retentionMsFor('lpr', cfg)).toBe(5 * MINUTE);
    expect(retentionMsFor('access', cfg)).toBe(2 * DAY);
    expect(retentionMsFor('camera', cfg)).toBe(3 * DAY);
    expect(retentionMsFor('fire', cfg)).toBe(4 * DAY);
    expect(retentionMsFor('env', cfg)).toBe(5 * DAY);
    expect(retentionMsFor('health', cfg)).toBe(6 * DAY);
    expect(retentionMsFor('telemetry', cfg)).toBe(7 * DAY);
    expect(retentionMsFor('aggregate', cfg)).toBe(7 * DAY);
    expect(retentionMsFor('system', cfg)).toBe(8 * DAY);
  });

  it('keeps each key class as long as its longest-lived holder', () => {
    const cfg = testConfig();
    expect(keyRetentionMs('plate', cfg)).toBe(30 * DAY); // watchlist hits outlive 72 h reads
    expect(keyRetentionMs('credential', cfg)).toBe(30 * DAY);
    expect(keyRetentionMs('mac', cfg)).toBe(5 * MINUTE);
    expect(keyRetentionMs('plate', testConfig({ privacy: { retention: { lpr_minutes: 60 * 24 * 40 } } }))).toBe(40 * DAY);
  });
});
