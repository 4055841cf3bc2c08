/**
 * Frigate NVR MQTT messages (SPEC §6; docs.frigate.video/integrations/mqtt) → camera.* kinds.
 * Pure: one (topic, payload) in, events/refusals/drops out. Topics under the configured prefix:
 *   events                  tracked objects: entering a zone → camera.intrusion {zone, object, confidence}
 *                           (per zone, once); a new object outside any zone → camera.motion; an object
 *                           stationary in a zone for LOITER_S → camera.loitering; a recognised plate
 *                           (`recognized_license_plate`) → lpr.read with the plate ⓘ
 *   reviews                 review items; with intrusion_from "reviews", a review escalated to
 *                           severity "alert" → camera.intrusion per zone (otherwise they repeat events)
 *   tracked_object_update   type "lpr" → lpr.read; type "face" → dropped
 *   available               "online" → device.heartbeat, "offline"/"stopped" → camera.video_loss,
 *                           for every known camera
 *   <camera>/<object>       object count → camera.occupancy {zone: the camera's registry zone}
 *   <zone>/<object>         object count in a Frigate zone → camera.occupancy {zone}
 *   <camera>/motion         "ON" → camera.motion
 * Face names (`sub_label`, review `sub_labels`, face updates), owner names of known plates,
 * thumbnails and GenAI descriptions are dropped and counted, never forwarded (SPEC §4.3).
 */
import { parseBoundedJson, type JsonLimits } from '../ingest/json-guard.js';
import { ResultBuilder, clientId, deviceFor, fromSeconds, isRecord, label, objectClass, ratio, str, type AdapterResult } from './adapter-kit.js';

/** An object motionless in a zone at least this long is loitering, seconds. */
export const LOITER_S = 60;

export interface FrigateContext {
  readonly topicPrefix: string;
  readonly devicePrefix: string;
  readonly intrusionFrom: 'events' | 'reviews';
  readonly now: number;
  readonly limits: JsonLimits;
  /** Frigate camera names known to the hub (registered under the prefix, or seen in messages). */
  readonly cameras: ReadonlySet<string>;
  /** Frigate zone name → camera, learned from events (learnZones). */
  readonly zoneCamera: ReadonlyMap<string, string>;
  /** The registry zone of a device, for camera-wide counts. */
  readonly zoneOf: (device: string) => string | null | undefined;
}

const ATTRIBUTE_LABELS = new Set(['face', 'license_plate', 'amazon', 'ups', 'fedex', 'dhl', 'usps', 'an_post', 'purolator', 'postnl', 'nzpost', 'postnord', 'gls', 'dpd']);
const CAMERA_SETTINGS = new Set([
  'detect', 'recordings', 'snapshots', 'audio', 'ptz', 'ptz_autotracker', 'birdseye', 'birdseye_mode', 'improve_contrast', 'motion_threshold',
  'motion_contour_area', 'review_alerts', 'review_detections', 'notifications', 'enabled', 'camera_fps', 'status', 'review_status', 'object_descriptions', 'review_descriptions',
]);

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length > 0) : [];
}

/** `sub_label` is a name (string, or `[name, score]` since 0.14): never forwarded. */
function dropNames(obj: Record<string, unknown>, at: string, out: ResultBuilder): void {
  const sub = obj.sub_label;
  if (sub !== null && sub !== undefined && sub !== '' && !(Array.isArray(sub) && sub.length === 0)) {
    const person = objectClass(obj.label) === 'person';
    out.drop(`${at}.sub_label`, person ? 'face_data' : 'person_name', person ? 'a recognised face name was not kept' : 'a sub label (a name) was not kept');
  }
  if (typeof obj.thumbnail === 'string' && obj.thumbnail.length > 0) out.drop(`${at}.thumbnail`, 'image', 'a thumbnail was not kept');
}

function plateOf(v: unknown): { plate: string; score?: number } | undefined {
  if (typeof v === 'string' && v.length > 0) return { plate: v };
  if (Array.isArray(v) && typeof v[0] === 'string' && v[0].length > 0) {
    const score = ratio(v[1]);
    return score === undefined ? { plate: v[0] } : { plate: v[0], score };
  }
  return undefined;
}

