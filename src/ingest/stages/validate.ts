/**
 * Stage `validate`: the envelope and the kind's data schema (SPEC §2), strictly. An unknown field
 * is named; an unknown kind is named; internal kinds (device.status, policy.violation) are refused.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import Type from 'typebox';
import { CATALOGUE, dataSchema } from '../../core/kinds.js';
import { ParapetError } from '../../core/errors.js';
import type { RawEvent } from '../../core/event.js';
import { deviceIdRe } from '../../core/device.js';
import { checkTimeWindow, parseTimestamp } from '../timestamp.js';

const ajv = new Ajv({ allErrors: false, strict: false });

const EnvelopeSchema = Type.Object(
  {
    id: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
    ts: Type.Union([Type.String(), Type.Number()]),
    device: Type.Optional(Type.String()),
    kind: Type.String({ minLength: 1, maxLength: 64 }),
    data: Type.Optional(Type.Object({})),
  },
  { additionalProperties: false },
);
const validateEnvelope = ajv.compile(EnvelopeSchema);

const dataValidators = new Map<string, ValidateFunction>();
for (const spec of CATALOGUE.values()) {
  if (!spec.internal) dataValidators.set(spec.kind, ajv.compile(dataSchema(spec)));
}

function fieldPath(base: string, e: ErrorObject): string {
  const p = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
  return p ? `${base}.${p}` : base;
}

function toError(base: string, e: ErrorObject | undefined): ParapetError {
  if (!e) return new ParapetError('invalid_event', `${base} is invalid`);
  if (e.keyword === 'additionalProperties') {
    const extra = String((e.params as { additionalProperty: string }).additionalProperty);
    const where = fieldPath(base, e);
    return new ParapetError('unknown_field', `unknown field ${where}.${extra}`.replace(/^unknown field \./, 'unknown field '));
  }
  if (e.keyword === 'required') {
    const missing = String((e.params as { missingProperty: string }).missingProperty);
    return new ParapetError(base === 'data' ? 'invalid_field' : 'invalid_event', `${fieldPath(base, e)}.${missing} is required`.replace(/^\./, ''));
  }
  return new ParapetError(base === 'data' ? 'invalid_field' : 'invalid_event', `${fieldPath(base, e)} ${e.message ?? 'is invalid'}`.replace(/^\./, ''));
}

export interface ValidateOptions {
  readonly now: number;
  readonly maxFutureMs: number;
  readonly retentionByKind: ReadonlyMap<string, number>;
  /** Device fixed by the transport (MQTT topic); wins over the item's own. */
  readonly device?: string;
}

export function validateItem(item: unknown, opts: ValidateOptions): RawEvent {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new ParapetError('invalid_event', 'each event must be a JSON object');
  }
  if (!validateEnvelope(item)) throw toError('', validateEnvelope.errors?.[0]);
  const env = item as { id?: string | null; ts: unknown; device?: string; kind: string; data?: Record<string, unknown> };
  const spec = CATALOGUE.get(env.kind);
  if (!spec) throw new ParapetError('unknown_kind', `unknown kind ${JSON.stringify(env.kind)}`);
  if (spec.internal) throw new ParapetError('unknown_kind', `kind ${env.kind} is produced by the hub and cannot be ingested`);
  const device = opts.device ?? env.device;
  if (device === undefined) throw new ParapetError('invalid_event', 'device is required');
  if (opts.device !== undefined && env.device !== undefined && env.device !== opts.device) {
    throw new ParapetError('forbidden', `event names device ${env.device} but was sent by ${opts.device}`);
  }
  if (!deviceIdRe.test(device)) throw new ParapetError('invalid_event', 'device id is not valid');
  const data = env.data ?? {};
  // Unknown fields first, so the answer names the stray field rather than a missing one.
  for (const key of Object.keys(data)) {
    if (!Object.hasOwn(spec.fields, key)) throw new ParapetError('unknown_field', `unknown field data.${key}`);
  }
  const validate = dataValidators.get(env.kind);
  if (validate && !validate(data)) throw toError('data', validate.errors?.[0]);
  const ts = parseTimestamp(env.ts);
  checkTimeWindow(ts, {
    now: opts.now,
    maxFutureMs: opts.maxFutureMs,
    retentionMs: opts.retentionByKind.get(env.kind) ?? Number.MAX_SAFE_INTEGER,
  });
  return { id: env.id ?? null, ts, device, kind: env.kind, data };
}
