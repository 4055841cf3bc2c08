/**
 * Transport edge for MQTT (STYLE §4): a publish payload becomes `IngestInput`s for the pipeline,
 * with the device fixed by the topic (SPEC §3). Decoding is bounded exactly like HTTP ingest
 * (SPEC §5.6: size, batch, depth and string length), checked before any object is built.
 */
import { ParapetError } from '../../core/errors.js';
import type { IngestInput } from '../../core/event.js';
import { parseBoundedJson, type JsonLimits } from '../../ingest/json-guard.js';

export interface PayloadLimits extends JsonLimits {
  /** Largest payload accepted, bytes. */
  readonly maxBytes: number;
  /** Most events in one publish. */
  readonly maxBatch: number;
}

/** 256 KiB: far above one event or a device's buffered batch, far below a memory risk. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function payloadText(payload: Buffer, limits: PayloadLimits): string {
  if (payload.length > limits.maxBytes) {
    throw new ParapetError('payload_too_large', `a payload of ${payload.length} bytes exceeds the limit of ${limits.maxBytes}`);
  }
  try {
    return utf8.decode(payload);
  } catch {
    throw new ParapetError('invalid_json', 'the payload is not UTF-8 text');
  }
}

/** `parapet/v1/<device>/events`: one event object or a JSON array of them. */
export function decodeEvents(payload: Buffer, device: string, limits: PayloadLimits): IngestInput[] {
  const text = payloadText(payload, limits);
  if (text.trim().length === 0) throw new ParapetError('invalid_json', 'the payload is empty');
  const parsed = parseBoundedJson(text, limits);
  if (Array.isArray(parsed)) {
    if (parsed.length > limits.maxBatch) {
      throw new ParapetError('batch_too_large', `${parsed.length} events in one publish; the limit is ${limits.maxBatch}`);
    }
    return parsed.map((item: unknown) => ({ item, device }));
  }
  return [{ item: parsed, device }];
}

/**
 * `parapet/v1/<device>/heartbeat`: an empty payload or `{uptime_s?, firmware?}` becomes one
 * `device.heartbeat` event stamped with the hub's time (a heartbeat says "alive now").
 */
export function decodeHeartbeat(payload: Buffer, device: string, now: number, limits: PayloadLimits): IngestInput[] {
  const text = payloadText(payload, limits);
  let data: unknown = {};
  if (text.trim().length > 0) {
    data = parseBoundedJson(text, limits);
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new ParapetError('invalid_event', 'a heartbeat payload must be empty or a JSON object {uptime_s?, firmware?}');
    }
  }
  return [{ item: { kind: 'device.heartbeat', ts: now, data }, device }];
}
