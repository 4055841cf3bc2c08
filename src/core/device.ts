/** The device registry's record (SPEC §2). */
import Type, { type Static } from 'typebox';

export const DEVICE_TYPES = ['camera', 'lpr', 'access', 'fire', 'env', 'wifi', 'meter', 'other'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];
export const DEVICE_STATUSES = ['online', 'offline', 'fault', 'unknown'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

/** Device ids appear in MQTT topics and URLs: no `/`, `+`, `#` or spaces. */
export const DEVICE_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$';
export const deviceIdRe = new RegExp(DEVICE_ID_PATTERN);

export const DeviceInputSchema = Type.Object(
  {
    id: Type.String({ pattern: DEVICE_ID_PATTERN }),
    // Type.Enum, not Union over a mapped array: the latter makes Static<> infer `never`.
    type: Type.Enum(DEVICE_TYPES),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    site: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
    zone: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Null()])),
    lat: Type.Optional(Type.Union([Type.Number({ minimum: -90, maximum: 90 }), Type.Null()])),
    lon: Type.Optional(Type.Union([Type.Number({ minimum: -180, maximum: 180 }), Type.Null()])),
    /** Expected heartbeat period, seconds; 0 = the device sends none (status from events only). */
    heartbeat_s: Type.Optional(Type.Integer({ minimum: 0, maximum: 604_800 })),
  },
  { additionalProperties: false },
);
export type DeviceInput = Static<typeof DeviceInputSchema>;

export interface Device {
  readonly id: string;
  readonly type: DeviceType;
  readonly name: string;
  readonly site: string;
  readonly zone: string | null;
  readonly lat: number | null;
  readonly lon: number | null;
  readonly heartbeat_s: number;
}

/** What the registry keeps about liveness; status itself is derived (registry/status.ts). */
export interface DeviceLiveness {
  /** Epoch ms of the last event of any kind received from the device, or null. */
  readonly last_seen: number | null;
  /** Epoch ms of an open fault (device.fault not yet cleared), or null. */
  readonly fault_since: number | null;
  readonly fault_code: string | null;
}

export interface DeviceView extends Device {
  readonly status: DeviceStatus;
  readonly last_seen: string | null;
}

export function normaliseDevice(input: DeviceInput): Device {
  return {
    id: input.id,
    type: input.type,
    name: input.name ?? input.id,
    site: input.site,
    zone: input.zone ?? null,
    lat: input.lat ?? null,
    lon: input.lon ?? null,
    heartbeat_s: input.heartbeat_s ?? 0,
  };
}