function events(msg: Record<string, unknown>, c: FrigateContext, out: ResultBuilder): void {
  const type = str(msg.type);
  const after = isRecord(msg.after) ? msg.after : undefined;
  const before = isRecord(msg.before) ? msg.before : {};
  if (!after) return out.refuse('after', 'invalid_event', 'a frigate/events message carries "after"');
  if (isRecord(msg.before)) dropNames(before, 'before', out);
  dropNames(after, 'after', out);
  const camera = str(after.camera);
  const id = str(after.id);
  const device = deviceFor({ prefix: c.devicePrefix }, camera);
  if (!device || !id) return out.refuse('after.camera', 'invalid_event', 'the tracked object names no camera or id');
  if (after.false_positive === true) return out.drop('after', 'no_data', 'a false positive');
  const ts = fromSeconds(after.frame_time) ?? fromSeconds(after.start_time) ?? c.now;
  const object = objectClass(after.label);
  const confidence = ratio(after.top_score) ?? ratio(after.score);
  const entered = strings(after.entered_zones);
  const fresh = type === 'new' ? entered : entered.filter((z) => !strings(before.entered_zones).includes(z));
  if (c.intrusionFrom === 'events') {
    for (const z of fresh) {
      const zone = label(z);
      if (!zone) continue;
      out.event('after.entered_zones', {
        id: clientId('fr', camera ?? '', id, 'zone', zone),
        ts,
        device,
        kind: 'camera.intrusion',
        data: { zone, object, ...(confidence !== undefined ? { confidence } : {}) },
      });
    }
  }
  if (type === 'new' && entered.length === 0) out.event('after', { id: clientId('fr', camera ?? '', id, 'motion'), ts, device, kind: 'camera.motion', data: {} });
  const start = fromSeconds(after.start_time);
  const zoneNow = label(strings(after.current_zones)[0]);
  if (after.stationary === true && zoneNow && start !== undefined && ts - start >= LOITER_S * 1000) {
    out.event('after.stationary', {
      id: clientId('fr', camera ?? '', id, 'loiter', zoneNow),
      ts,
      device,
      kind: 'camera.loitering',
      data: { zone: zoneNow, object, seconds: Math.round((ts - start) / 1000) },
    });
  }
  const plate = plateOf(after.recognized_license_plate);
  if (plate) {
    out.event('after.recognized_license_plate', {
      id: clientId('fr', camera ?? '', id, 'lpr'),
      ts,
      device,
      kind: 'lpr.read',
      data: { plate: plate.plate, ...(plate.score !== undefined ? { confidence: plate.score } : {}) },
    });
  }
  if (out.result().items.length === 0 && type !== 'end') out.drop('after', 'no_data', 'no zone entered, nothing to record');
}

function reviews(msg: Record<string, unknown>, c: FrigateContext, out: ResultBuilder): void {
  const after = isRecord(msg.after) ? msg.after : undefined;
  if (!after) return out.refuse('after', 'invalid_event', 'a frigate/reviews message carries "after"');
  const data = isRecord(after.data) ? after.data : {};
  if (strings(data.sub_labels).length > 0) out.drop('after.data.sub_labels', 'face_data', 'recognised names (sub_labels) were not kept');
  const before = isRecord(msg.before) ? msg.before : {};
  const escalated = after.severity === 'alert' && (str(msg.type) === 'new' || before.severity !== 'alert' || strings(data.zones).some((z) => !strings(isRecord(before.data) ? before.data.zones : []).includes(z)));
  if (c.intrusionFrom !== 'reviews' || !escalated) return out.drop('after', 'no_data', 'review items summarise frigate/events');
  const camera = str(after.camera);
  const device = deviceFor({ prefix: c.devicePrefix }, camera);
  const id = str(after.id);
  if (!device || !id) return out.refuse('after.camera', 'invalid_event', 'the review names no camera or id');
  const objects = strings(data.objects).map(objectClass);
  const object = objects.includes('person') ? 'person' : (objects[0] ?? 'other');
  const ts = fromSeconds(after.start_time) ?? c.now;
  const zones = strings(data.zones);
  if (zones.length === 0) return out.drop('after.data.zones', 'no_data', 'an alert outside any zone');
  for (const z of zones) {
    const zone = label(z);
    if (zone) out.event('after.data.zones', { id: clientId('fr-r', camera ?? '', id, zone), ts, device, kind: 'camera.intrusion', data: { zone, object } });
  }
}

function trackedObjectUpdate(msg: Record<string, unknown>, c: FrigateContext, out: ResultBuilder): void {
  const type = str(msg.type);
  if (type === 'face') return out.drop('type', 'face_data', 'a face recognition update was not kept');
  if (type !== 'lpr') return out.drop('type', 'unsupported', `tracked object update "${(type ?? '').slice(0, 32)}" is not recorded (descriptions may describe people)`);
  if (str(msg.name) !== undefined) out.drop('name', 'person_name', "a known plate's name was not kept");
  const camera = str(msg.camera);
  const device = deviceFor({ prefix: c.devicePrefix }, camera);
  const id = str(msg.id);
  const plate = str(msg.plate);
  if (!device || !id || !plate) return out.refuse('plate', 'invalid_event', 'an lpr update names a camera, an id and a plate');
  const score = ratio(msg.score);
  out.event('plate', {
    id: clientId('fr', camera ?? '', id, 'lpr'),
    ts: fromSeconds(msg.timestamp) ?? c.now,
    device,
    kind: 'lpr.read',
    data: { plate, ...(score !== undefined ? { confidence: score } : {}) },
  });
}

