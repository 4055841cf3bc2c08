/**
 * What happens to one device publish (SPEC §3): the topic must be the device's own `events` or
 * `heartbeat`; the payload is decoded with the HTTP ingest bounds and handed to the pipeline, whose
 * promise resolves only after the store commit — the broker acknowledges (PUBACK) after that, so an
 * acknowledged event is durable (issue 2 §4, §7).
 *
 * Two kinds of "no": a publish outside the device's own topics is refused (the broker closes the
 * connection, the only refusal MQTT 3.1.1 has); a publish on its own topic whose content is bad is
 * acknowledged — retrying cannot fix it — and the rejections are reported on the device's `errors`
 * topic and logged as a redacted summary (codes and counts, never payload or details).
 */
import type { Principal } from '../../auth/principal.js';
import type { Clock } from '../../core/clock.js';
import { ParapetError, type ErrorCode } from '../../core/errors.js';
import type { IngestInput } from '../../core/event.js';
import type { IngestPipeline, IngestRejection } from '../../ingest/pipeline.js';
import { decodeEvents, decodeHeartbeat, type PayloadLimits } from './decode.js';
import { parseDeviceTopic, type DeviceChannel } from './topics.js';
import { devicePrincipal, type MqttAuthDeps } from './mqtt-auth.js';

export interface DevicePublishDeps {
  readonly clock: Clock;
  readonly registry: MqttAuthDeps['registry'];
  readonly pipeline: Pick<IngestPipeline, 'ingest'>;
}

/** Published to `parapet/v1/<device>/errors` when anything in a publish was rejected. */
export interface PublishReport {
  readonly channel: DeviceChannel;
  /** The MQTT packet id of the publish (QoS ≥ 1), so the device can match its message. */
  readonly message_id: number | null;
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: readonly IngestRejection[];
  /** Set when the payload as a whole could not be decoded (nothing was ingested). */
  readonly error?: ErrorCode;
  readonly detail?: string;
}

export type PublishVerdict =
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'processed'; readonly device: string; readonly report: PublishReport | null };

export interface DevicePublish {
  readonly topic: string;
  readonly payload: Buffer;
  readonly messageId: number | null;
}

/**
 * Decides and, when allowed, ingests. Resolves after the commit; rejects only when the pipeline
 * itself failed (e.g. the store), in which case nothing may be acknowledged.
 */
export async function handleDevicePublish(deps: DevicePublishDeps, principal: Principal, limits: PayloadLimits, p: DevicePublish): Promise<PublishVerdict> {
  if (principal.kind !== 'device') return { kind: 'refused', reason: 'only devices publish; tokens may subscribe to alerts' };
  const t = parseDeviceTopic(p.topic);
  if (!t || t.device !== principal.id) return { kind: 'refused', reason: 'a device may publish only under its own parapet/v1/<device>/ topics' };
  if (t.channel === 'errors') return { kind: 'refused', reason: 'the errors topic is written by the hub' };
  // Re-read the registry per publish: a device deleted or moved to another site since it connected.
  const device = deps.registry.get(principal.id);
  if (!device) return { kind: 'refused', reason: 'the device is no longer registered' };

  const base = { channel: t.channel, message_id: p.messageId };
  let inputs: IngestInput[];
  try {
    inputs = t.channel === 'events' ? decodeEvents(p.payload, device.id, limits) : decodeHeartbeat(p.payload, device.id, deps.clock.now(), limits);
  } catch (err) {
    if (!(err instanceof ParapetError)) throw err;
    return { kind: 'processed', device: device.id, report: { ...base, accepted: 0, duplicates: 0, rejected: [], error: err.code, detail: err.detail } };
  }
  if (inputs.length === 0) return { kind: 'processed', device: device.id, report: null };
  const out = await deps.pipeline.ingest(inputs, { principal: devicePrincipal(device) });
  const report = out.rejected.length > 0 ? { ...base, accepted: out.accepted, duplicates: out.duplicates, rejected: out.rejected } : null;
  return { kind: 'processed', device: device.id, report };
}

/** The log line for a report: counts and error codes only (details may echo payload text). */
export function redactedSummary(report: PublishReport): Record<string, unknown> {
  const codes: Record<string, number> = {};
  for (const r of report.rejected) codes[r.error] = (codes[r.error] ?? 0) + 1;
  if (report.error) codes[report.error] = (codes[report.error] ?? 0) + 1;
  return { channel: report.channel, accepted: report.accepted, duplicates: report.duplicates, rejected: report.rejected.length, codes };
}
