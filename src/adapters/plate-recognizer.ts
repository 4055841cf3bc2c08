/**
 * Plate Recognizer (SPEC §6) → `lpr.read`. Accepted bodies (JSON, or the `json` field of a webhook
 * with image, unpacked by plate-recognizer-form.ts with the image discarded unread):
 *   Stream webhook    {hook: {id: <camera>, event: "recognition"}, data: {camera_id, timestamp, results: [...]}}
 *   Snapshot webhook  {hook: {id: <webhook>, event: "image.done"}, data: {camera_id, timestamp, results: [...]}}
 *   Snapshot API answer forwarded as-is  {camera_id, timestamp, results: [...]}
 * Each result with a plate becomes one read: plate ⓘ (pseudonymised by the pipeline), region code,
 * score as confidence, vehicle type, top colour, and direction from the vehicle's orientation
 * (Front → approaching, Rear → receding). Candidates, boxes, make/model and images are not kept.
 */
import { ResultBuilder, clientId, deviceFor, isRecord, label, ratio, str, type AdapterResult, type DeviceMapping } from './adapter-kit.js';

export interface PlateRecognizerOptions {
  readonly devices: DeviceMapping;
  /** Receive time, epoch ms: used when the body carries no timestamp. */
  readonly now: number;
}

function topBy(list: unknown, key: string): string | undefined {
  if (!Array.isArray(list)) return undefined;
  let best: { v: string; s: number } | undefined;
  for (const e of list) {
    if (!isRecord(e)) continue;
    const v = str(e[key]);
    const s = typeof e.score === 'number' ? e.score : 0;
    if (v && (!best || s > best.s)) best = { v, s };
  }
  return best?.v;
}

function direction(orientation: unknown): 'approaching' | 'receding' | undefined {
  const o = topBy(orientation, 'orientation')?.toLowerCase();
  if (o === 'front') return 'approaching';
  if (o === 'rear') return 'receding';
  return undefined;
}

export function mapPlateRecognizer(body: unknown, o: PlateRecognizerOptions): AdapterResult {
  const out = new ResultBuilder();
  if (!isRecord(body)) {
    out.refuse('body', 'invalid_event', 'a Plate Recognizer webhook body is a JSON object');
    return out.result();
  }
  const hook = isRecord(body.hook) ? body.hook : undefined;
  const data = isRecord(body.data) ? body.data : hook ? undefined : body;
  const base = hook ? 'data' : '';
  const event = str(hook?.event);
  if (event !== undefined && event !== 'recognition' && event !== 'image.done') {
    out.drop('hook.event', 'unsupported', `Plate Recognizer event "${event.slice(0, 32)}" carries no plate read`);
    return out.result();
  }
  if (!data || !Array.isArray(data.results)) {
    out.refuse(base || 'body', 'invalid_event', 'the body has no results array');
    return out.result();
  }
  // Stream names the camera in data.camera_id and hook.id; Snapshot's hook.id is the webhook's number.
  const camera = str(data.camera_id) ?? (event === 'recognition' ? str(hook?.id) : undefined);
  const device = deviceFor(o.devices, camera);
  const ts = str(data.timestamp) ?? o.now;
  const at = (i: number) => (base ? `${base}.results[${i}]` : `results[${i}]`);
  data.results.forEach((r: unknown, i: number) => {
    if (!isRecord(r)) return out.refuse(at(i), 'invalid_event', 'a result is a JSON object');
    const plate = str(r.plate);
    if (!plate) return out.drop(at(i), 'no_data', 'a vehicle without a readable plate');
    if (!device) {
      return out.refuse(at(i), 'invalid_event', 'no camera_id names the device; send camera_id or pin ?device=');
    }
    const vehicle = isRecord(r.vehicle) ? r.vehicle : {};
    const region = isRecord(r.region) ? label(r.region.code, 16) : undefined;
    const vtype = label(vehicle.type, 32);
    const color = label(topBy(r.color, 'color'), 32);
    const dir = direction(r.orientation);
    const confidence = ratio(r.score);
    out.event(at(i), {
      // The id hashes camera, time and position only, never the plate (SPEC §4.1).
      id: clientId('pr', device, String(ts), i),
      ts,
      device,
      kind: 'lpr.read',
      data: {
        plate,
        ...(region ? { region } : {}),
        ...(confidence !== undefined ? { confidence } : {}),
        ...(dir ? { direction: dir } : {}),
        ...(vtype ? { vehicle_type: vtype.toLowerCase() } : {}),
        ...(color ? { color: color.toLowerCase() } : {}),
      },
    });
  });
  return out.result();
}
