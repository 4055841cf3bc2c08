/**
 * UniFi Access webhooks (SPEC §6) → access.* kinds. Register the endpoint with UniFi Access
 * (`POST /api/v1/developer/webhooks/endpoints`, `headers: {"Authorization": "Bearer <ingest token>"}`).
 *   access.door.unlock        result "Access Granted"/"ACCESS" → access.granted {door, credential ⓘ, method};
 *                             result "Access Denied"/"BLOCKED"/… → access.denied {door, credential ⓘ, reason}
 *   access.device.dps_status  door position sensor: "close" → access.door_secured; "open" with no
 *                             granted unlock of that door in the last UNLOCK_WINDOW_MS → access.door_forced
 *   held open                 a door still open HELD_AFTER_MS after a legitimate opening → access.door_held
 *                             (checkHeldDoors, called by the route's timer)
 * The credential is the card/PIN value UniFi reports, else the user's UniFi id; both are
 * identifiers and are pseudonymised by the pipeline. Actor names are dropped and counted;
 * face- and fingerprint-authenticated unlocks are dropped and counted (SPEC §4.3). The webhook
 * carries no event time, so events are stamped with the receive time.
 *
 * The mapping READS the caller's `DoorState` (per-door last granted unlock and open door) so forced
 * and held doors can be told apart from normal passages, and returns the change it implies as a
 * `DoorUpdate`; the caller applies it (applyDoorUpdate) only for a device the sender may use, so a
 * sender cannot prime the state of another site's door.
 */
import { ResultBuilder, deviceFor, isRecord, label, str, type AdapterResult, type DeviceMapping } from './adapter-kit.js';

/** A door opened within this long after a granted unlock is a normal passage, ms. */
export const UNLOCK_WINDOW_MS = 15_000;
/** A door open this long after a normal opening is held open, ms. */
export const HELD_AFTER_MS = 60_000;

interface OpenDoor {
  readonly device: string;
  readonly door: string;
  readonly since: number;
  reported: boolean;
}

export class DoorState {
  readonly granted = new Map<string, number>();
  readonly open = new Map<string, OpenDoor>();
  /** Bounded: a flood of invented door ids cannot grow the maps without limit. */
  constructor(readonly maxDoors = 10_000) {}
}

export interface UnifiAccessOptions {
  readonly devices: DeviceMapping;
  readonly now: number;
}

const GRANTED = new Set(['access granted', 'access', 'granted', 'success', 'allowed', 'unlocked']);
const DENIED = new Set(['access denied', 'blocked', 'denied', 'failed', 'failure', 'rejected']);

type Method = 'card' | 'pin' | 'mobile';
type Reason = 'unknown' | 'expired' | 'revoked' | 'schedule' | 'antipassback';

/** UniFi authentication types → the catalogue's methods; biometrics are dropped (SPEC §4.3). */
function method(type: string): Method | 'biometric' | undefined {
  const t = type.toUpperCase();
  if (/FACE|FINGER|PALM|BIOMETRIC/.test(t)) return 'biometric';
  if (/NFC|CARD|RFID|FOB|TAG/.test(t)) return 'card';
  if (/PIN|CODE|KEYPAD/.test(t)) return 'pin';
  if (/MOBILE|BLE|APP|REMOTE|WALLET|TOUCH|QR|BUTTON|WAVE/.test(t)) return 'mobile';
  return undefined;
}

function denialReason(text: string): Reason {
  const t = text.toLowerCase();
  if (/expire/.test(t)) return 'expired';
  if (/revok|suspend|deactiv|disabled|blacklist/.test(t)) return 'revoked';
  if (/schedule|time|holiday|outside/.test(t)) return 'schedule';
  if (/passback/.test(t)) return 'antipassback';
  return 'unknown';
}

/** The state change one webhook implies, for `device`'s `door`. */
export interface DoorUpdate {
  readonly device: string;
  readonly door: string;
  readonly change: { readonly type: 'granted'; readonly at: number } | { readonly type: 'opened'; readonly at: number; readonly forced: boolean } | { readonly type: 'closed' };
}

export interface UnifiAccessResult extends AdapterResult {
  readonly update: DoorUpdate | null;
}

const doorKey = (device: string, door: string): string => `${device}\u0000${door}`;

function remember(state: DoorState, map: Map<string, unknown>, key: string): void {
  map.delete(key);
  while (map.size >= state.maxDoors) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
}

