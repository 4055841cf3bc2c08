/**
 * What rules evaluate: a committed SafeEvent (structurally a Subject, so no copy per event on the
 * hot path), or a registry status change dressed as one (kind `device.status`). Only SafeEvent
 * fields reach rules, so identifier fields hold pseudonyms (SPEC §4.1).
 */
import type { DeviceType } from '../core/device.js';

export interface Subject {
  readonly id: string | null;
  /** Event time, epoch ms. */
  readonly ts: number;
  readonly device: string;
  readonly site: string;
  readonly zone: string | null;
  readonly kind: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** The registry's view of a device that rules may use (`device_type`, `device_name`). */
export interface DeviceInfo {
  readonly type: DeviceType;
  readonly name: string;
  readonly zone?: string | null;
}

export type DeviceLookup = (id: string) => DeviceInfo | undefined;

/** Extra values a rule kind adds to its templates (threshold count, watchlist label …). */
export type Extras = Readonly<Record<string, string | number>>;
