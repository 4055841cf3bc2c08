/**
 * The event catalogue of SPEC §2: every kind, its family, its retention category and its data
 * schema. Every data field is declared through `plain()` or `identifier()`, so no field can exist
 * without a privacy classification (SPEC §4; prohibited attributes are refused before this, see
 * privacy/prohibited.ts). Schemas are strict: unknown fields are rejected.
 */
import Type, { type TSchema } from 'typebox';

export type IdentifierClass = 'plate' | 'credential' | 'mac';
export const IDENTIFIER_CLASSES: readonly IdentifierClass[] = ['plate', 'credential', 'mac'];

/** Retention categories of SPEC §4.7. */
export type RetentionCategory =
  | 'lpr'
  | 'access'
  | 'camera'
  | 'wifi'
  | 'fire'
  | 'env'
  | 'health'
  | 'telemetry'
  /** Plate reads that hit a watchlist (SPEC §4.7: 30 days, while other reads go after 72 h). */
  | 'lpr_hit'
  /** Counts and other aggregates holding no identifier (SPEC §4.7: aggregates may stay). */
  | 'aggregate'
  | 'system';

export type FieldClass = { readonly class: 'plain' } | { readonly class: 'identifier'; readonly idClass: IdentifierClass };

interface FieldSpec {
  readonly schema: TSchema;
  readonly cls: FieldClass;
  readonly optional: boolean;
}

const plain = (schema: TSchema): FieldSpec => ({ schema, cls: { class: 'plain' }, optional: false });
const opt = (f: FieldSpec): FieldSpec => ({ ...f, optional: true });
const identifier = (idClass: IdentifierClass, schema: TSchema): FieldSpec => ({
  schema,
  cls: { class: 'identifier', idClass },
  optional: false,
});

/** Short labels (zone, door, point …): printable, bounded. */
const label = () => Type.String({ minLength: 1, maxLength: 128 });
const text = () => Type.String({ maxLength: 512 });
const oneOf = (...values: string[]) => Type.Union(values.map((v) => Type.Literal(v)));
const nonNeg = () => Type.Number({ minimum: 0 });
const count = () => Type.Integer({ minimum: 0, maximum: 1_000_000_000 });
const ratio = () => Type.Number({ minimum: 0, maximum: 1 });
const objectClass = () => oneOf('person', 'vehicle', 'bicycle', 'animal', 'other');

export interface KindSpec {
  readonly kind: string;
  readonly family: string;
  readonly retention: RetentionCategory;
  /** Internal kinds are produced by the hub itself and refused from ingest. */
  readonly internal: boolean;
  readonly fields: Readonly<Record<string, FieldSpec>>;
}

function kind(
  name: string,
  family: string,
  retention: RetentionCategory,
  fields: Record<string, FieldSpec>,
  internal = false,
): KindSpec {
  return { kind: name, family, retention, internal, fields };
}

