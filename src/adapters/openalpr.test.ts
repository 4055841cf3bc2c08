import { describe, expect, it } from 'vitest';
import { mapOpenAlpr } from './openalpr.js';

const NOW = Date.UTC(2026, 10, 26, 10, 0, 0);
const opts = { devices: { prefix: 'oa-' }, now: NOW };

/** An alpr_group as documented (OpenALPR docs, "JSON Group Results"), plus Rekor's vehicle block. */
const group = {
  data_type: 'alpr_group',
  version: 2,
  company_id: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
  agent_uid: 'YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY',
  camera_id: 2090267338,
  best_plate_number: '6PK132',
  best_confidence: 90.2536163330078,
  best_region: 'us-mo',
  best_region_confidence: 83,
  best_uuid: 'YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY-2090267338-1538924513527',
  matches_template: false,
  epoch_start: NOW - 4_000,
  epoch_end: NOW - 3_900,
  is_parked: false,
  agent_type: 'alprd',
  uuids: ['YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY-2090267338-1538924513527'],
  travel_direction: 285.945404052734,
  candidates: [{ matches_template: 0, confidence: 90.25, plate: '6PK132' }],
  best_plate: { plate_index: 0, confidence: 90.25, plate_crop_jpeg: '/9j/4AAQSkZJRgABAQ...', plate: '6PK132', region: 'us-mo' },
  vehicle_crop_jpeg: '/9j/4AAQSkZJRgABAQ...',
  vehicle: {
    color: [
      { name: 'silver-gray', confidence: 71.5 },
      { name: 'white', confidence: 20.1 },
    ],
    body_type: [{ name: 'sedan-standard', confidence: 88.4 }],
    make: [{ name: 'toyota', confidence: 60 }],
  },
};

const heartbeat = {
  data_type: 'heartbeat',
  agent_uid: 'YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY',
  agent_hostname: 'mymachine',
  license_key: 'secret-license-key',
  timestamp: NOW - 1_000,
  daemon_uptime_seconds: 35,
  agent_version: '2.6.101',
  video_streams: [
    { fps: 30, camera_id: 2090267338, camera_name: 'h265', is_streaming: true, url: 'rtsp://user:pass@192.168.0.1/stream' },
    { fps: 0, camera_id: 77, camera_name: 'yard', is_streaming: false, url: 'rtsp://192.168.0.2/stream' },
  ],
};

describe('OpenALPR / Rekor → Parapet', () => {
  it('maps a group result to one read with confidence scaled to 0–1, and drops the image crops', () => {
    const r = mapOpenAlpr(group, opts);
    expect(r.items.map((i) => i.input.item)).toEqual([
      {
        id: expect.stringMatching(/^oa-[0-9a-f]{40}$/) as unknown,
        ts: NOW - 4_000,
        device: 'oa-2090267338',
        kind: 'lpr.read',
        data: { plate: '6PK132', region: 'us-mo', confidence: 0.902536163330078, vehicle_type: 'sedan-standard', color: 'silver-gray' },
      },
    ]);
    expect(r.dropped.map((d) => [d.at, d.reason])).toEqual([
      ['best_plate.plate_crop_jpeg', 'image'],
      ['vehicle_crop_jpeg', 'image'],
    ]);
  });

  it('maps a heartbeat per stream: alive → heartbeat, not streaming → video loss; no license key or URL forwarded', () => {
    const r = mapOpenAlpr(heartbeat, opts);
    const items = r.items.map((i) => i.input.item);
    expect(items).toEqual([
      expect.objectContaining({ device: 'oa-2090267338', kind: 'device.heartbeat', data: { uptime_s: 35, firmware: '2.6.101' }, ts: NOW - 1_000 }),
      expect.objectContaining({ device: 'oa-77', kind: 'camera.video_loss', data: {} }),
    ]);
    expect(JSON.stringify(items)).not.toMatch(/secret-license-key|rtsp/);
  });

  it('drops per-frame results and agent alerts, refuses unknown data types', () => {
    expect(mapOpenAlpr({ data_type: 'alpr_results', results: [] }, opts).dropped[0]?.reason).toBe('unsupported');
    expect(mapOpenAlpr({ data_type: 'alpr_alert' }, opts).dropped[0]?.reason).toBe('unsupported');
    expect(mapOpenAlpr({ data_type: 'mystery' }, opts).refused[0]?.error).toBe('invalid_event');
  });

  it('reads an array of messages and names each by index', () => {
    const r = mapOpenAlpr([group, { data_type: 'alpr_group', camera_id: 1 }], opts);
    expect(r.items).toHaveLength(1);
    expect(r.refused).toEqual([expect.objectContaining({ at: '[1]', error: 'invalid_event' })]);
    expect(r.dropped[0]?.at).toBe('[0].best_plate.plate_crop_jpeg');
  });
});
