import { describe, expect, it } from 'vitest';
import { LOITER_S, learnFromEvent, mapFrigateMessage, type FrigateContext } from './frigate.js';

const NOW = Date.UTC(2026, 10, 26, 10, 0, 0);
const T = NOW / 1000 - 10;
const ctx = (over: Partial<FrigateContext> = {}): FrigateContext => ({
  topicPrefix: 'frigate',
  devicePrefix: 'fr-',
  intrusionFrom: 'events',
  now: NOW,
  limits: { maxDepth: 16, maxString: 4096 },
  cameras: new Set(['front_door', 'driveway_cam']),
  zoneCamera: new Map([['yard', 'front_door']]),
  zoneOf: (id) => (id === 'fr-front_door' ? 'gate-north' : null),
  ...over,
});

/** A tracked object as Frigate documents it on frigate/events (0.14+ shape). */
const tracked = (over: Record<string, unknown> = {}) => ({
  id: '1607123955.475377-mxklsc',
  camera: 'front_door',
  frame_time: T + 6,
  snapshot: { frame_time: T + 5, box: [415, 489, 528, 700], area: 12728, region: [260, 446, 660, 846], score: 0.77546, attributes: [] },
  label: 'person',
  sub_label: null,
  top_score: 0.958984375,
  false_positive: false,
  start_time: T,
  end_time: null,
  score: 0.7890625,
  box: [424, 500, 536, 712],
  area: 23744,
  ratio: 2.113207,
  region: [264, 450, 667, 853],
  current_zones: ['driveway'],
  entered_zones: ['yard', 'driveway'],
  thumbnail: null,
  has_snapshot: false,
  has_clip: false,
  active: true,
  stationary: false,
  motionless_count: 0,
  position_changes: 2,
  attributes: { face: 0.64 },
  current_attributes: [],
  ...over,
});
const run = (topic: string, payload: unknown, c = ctx()) => {
  const r = mapFrigateMessage(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), c);
  return { ...r, events: r.items.map((i) => i.input.item as { kind: string; device: string; data: Record<string, unknown>; id?: string; ts: number }) };
};

describe('frigate/events', () => {
  it('maps a new tracked object to one intrusion per entered zone, with its confidence', () => {
    const r = run('frigate/events', { type: 'new', before: tracked({ entered_zones: [] }), after: tracked() });
    expect(r.events.map((e) => [e.kind, e.device, e.data, e.ts])).toEqual([
      ['camera.intrusion', 'fr-front_door', { zone: 'yard', object: 'person', confidence: 0.958984375 }, Math.round((T + 6) * 1000)],
      ['camera.intrusion', 'fr-front_door', { zone: 'driveway', object: 'person', confidence: 0.958984375 }, Math.round((T + 6) * 1000)],
    ]);
    // The face attribute is only a score that a face was seen: nothing about it is forwarded or dropped.
    expect(r.dropped).toEqual([]);
  });

  it('on update records only zones newly entered, with the same ids as before (idempotent)', () => {
    const first = run('frigate/events', { type: 'new', before: tracked({ entered_zones: [] }), after: tracked({ entered_zones: ['yard'] }) });
    const upd = run('frigate/events', { type: 'update', before: tracked({ entered_zones: ['yard'] }), after: tracked({ entered_zones: ['yard', 'driveway'] }) });
    expect(upd.events.map((e) => e.data.zone)).toEqual(['driveway']);
    expect(first.events[0]?.id).toBe(run('frigate/events', { type: 'new', before: tracked(), after: tracked({ entered_zones: ['yard'] }) }).events[0]?.id);
  });

  it('drops a recognised face name (sub_label) and never forwards it (SPEC §4.3)', () => {
    const r = run('frigate/events', { type: 'update', before: tracked(), after: tracked({ sub_label: ['John Smith', 0.79], entered_zones: ['yard', 'driveway', 'porch'] }) });
    expect(r.dropped).toEqual([expect.objectContaining({ at: 'after.sub_label', reason: 'face_data' })]);
    expect(JSON.stringify(r.events)).not.toContain('John');
    expect(r.events.map((e) => e.data.zone)).toEqual(['porch']);
  });

  it('maps a recognised plate to lpr.read and drops a known-plate name on a car', () => {
    const car = tracked({ label: 'car', sub_label: "Bob's car", recognized_license_plate: ['ABC123', 0.93], entered_zones: [] });
    const r = run('frigate/events', { type: 'update', before: car, after: car });
    expect(r.events).toEqual([expect.objectContaining({ kind: 'lpr.read', device: 'fr-front_door', data: { plate: 'ABC123', confidence: 0.93 } })]);
    expect(r.dropped.map((d) => d.reason)).toEqual(['person_name', 'person_name']);
  });

  it(`reports an object stationary in a zone for ${LOITER_S} s as loitering, once per zone`, () => {
    const still = tracked({ stationary: true, start_time: T - LOITER_S - 5 });
    const r = run('frigate/events', { type: 'update', before: still, after: still });
    expect(r.events).toEqual([expect.objectContaining({ kind: 'camera.loitering', data: { zone: 'driveway', object: 'person', seconds: LOITER_S + 11 } })]);
  });

  it('records a new object outside any zone as motion; drops false positives and thumbnails', () => {
    expect(run('frigate/events', { type: 'new', after: tracked({ entered_zones: [], current_zones: [] }) }).events.map((e) => e.kind)).toEqual(['camera.motion']);
    expect(run('frigate/events', { type: 'new', after: tracked({ false_positive: true }) }).dropped.map((d) => d.reason)).toContain('no_data');
    expect(run('frigate/events', { type: 'end', after: tracked({ thumbnail: '/9j/4AAQSkZJRg==' }) }).dropped.map((d) => d.reason)).toContain('image');
  });

  it('with intrusion_from "reviews", events give no intrusions', () => {
    expect(run('frigate/events', { type: 'new', after: tracked() }, ctx({ intrusionFrom: 'reviews' })).events).toEqual([]);
  });

  it('refuses invalid JSON and messages without "after"', () => {
    expect(run('frigate/events', '{nope').refused[0]?.error).toBe('invalid_json');
    expect(run('frigate/events', { type: 'new' }).refused[0]?.error).toBe('invalid_event');
  });

  it('teaches the bridge cameras and zones', () => {
    expect(learnFromEvent(JSON.stringify({ after: tracked() }), { maxDepth: 16, maxString: 4096 })).toEqual({ camera: 'front_door', zones: ['yard', 'driveway'] });
  });
});

