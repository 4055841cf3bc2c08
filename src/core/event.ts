/**
 * Event shapes along the pipeline (STYLE §5). A `RawEvent` may hold identifiers in clear and exists
 * only in the memory of one request. Pseudonymisation turns it into a `SafeEvent`, a branded type:
 * store, bus, rules, logger and outbound APIs accept only `SafeEvent`, so the compiler refuses a
 * raw identifier anywhere it could be kept.
 */
import type { EventKind } from './kinds.js';
import type { ParapetError } from './errors.js';

export type EventData = Record<string, unknown>;

/** What a transport hands to the pipeline: one envelope per item, not yet trusted. */
export interface IngestInput {
  /** The decoded item as the client sent it (object expected, anything possible). */
  readonly item: unknown;
  /** Device fixed by the transport (MQTT topic, authenticated device); overrides `item.device`. */
  readonly device?: string;
  /** Set when the transport could not decode this item (e.g. one bad NDJSON line). */
  readonly decodeError?: ParapetError;
}

/** An envelope that passed validation; identifiers still in clear. */
export interface RawEvent {
  readonly id: string | null;
  /** Event time, epoch ms. */
  readonly ts: number;
  readonly device: string;
  readonly kind: EventKind;
  readonly data: EventData;
}

declare const safeBrand: unique symbol;

/** An event whose identifier fields hold pseudonyms; the only event shape that may be kept. */
export interface SafeEvent {
  readonly [safeBrand]: true;
  readonly id: string | null;
  readonly ts: number;
  readonly received_at: number;
  readonly device: string;
  readonly site: string;
  readonly zone: string | null;
  readonly kind: EventKind;
  readonly data: EventData;
}

/** A stored event as read back (SPEC §2). */
export interface StoredEvent {
  readonly seq: number;
  readonly id: string | null;
  readonly ts: string;
  readonly received_at: string;
  readonly device: string;
  readonly site: string;
  readonly zone: string | null;
  readonly kind: EventKind;
  readonly data: EventData;
}

/**
 * The one place that mints a SafeEvent. Only the pseudonymise stage (and tests building fixtures
 * through it) may call this; lint forbids importing it elsewhere.
 */
export function sealSafeEvent(fields: Omit<SafeEvent, typeof safeBrand>): SafeEvent {
  return fields as SafeEvent;
}

export function toStoredEvent(seq: number, e: SafeEvent): StoredEvent {
  return {
    seq,
    id: e.id,
    ts: new Date(e.ts).toISOString(),
    received_at: new Date(e.received_at).toISOString(),
    device: e.device,
    site: e.site,
    zone: e.zone,
    kind: e.kind,
    data: e.data,
  };
}
