/** What the simulator produces: ingest envelopes of SPEC §2, with `ts` as epoch milliseconds. */
import type { EventKind } from '../core/kinds.js';

export interface SimEvent {
  /** `<device>-[<run>-]<counter>`: stable, so a resent event is a duplicate, not a second event. */
  readonly id: string;
  /** Event time, epoch ms. */
  readonly ts: number;
  readonly device: string;
  readonly kind: EventKind;
  readonly data: Record<string, unknown>;
}
