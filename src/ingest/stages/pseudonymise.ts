/**
 * Stages `pseudonymise` + `enrich`: every identifier field (SPEC §2 ⓘ) is replaced by its keyed
 * pseudonym, and the server fields (received_at, site, zone) are added. This is the only place a
 * SafeEvent is minted from ingest input; the raw data object is not reused.
 */
import { sealSafeEvent, type RawEvent, type SafeEvent } from '../../core/event.js';
import { CATALOGUE, identifierFields } from '../../core/kinds.js';
import type { Device } from '../../core/device.js';
import type { Pseudonymiser } from '../../privacy/pseudonymiser.js';

const ID_FIELDS = new Map([...CATALOGUE.values()].map((spec) => [spec.kind, identifierFields(spec)]));

export function pseudonymiseEvent(raw: RawEvent, device: Device, receivedAt: number, p: Pseudonymiser): SafeEvent {
  const fields = ID_FIELDS.get(raw.kind) ?? [];
  let data = raw.data;
  if (fields.length > 0) {
    const copy: Record<string, unknown> = { ...raw.data };
    for (const [name, idClass] of fields) {
      const v = copy[name];
      if (typeof v === 'string') copy[name] = p.pseudonymise(idClass, v, { ts: raw.ts, site: device.site });
    }
    data = copy;
  }
  const zone = typeof data.zone === 'string' ? data.zone : device.zone;
  return sealSafeEvent({ id: raw.id, ts: raw.ts, received_at: receivedAt, device: device.id, site: device.site, zone, kind: raw.kind, data });
}

/**
 * The keys `pseudonymiseEvent` will need for this event that are not live yet, as promises to await
 * first (rare: keys are made a day ahead); pushed onto `out`.
 */
export function keysPending(raw: RawEvent, device: Device, p: Pseudonymiser, out: Promise<void>[]): void {
  const fields = ID_FIELDS.get(raw.kind);
  if (!fields) return;
  for (const [name, idClass] of fields) {
    if (typeof raw.data[name] !== 'string') continue;
    const wait = p.ready(idClass, { ts: raw.ts, site: device.site });
    if (wait) out.push(wait);
  }
}