describe('frigate/reviews and tracked_object_update', () => {
  /** A review item as documented on frigate/reviews. */
  const review = (severity: string, zones: string[], subLabels: string[] = []) => ({
    id: '1718987129.308396-fqk5ka',
    camera: 'front_door',
    start_time: T,
    end_time: null,
    severity,
    thumb_path: '/media/frigate/clips/review/thumb-front_cam-1718987129.308396-fqk5ka.webp',
    data: { detections: ['1718987128.947436-g92ztx'], objects: ['car', 'person'], sub_labels: subLabels, zones, audio: [] },
  });

  it('drops review sub_labels and, by default, records nothing else from reviews', () => {
    const r = run('frigate/reviews', { type: 'update', before: review('detection', []), after: review('alert', ['front_yard'], ['Bob']) });
    expect(r.events).toEqual([]);
    expect(r.dropped.map((d) => d.reason)).toEqual(['face_data', 'no_data']);
  });

  it('with intrusion_from "reviews", an escalation to alert is an intrusion per zone (person first)', () => {
    const r = run('frigate/reviews', { type: 'update', before: review('detection', []), after: review('alert', ['front_yard']) }, ctx({ intrusionFrom: 'reviews' }));
    expect(r.events).toEqual([expect.objectContaining({ kind: 'camera.intrusion', data: { zone: 'front_yard', object: 'person' } })]);
  });

  it('drops face updates, maps lpr updates to plates and drops their names', () => {
    const face = run('frigate/tracked_object_update', { type: 'face', id: '1607123955.475377-mxklsc', name: 'John', score: 0.95, camera: 'front_door', timestamp: T });
    expect(face.events).toEqual([]);
    expect(face.dropped[0]?.reason).toBe('face_data');
    const lpr = run('frigate/tracked_object_update', { type: 'lpr', id: 'x-1', name: "John's Car", plate: '123ABC', score: 0.95, camera: 'driveway_cam', timestamp: T });
    expect(lpr.events).toEqual([expect.objectContaining({ kind: 'lpr.read', device: 'fr-driveway_cam', data: { plate: '123ABC', confidence: 0.95 } })]);
    expect(JSON.stringify(lpr.events)).not.toContain('John');
    expect(run('frigate/tracked_object_update', { type: 'description', description: 'a man in a red coat' }).dropped[0]?.reason).toBe('unsupported');
  });
});

describe('availability, counts and motion', () => {
  it('offline or stopped → video loss for every known camera; online → heartbeat', () => {
    expect(run('frigate/available', 'offline').events.map((e) => [e.kind, e.device])).toEqual([
      ['camera.video_loss', 'fr-front_door'],
      ['camera.video_loss', 'fr-driveway_cam'],
    ]);
    expect(run('frigate/available', 'stopped').events).toHaveLength(2);
    expect(run('frigate/available', 'online').events.map((e) => e.kind)).toEqual(['device.heartbeat', 'device.heartbeat']);
    expect(run('frigate/available', 'maybe').refused[0]?.error).toBe('invalid_event');
  });

  it('camera counts use the registry zone; zone counts go to the zone’s camera', () => {
    expect(run('frigate/front_door/person', '3').events).toEqual([expect.objectContaining({ kind: 'camera.occupancy', device: 'fr-front_door', data: { zone: 'gate-north', object: 'person', count: 3 } })]);
    expect(run('frigate/driveway_cam/car', '2').events[0]?.data).toEqual({ zone: 'driveway_cam', object: 'vehicle', count: 2 });
    expect(run('frigate/yard/dog', '1').events).toEqual([expect.objectContaining({ device: 'fr-front_door', data: { zone: 'yard', object: 'animal', count: 1 } })]);
    expect(run('frigate/unknown_zone/person', '1').dropped[0]?.reason).toBe('no_data');
    expect(run('frigate/front_door/all', '4').dropped[0]?.reason).toBe('unsupported');
    expect(run('frigate/front_door/face', '1').dropped[0]?.reason).toBe('unsupported');
  });

  it('motion ON → camera.motion; OFF and camera settings are not events; snapshots are dropped as images', () => {
    expect(run('frigate/front_door/motion', 'ON').events.map((e) => e.kind)).toEqual(['camera.motion']);
    expect(run('frigate/front_door/motion', 'OFF').events).toEqual([]);
    expect(run('frigate/front_door/detect', 'ON').dropped[0]?.reason).toBe('unsupported');
    expect(run('frigate/front_door/person/snapshot', '\u00ff\u00d8\u00ff').dropped[0]?.reason).toBe('image');
    expect(run('other/events', '{}').dropped[0]?.reason).toBe('unsupported');
  });
});