export function applyDoorUpdate(state: DoorState, u: DoorUpdate): void {
  const key = doorKey(u.device, u.door);
  const c = u.change;
  if (c.type === 'closed') state.open.delete(key);
  else if (c.type === 'granted') {
    remember(state, state.granted, key);
    state.granted.set(key, c.at);
  } else {
    remember(state, state.open, key);
    state.open.set(key, { device: u.device, door: u.door, since: c.at, reported: c.forced });
  }
}

export function mapUnifiAccess(body: unknown, o: UnifiAccessOptions, state: DoorState): UnifiAccessResult {
  const out = new ResultBuilder();
  let update: DoorUpdate | null = null;
  const done = (): UnifiAccessResult => ({ ...out.result(), update });
  if (!isRecord(body) || typeof body.event !== 'string') {
    out.refuse('body', 'invalid_event', 'a UniFi Access webhook is a JSON object with an "event" name');
    return done();
  }
  const event = body.event;
  const data = isRecord(body.data) ? body.data : {};
  const location = isRecord(data.location) ? data.location : {};
  const hub = isRecord(data.device) ? data.device : {};
  const actor = isRecord(data.actor) ? data.actor : {};
  const object = isRecord(data.object) ? data.object : {};
  if (str(actor.name) !== undefined && actor.name !== 'N/A') out.drop('data.actor.name', 'person_name', "the user's name was not kept");

  if (event !== 'access.door.unlock' && event !== 'access.device.dps_status') {
    out.drop('event', 'unsupported', `UniFi Access event "${event.slice(0, 64)}" has no Parapet kind`);
    return done();
  }
  const device = deviceFor(o.devices, str(location.id) ?? str(hub.location_id) ?? str(hub.id));
  if (!device) {
    out.refuse('data.location.id', 'invalid_event', 'no door or device id maps to a Parapet device; pin ?device= or check the prefix');
    return done();
  }
  const door = label(location.name) ?? label(hub.alias) ?? label(location.id) ?? device;
  const key = doorKey(device, door);
  const ts = o.now;

  if (event === 'access.device.dps_status') {
    const status = (str(object.status) ?? '').toLowerCase();
    if (status === 'close' || status === 'closed') {
      update = { device, door, change: { type: 'closed' } };
      out.event('data.object.status', { ts, device, kind: 'access.door_secured', data: { door } });
    } else if (status === 'open' || status === 'opened') {
      const since = state.granted.get(key);
      const legit = since !== undefined && ts - since <= UNLOCK_WINDOW_MS;
      update = { device, door, change: { type: 'opened', at: ts, forced: !legit } };
      if (legit) out.drop('data.object.status', 'no_data', 'the door opened after a granted unlock (normal passage)');
      else out.event('data.object.status', { ts, device, kind: 'access.door_forced', data: { door } });
    } else {
      out.refuse('data.object.status', 'invalid_field', 'door position status is neither open nor close');
    }
    return done();
  }

  const result = (str(object.result) ?? '').toLowerCase();
  const granted = GRANTED.has(result);
  if (!granted && !DENIED.has(result)) {
    out.refuse('data.object.result', 'invalid_field', 'the unlock result is neither granted nor denied');
    return done();
  }
  const m = method(str(object.authentication_type) ?? '');
  if (m === 'biometric') {
    out.drop('data.object.authentication_type', 'face_data', 'a biometric (face or fingerprint) unlock is not recorded (SPEC §4.3)');
    return done();
  }
  const credential = str(object.authentication_value) ?? str(actor.id);
  if (!credential) {
    out.refuse('data.object', 'invalid_event', 'the unlock names no credential or user id');
    return done();
  }
  if (granted) {
    update = { device, door, change: { type: 'granted', at: ts } };
    out.event('data.object', { ts, device, kind: 'access.granted', data: { door, credential: credential.slice(0, 128), method: m ?? 'card' } });
  } else {
    out.event('data.object', { ts, device, kind: 'access.denied', data: { door, credential: credential.slice(0, 128), reason: denialReason(str(object.result) ?? '') } });
  }
  return done();
}

/** Doors open longer than `heldAfterMs` after a normal opening, each reported once as `access.door_held`. */
export function checkHeldDoors(state: DoorState, now: number, heldAfterMs = HELD_AFTER_MS): AdapterResult {
  const out = new ResultBuilder();
  for (const d of state.open.values()) {
    if (d.reported || now - d.since < heldAfterMs) continue;
    d.reported = true;
    out.event('held-open', { ts: now, device: d.device, kind: 'access.door_held', data: { door: d.door, seconds: Math.round((now - d.since) / 1000) } });
  }
  return out.result();
}
