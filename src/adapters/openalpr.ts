/**
 * OpenALPR agent / Rekor Scout HTTP POSTs (SPEC §6). The agent sends one JSON object per message
 * (or an array of them), told apart by `data_type`:
 *   alpr_group    one vehicle, best estimate over its frames → `lpr.read` (plate ⓘ, region,
 *                 confidence = best_confidence / 100, body type, colour). Device: camera_id.
 *   heartbeat     agent health → per video stream `device.heartbeat`, or `camera.video_loss`
 *                 when the stream is not streaming.
 *   alpr_results  per-frame reads (the same vehicle many times) → dropped: use group results.
 *   alpr_alert    the agent's own watchlist hits → dropped: watchlists are Parapet's (SPEC §4.6).
 * Plate and vehicle crops (`*_jpeg`) are dropped and counted; the license key and stream URLs
 * of heartbeats are never forwarded.
 */
import { ResultBuilder, clientId, deviceFor, isRecord, label, num, str, sub, type AdapterResult, type DeviceMapping } from './adapter-kit.js';

export interface OpenAlprOptions {
  readonly devices: DeviceMapping;
  readonly now: number;
}

/** The most confident `name` of a Rekor vehicle attribute list (`[{name, confidence}]`). */
function topName(list: unknown): string | undefined {
  if (!Array.isArray(list)) return undefined;
  let best: { name: string; c: number } | undefined;
  for (const e of list) {
    if (!isRecord(e)) continue;
    const name = str(e.name);
    const c = num(e.confidence) ?? 0;
    if (name && (!best || c > best.c)) best = { name, c };
  }
  return best?.name;
}

function countImages(msg: Record<string, unknown>, at: string, out: ResultBuilder): void {
  const best = isRecord(msg.best_plate) ? msg.best_plate : {};
  for (const [where, v] of [
    ['best_plate.plate_crop_jpeg', best.plate_crop_jpeg],
    ['vehicle_crop_jpeg', msg.vehicle_crop_jpeg],
  ] as const) {
    if (typeof v === 'string' && v.length > 0) out.drop(sub(at, where), 'image', 'an image crop was not kept');
  }
}

function group(msg: Record<string, unknown>, at: string, o: OpenAlprOptions, out: ResultBuilder): void {
  countImages(msg, at, out);
  const plate = str(msg.best_plate_number);
  if (!plate) return out.refuse(at || 'body', 'invalid_event', 'an alpr_group without best_plate_number');
  const device = deviceFor(o.devices, msg.camera_id);
  if (!device) return out.refuse(at || 'body', 'invalid_event', 'camera_id does not name a device; pin ?device= or check the prefix');
  const start = num(msg.epoch_start);
  const conf = num(msg.best_confidence);
  const region = label(msg.best_region, 16);
  const vehicle = isRecord(msg.vehicle) ? msg.vehicle : {};
  const body = label(topName(vehicle.body_type), 32);
  const color = label(topName(vehicle.color), 32);
  const uuid = str(msg.best_uuid) ?? (Array.isArray(msg.uuids) ? str(msg.uuids[0]) : undefined);
  out.event(at || 'body', {
    // best_uuid is agent-camera-epoch (no plate), so a retried POST is a duplicate (SPEC §2).
    id: uuid ? clientId('oa', uuid) : null,
    ts: start ?? o.now,
    device,
    kind: 'lpr.read',
    data: {
      plate,
      ...(region ? { region } : {}),
      ...(conf !== undefined ? { confidence: Math.min(1, Math.max(0, conf / 100)) } : {}),
      ...(body ? { vehicle_type: body } : {}),
      ...(color ? { color } : {}),
    },
  });
}

function heartbeat(msg: Record<string, unknown>, at: string, o: OpenAlprOptions, out: ResultBuilder): void {
  const ts = num(msg.timestamp) ?? o.now;
  const uptime = num(msg.daemon_uptime_seconds);
  const firmware = label(msg.agent_version, 64);
  const streams = Array.isArray(msg.video_streams) ? msg.video_streams : [];
  if (streams.length === 0) return out.drop(at || 'body', 'no_data', 'a heartbeat without video streams names no device');
  streams.forEach((s: unknown, i: number) => {
    const where = sub(at, `video_streams[${i}]`);
    if (!isRecord(s)) return out.refuse(where, 'invalid_event', 'a video stream is a JSON object');
    const device = deviceFor(o.devices, s.camera_id);
    if (!device) return out.refuse(where, 'invalid_event', 'camera_id does not name a device');
    if (s.is_streaming === false) {
      out.event(where, { id: clientId('oa-hb', device, ts), ts, device, kind: 'camera.video_loss', data: {} });
    } else {
      out.event(where, {
        id: clientId('oa-hb', device, ts),
        ts,
        device,
        kind: 'device.heartbeat',
        data: { ...(uptime !== undefined && uptime >= 0 ? { uptime_s: uptime } : {}), ...(firmware ? { firmware } : {}) },
      });
    }
  });
}

function one(msg: unknown, at: string, o: OpenAlprOptions, out: ResultBuilder): void {
  if (!isRecord(msg)) return out.refuse(at || 'body', 'invalid_event', 'an OpenALPR message is a JSON object');
  const type = str(msg.data_type);
  switch (type) {
    case 'alpr_group':
      return group(msg, at, o, out);
    case 'heartbeat':
      return heartbeat(msg, at, o, out);
    case 'alpr_results':
      return out.drop(at || 'body', 'unsupported', 'per-frame alpr_results are not kept; Parapet records group results (one read per vehicle)');
    case 'alpr_alert':
      return out.drop(at || 'body', 'unsupported', "the agent's own alerts are not kept; watchlists are matched by Parapet (SPEC §4.6)");
    default:
      return out.refuse(at || 'body', 'invalid_event', type ? `unknown data_type "${type.slice(0, 32)}"` : 'data_type is missing');
  }
}

export function mapOpenAlpr(body: unknown, o: OpenAlprOptions): AdapterResult {
  const out = new ResultBuilder();
  if (Array.isArray(body)) body.forEach((m: unknown, i: number) => one(m, `[${i}]`, o, out));
  else one(body, '', o, out);
  return out.result();
}