function available(text: string, c: FrigateContext, out: ResultBuilder): void {
  const state = text.trim().toLowerCase();
  if (state !== 'online' && state !== 'offline' && state !== 'stopped') return out.refuse('payload', 'invalid_event', 'availability is online, offline or stopped');
  if (c.cameras.size === 0) return out.drop('payload', 'no_data', 'no Frigate camera is known yet');
  for (const camera of c.cameras) {
    const device = deviceFor({ prefix: c.devicePrefix }, camera);
    if (!device) continue;
    if (state === 'online') out.event(camera, { ts: c.now, device, kind: 'device.heartbeat', data: {} });
    else out.event(camera, { ts: c.now, device, kind: 'camera.video_loss', data: {} });
  }
}

function cameraTopic(first: string, second: string, text: string, c: FrigateContext, out: ResultBuilder): void {
  if (second === 'motion') {
    const device = c.cameras.has(first) ? deviceFor({ prefix: c.devicePrefix }, first) : null;
    if (!device) return out.drop('topic', 'no_data', 'motion of an unknown camera');
    if (text.trim().toUpperCase() !== 'ON') return out.drop('payload', 'no_data', 'motion ended');
    return out.event('payload', { ts: c.now, device, kind: 'camera.motion', data: {} });
  }
  if (CAMERA_SETTINGS.has(second)) return out.drop('topic', 'unsupported', `camera setting "${second}" is not an event`);
  if (!/^\d{1,9}$/.test(text.trim())) return out.drop('payload', 'unsupported', 'not an object count');
  if (second === 'all' || ATTRIBUTE_LABELS.has(second)) return out.drop('topic', 'unsupported', `count of "${second}" is not recorded (per-object counts are)`);
  const count = Number(text.trim());
  let device: string | null = null;
  let zone: string | undefined;
  if (c.cameras.has(first)) {
    device = deviceFor({ prefix: c.devicePrefix }, first);
    zone = label(device ? c.zoneOf(device) : undefined) ?? label(first);
  } else {
    const camera = c.zoneCamera.get(first);
    device = camera !== undefined ? deviceFor({ prefix: c.devicePrefix }, camera) : null;
    zone = label(first);
  }
  if (!device || !zone) return out.drop('topic', 'no_data', 'a count for a camera or zone not known yet');
  out.event('payload', { ts: c.now, device, kind: 'camera.occupancy', data: { zone, object: objectClass(second), count } });
}

export function mapFrigateMessage(topic: string, payload: string, c: FrigateContext): AdapterResult {
  const out = new ResultBuilder();
  const prefix = `${c.topicPrefix}/`;
  if (!topic.startsWith(prefix)) {
    out.drop('topic', 'unsupported', 'not a Frigate topic');
    return out.result();
  }
  const parts = topic.slice(prefix.length).split('/');
  const [first = '', second, third] = parts;
  const json = (): Record<string, unknown> | null => {
    try {
      const v = parseBoundedJson(payload, c.limits);
      if (isRecord(v)) return v;
      out.refuse('payload', 'invalid_event', 'the payload is not a JSON object');
    } catch (err) {
      out.refuse('payload', 'invalid_json', err instanceof Error ? err.message.slice(0, 200) : 'invalid JSON');
    }
    return null;
  };
  if (parts.length === 1) {
    if (first === 'available') available(payload, c, out);
    else if (first === 'events' || first === 'reviews' || first === 'tracked_object_update') {
      const msg = json();
      if (msg) (first === 'events' ? events : first === 'reviews' ? reviews : trackedObjectUpdate)(msg, c, out);
    } else out.drop('topic', 'unsupported', `frigate/${first.slice(0, 32)} is not recorded`);
  } else if (parts.length === 2 && second !== undefined) {
    cameraTopic(first, second, payload, c, out);
  } else if (third === 'snapshot') {
    out.drop('payload', 'image', 'a snapshot image was not kept');
  } else {
    out.drop('topic', 'unsupported', 'topic not recorded');
  }
  return out.result();
}

/** What a frigate/events message teaches the bridge: its camera and the zones of that camera. */
export function learnFromEvent(payload: string, limits: JsonLimits): { camera: string; zones: string[] } | null {
  try {
    const v = parseBoundedJson(payload, limits);
    const after = isRecord(v) && isRecord(v.after) ? v.after : undefined;
    const camera = after ? str(after.camera) : undefined;
    if (!after || !camera) return null;
    return { camera, zones: [...new Set([...strings(after.entered_zones), ...strings(after.current_zones)])] };
  } catch {
    return null;
  }
}