const CATALOGUE_LIST = [
  // camera analytics
  kind('camera.motion', 'camera', 'camera', { zone: opt(plain(label())) }),
  kind('camera.intrusion', 'camera', 'camera', {
    zone: plain(label()),
    object: plain(objectClass()),
    confidence: opt(plain(ratio())),
  }),
  kind('camera.line_crossing', 'camera', 'camera', {
    line: plain(label()),
    direction: plain(oneOf('in', 'out')),
    object: plain(objectClass()),
    count: plain(count()),
  }),
  kind('camera.occupancy', 'camera', 'camera', { zone: plain(label()), object: plain(objectClass()), count: plain(count()) }),
  kind('camera.loitering', 'camera', 'camera', { zone: plain(label()), object: plain(objectClass()), seconds: plain(nonNeg()) }),
  kind('camera.tamper', 'camera', 'camera', { reason: plain(oneOf('covered', 'moved', 'defocused', 'blinded')) }),
  kind('camera.video_loss', 'camera', 'camera', {}),
  // licence-plate readers
  kind('lpr.read', 'lpr', 'lpr', {
    plate: identifier('plate', Type.String({ minLength: 1, maxLength: 32 })),
    region: opt(plain(Type.String({ minLength: 1, maxLength: 16 }))),
    confidence: opt(plain(ratio())),
    direction: opt(plain(oneOf('in', 'out', 'approaching', 'receding', 'unknown'))),
    vehicle_type: opt(plain(Type.String({ minLength: 1, maxLength: 32 }))),
    color: opt(plain(Type.String({ minLength: 1, maxLength: 32 }))),
  }),
  // access control
  kind('access.granted', 'access', 'access', {
    door: plain(label()),
    credential: identifier('credential', Type.String({ minLength: 1, maxLength: 128 })),
    method: plain(oneOf('card', 'pin', 'mobile')),
  }),
  kind('access.denied', 'access', 'access', {
    door: plain(label()),
    credential: identifier('credential', Type.String({ minLength: 1, maxLength: 128 })),
    reason: plain(oneOf('unknown', 'expired', 'revoked', 'schedule', 'antipassback')),
  }),
  kind('access.door_forced', 'access', 'access', { door: plain(label()) }),
  kind('access.door_held', 'access', 'access', { door: plain(label()), seconds: plain(nonNeg()) }),
  kind('access.door_secured', 'access', 'access', { door: plain(label()) }),
  // fire and life safety
  kind('fire.alarm', 'fire', 'fire', { point: plain(label()), zone: opt(plain(label())) }),
  kind('fire.waterflow', 'fire', 'fire', { point: plain(label()) }),
  kind('fire.supervisory', 'fire', 'fire', { point: plain(label()), condition: plain(label()) }),
  kind('fire.trouble', 'fire', 'fire', { point: plain(label()), condition: plain(label()) }),
  kind('fire.restore', 'fire', 'fire', { point: plain(label()) }),
  // environment
  kind('env.air_quality', 'env', 'env', {
    pm25: opt(plain(nonNeg())),
    pm10: opt(plain(nonNeg())),
    no2: opt(plain(nonNeg())),
    o3: opt(plain(nonNeg())),
    co: opt(plain(nonNeg())),
  }),
  kind('env.noise', 'env', 'env', { laeq: plain(Type.Number({ minimum: 0, maximum: 200 })) }),
  kind('env.weather', 'env', 'env', {
    temperature: opt(plain(Type.Number({ minimum: -90, maximum: 70 }))),
    humidity: opt(plain(Type.Number({ minimum: 0, maximum: 100 }))),
    wind: opt(plain(Type.Number({ minimum: 0, maximum: 120 }))),
  }),
  // Wi-Fi presence
  kind('wifi.sighting', 'wifi', 'wifi', {
    mac: identifier('mac', Type.String({ minLength: 1, maxLength: 32 })),
    rssi: plain(Type.Number({ minimum: -130, maximum: 20 })),
  }),
  kind('wifi.count', 'wifi', 'aggregate', { unique_devices: plain(count()), interval_s: plain(Type.Number({ exclusiveMinimum: 0, maximum: 86_400 })) }),
  // device health
  kind('device.heartbeat', 'device', 'health', {
    uptime_s: opt(plain(nonNeg())),
    firmware: opt(plain(Type.String({ minLength: 1, maxLength: 64 }))),
  }),
  kind('device.fault', 'device', 'health', { code: plain(Type.String({ minLength: 1, maxLength: 64 })), message: opt(plain(text())) }),
  kind('device.battery', 'device', 'health', { percent: plain(Type.Number({ minimum: 0, maximum: 100 })) }),
  // smart devices
  kind('telemetry.reading', 'telemetry', 'telemetry', {
    metric: plain(Type.String({ minLength: 1, maxLength: 64 })),
    value: plain(Type.Number()),
    unit: opt(plain(Type.String({ minLength: 1, maxLength: 16 }))),
  }),
  // produced by the hub itself (registry status changes, policy violations); never accepted from ingest
  kind(
    'device.status',
    'device',
    'health',
    { status: plain(oneOf('online', 'offline', 'fault', 'unknown')), previous: plain(oneOf('online', 'offline', 'fault', 'unknown')) },
    true,
  ),
  // A watchlist hit keeps what the read said (pseudonym, device, time) past the 72 h of ordinary reads.
  kind(
    'lpr.watchlist_hit',
    'lpr',
    'lpr_hit',
    { plate: identifier('plate', Type.String({ minLength: 1, maxLength: 128 })), list: plain(label()), entry: plain(label()), read_seq: plain(count()) },
    true,
  ),
  kind('policy.violation', 'system', 'system', { field: plain(text()), rule: plain(label()) }, true),
] as const satisfies readonly KindSpec[];

export type EventKind = (typeof CATALOGUE_LIST)[number]['kind'];

export const CATALOGUE: ReadonlyMap<string, KindSpec> = new Map(CATALOGUE_LIST.map((k) => [k.kind, k]));
export const KINDS: readonly EventKind[] = CATALOGUE_LIST.map((k) => k.kind);
export const INGEST_KINDS: readonly EventKind[] = CATALOGUE_LIST.filter((k) => !k.internal).map((k) => k.kind);

export function isEventKind(s: string): s is EventKind {
  return CATALOGUE.has(s);
}

/** JSON Schema of one kind's `data` (strict: additionalProperties false). */
export function dataSchema(spec: KindSpec): TSchema {
  const props: Record<string, TSchema> = {};
  for (const [name, f] of Object.entries(spec.fields)) props[name] = f.optional ? Type.Optional(f.schema) : f.schema;
  return Type.Object(props, { additionalProperties: false });
}

/** Identifier fields of a kind: field name → class. */
export function identifierFields(spec: KindSpec): Array<[string, IdentifierClass]> {
  const out: Array<[string, IdentifierClass]> = [];
  for (const [name, f] of Object.entries(spec.fields)) if (f.cls.class === 'identifier') out.push([name, f.cls.idClass]);
  return out;
}

/** `camera.*` style prefix match used by queries and rules. */
export function kindMatches(pattern: string, kind: string): boolean {
  return pattern.endsWith('.*') ? kind.startsWith(pattern.slice(0, -1)) : pattern === kind;
}
