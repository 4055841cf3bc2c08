/**
 * What the engine tells the alert service: a condition was seen (raise) or went away (clear). The
 * service owns dedup and lifecycle (SPEC §2.1); the engine owns detection. Signals carry rendered
 * titles and keys only — never a template context, so no identifier travels further than a
 * pseudonym in a dedup key.
 */
import type { EvidenceRef } from '../store/alerts.js';

export interface RaiseSignal {
  readonly type: 'raise';
  readonly rule: string;
  /** Rendered dedup key. */
  readonly key: string;
  /** Event time of the triggering event (or the clock time for absence timers), epoch ms. */
  readonly at: number;
  readonly title: string;
  readonly site: string;
  readonly zone: string | null;
  readonly device: string | null;
  readonly evidence: EvidenceRef | null;
}

export interface ClearSignal {
  readonly type: 'clear';
  readonly rule: string;
  readonly key: string;
  readonly at: number;
  readonly reason: string;
  readonly evidence: EvidenceRef | null;
}

/** Clears every alert of the rule on the device (registry status back to online). */
export interface ClearDeviceSignal {
  readonly type: 'clear_device';
  readonly rule: string;
  readonly device: string;
  readonly at: number;
  readonly reason: string;
}

export type Signal = RaiseSignal | ClearSignal | ClearDeviceSignal;
