import { describe, expect, it } from 'vitest';
import type { DeviceView } from '../core/device.js';
import { sampleAlert } from '../store/alerts.contract.js';
import { alertEntity, deviceEntity } from './ngsi-ld-export.js';
import { EntityView } from './ngsi-ld-decode.js';

const device: DeviceView = {
  id: 'cam-017',
  type: 'camera',
  name: 'North gate camera',
  site: 'harbour',
  zone: 'gate-north',
  lat: 38.7681,
  lon: -9.0952,
  heartbeat_s: 60,
  status: 'online',
  last_seen: '2026-11-26T10:00:00.000Z',
};

// The store contract's sample alert, with what this test's expectations read.
const alert = sampleAlert({
  id: 'al-1',
  dedup_key: 'door-forced:door-1:Door 3855',
  priority: 10,
  title: 'Door Door 3855 forced open (Lobby door)',
  zone: 'lobby',
  device: 'door-1',
  first_seen: Date.UTC(2026, 10, 26, 9, 0),
  last_seen: Date.UTC(2026, 10, 26, 9, 1),
  opened_at: Date.UTC(2026, 10, 26, 9, 0),
  occurrences: 2,
  evidence: [],
  recipients: 'default',
  history: [],
});

describe('Parapet as NGSI-LD entities', () => {
  it('renders a device as a normalized Smart Data Models Device', () => {
    expect(deviceEntity(device, false)).toEqual({
      id: 'urn:ngsi-ld:Device:parapet:cam-017',
      type: 'Device',
      name: { type: 'Property', value: 'North gate camera' },
      deviceCategory: { type: 'Property', value: ['camera'] },
      deviceState: { type: 'Property', value: 'online' },
      areaServed: { type: 'Property', value: 'gate-north' },
      site: { type: 'Property', value: 'harbour' },
      dateLastValueReported: { type: 'Property', value: { '@type': 'DateTime', '@value': '2026-11-26T10:00:00.000Z' } },
      location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [-9.0952, 38.7681] } },
    });
  });

  it('renders key-values on request, and leaves out what is unknown', () => {
    expect(deviceEntity({ ...device, lat: null, lon: null, last_seen: null }, true)).toEqual({
      id: 'urn:ngsi-ld:Device:parapet:cam-017',
      type: 'Device',
      name: 'North gate camera',
      deviceCategory: ['camera'],
      deviceState: 'online',
      areaServed: 'gate-north',
      site: 'harbour',
    });
  });

  it('renders an alert as a Smart Data Models Alert pointing at its device', () => {
    const e = alertEntity(alert, false);
    expect(e).toMatchObject({
      id: 'urn:ngsi-ld:Alert:parapet:al-1',
      type: 'Alert',
      category: { type: 'Property', value: 'security' },
      subCategory: { type: 'Property', value: 'door-forced' },
      severity: { type: 'Property', value: 'high' },
      alertSource: { type: 'Relationship', object: 'urn:ngsi-ld:Device:parapet:door-1' },
      dateIssued: { type: 'Property', value: { '@type': 'DateTime', '@value': '2026-11-26T09:00:00.000Z' } },
    });
    expect(e).not.toHaveProperty('validTo');
  });

  it('is read back by Parapet’s own NGSI-LD reader (round trip)', () => {
    const v = new EntityView(alertEntity({ ...alert, resolved_at: Date.UTC(2026, 10, 26, 9, 30), state: 'resolved' }, false));
    expect(v.type).toBe('alert');
    expect(v.text('alertSource')).toBe('urn:ngsi-ld:Device:parapet:door-1');
    expect(v.text('validTo')).toBe('2026-11-26T09:30:00.000Z');
  });
});
