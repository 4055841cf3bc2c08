import { describe, expect, it } from 'vitest';
import { mapPlateRecognizer } from './plate-recognizer.js';

const NOW = Date.UTC(2026, 10, 26, 10, 0, 0);
const opts = { devices: { prefix: 'pr-' }, now: NOW };

/** A Stream webhook as documented (guides.platerecognizer.com, Stream "Webhooks and Outputs"). */
const stream = {
  hook: { target: 'https://hub.example/api/v1/integrations/platerecognizer', id: 'camera-1', event: 'recognition', filename: 'camera-1_screenshots/21-09-29/05-56-13.606935.jpg' },
  data: {
    camera_id: 'camera-1',
    filename: 'camera-1_screenshots/21-09-29/05-56-13.606935.jpg',
    timestamp: '2026-11-26T09:59:58.606935Z',
    timestamp_local: '2026-11-26 09:59:58.606935+00:00',
    results: [
      {
        box: { xmin: 460, ymin: 57, xmax: 557, ymax: 82 },
        plate: '9jub11',
        region: { code: 'gb', score: 0.413 },
        score: 0.839,
        candidates: [{ plate: '9jub11' }, { plate: 'sju88y' }],
        dscore: 0.441,
        vehicle: { score: 0.267, type: 'Big Truck', box: { xmin: 387, ymin: 23, xmax: 1493, ymax: 577 } },
        model_make: [{ make: 'Volkswagen', model: 'Golf', score: 0.009 }],
        color: [
          { color: 'white', score: 0.672 },
          { color: 'silver', score: 0.201 },
        ],
        orientation: [
          { orientation: 'Front', score: 0.623 },
          { orientation: 'Unknown', score: 0.244 },
        ],
        direction: 225,
        source_url: '/user-data/video.mp4',
        position_sec: 4,
      },
    ],
  },
};

/** A Snapshot (cloud) webhook: hook.id is the webhook's number, camera_id is the sender's. */
const snapshot = {
  hook: { target: 'https://hub.example/x', id: 1, event: 'image.done' },
  data: {
    processing_time: 288.758,
    results: [
      { box: { xmin: 143, ymin: 481, xmax: 270, ymax: 531 }, plate: 'nhk552', region: { code: 'gb', score: 0.747 }, score: 0.904, vehicle: { score: 0.798, type: 'Sedan' }, dscore: 0.99 },
      { box: { xmin: 10, ymin: 10, xmax: 50, ymax: 50 }, plate: null, vehicle: { score: 0.5, type: 'SUV' } },
    ],
    filename: '1617_7M83K_car.jpg',
    version: 1,
    camera_id: 'gate-north',
    timestamp: '2026-11-26T09:59:00.000Z',
  },
};

describe('Plate Recognizer → lpr.read', () => {
  it('maps a Stream recognition: plate ⓘ, region, score, vehicle type, top colour, direction from orientation', () => {
    const r = mapPlateRecognizer(stream, opts);
    expect(r.refused).toEqual([]);
    expect(r.items).toHaveLength(1);
    expect(r.items[0]?.at).toBe('data.results[0]');
    expect(r.items[0]?.input.item).toEqual({
      id: expect.stringMatching(/^pr-[0-9a-f]{40}$/) as unknown,
      ts: '2026-11-26T09:59:58.606935Z',
      device: 'pr-camera-1',
      kind: 'lpr.read',
      data: { plate: '9jub11', region: 'gb', confidence: 0.839, direction: 'approaching', vehicle_type: 'big truck', color: 'white' },
    });
  });

  it('never puts the plate into the client id (an unkeyed hash of a plate is the plate)', () => {
    const other = structuredClone(stream);
    const first = other.data.results[0];
    if (first) first.plate = 'zz999zz';
    expect((mapPlateRecognizer(other, opts).items[0]?.input.item as { id: string }).id).toBe((mapPlateRecognizer(stream, opts).items[0]?.input.item as { id: string }).id);
  });

  it('maps a Snapshot webhook by camera_id and drops a vehicle without a plate', () => {
    const r = mapPlateRecognizer(snapshot, opts);
    expect(r.items.map((i) => i.input.item)).toEqual([expect.objectContaining({ device: 'pr-gate-north', data: { plate: 'nhk552', region: 'gb', confidence: 0.904, vehicle_type: 'sedan' } })]);
    expect(r.dropped).toEqual([expect.objectContaining({ at: 'data.results[1]', reason: 'no_data' })]);
  });

  it('accepts a Snapshot API answer forwarded as-is', () => {
    const r = mapPlateRecognizer(snapshot.data, opts);
    expect(r.items[0]?.at).toBe('results[0]');
  });

  it('refuses a Snapshot result with no camera unless a device is pinned', () => {
    const anon = { ...snapshot, data: { ...snapshot.data, camera_id: null } };
    expect(mapPlateRecognizer(anon, opts).refused[0]).toMatchObject({ error: 'invalid_event' });
    expect(mapPlateRecognizer(anon, { ...opts, devices: { prefix: '', pinned: 'lpr-7' } }).items[0]?.input.item).toMatchObject({ device: 'lpr-7' });
  });

  it('drops other Stream events and refuses a body without results', () => {
    expect(mapPlateRecognizer({ hook: { id: 'camera-1', event: 'heartbeat' }, data: {} }, opts).dropped[0]?.reason).toBe('unsupported');
    expect(mapPlateRecognizer({ hook: { id: 'camera-1', event: 'recognition' }, data: {} }, opts).refused[0]?.error).toBe('invalid_event');
    expect(mapPlateRecognizer([], opts).refused[0]?.error).toBe('invalid_event');
  });
});
