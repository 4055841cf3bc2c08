/** Retention per kind (SPEC §4.7), from config, in ms. */
import type { Config } from '../config/schema.js';
import { CATALOGUE, identifierFields, type IdentifierClass, type RetentionCategory } from '../core/kinds.js';
import { DAY, MINUTE } from '../core/clock.js';

/** Wi-Fi raw sightings: counts-only keeps pseudonyms ≤ 5 min, dwell mode ≤ 24 h (SPEC §4.4). */
export const WIFI_COUNTS_MS = 5 * MINUTE;
export const WIFI_DWELL_MS = DAY;

export function retentionMsFor(category: RetentionCategory, cfg: Readonly<Config>): number {
  const r = cfg.privacy.retention;
  switch (category) {
    case 'lpr':
      return r.lpr_minutes * MINUTE;
    case 'lpr_hit':
      return r.lpr_hit_days * DAY;
    case 'access':
      return r.access_days * DAY;
    case 'camera':
      return r.camera_days * DAY;
    case 'wifi':
      return cfg.privacy.wifi_mode === 'dwell' ? WIFI_DWELL_MS : WIFI_COUNTS_MS;
    case 'fire':
      return r.fire_days * DAY;
    case 'env':
      return r.env_days * DAY;
    case 'health':
      return r.health_days * DAY;
    case 'telemetry':
    case 'aggregate':
      return r.telemetry_days * DAY;
    case 'system':
      return r.system_days * DAY;
  }
}

/** kind → retention ms, computed once per config. */
export function retentionByKind(cfg: Readonly<Config>): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  for (const spec of CATALOGUE.values()) out.set(spec.kind, retentionMsFor(spec.retention, cfg));
  return out;
}

/** Keys of these classes also protect records that outlive the raw events (SPEC §4.7: watchlist hits 30 days). */
function extraHoldMs(idClass: IdentifierClass, cfg: Readonly<Config>): number {
  return idClass === 'plate' ? cfg.privacy.retention.lpr_hit_days * DAY : 0;
}

/**
 * How long an epoch key of a class must outlive its epoch (SPEC §4.2): the longest retention of any
 * kind carrying an identifier of that class, or of a record derived from it (watchlist hits).
 * After epoch end + this, the key is destroyed and its pseudonyms can never be linked again.
 */
export function keyRetentionMs(idClass: IdentifierClass, cfg: Readonly<Config>): number {
  return Math.max(extraHoldMs(idClass, cfg), identifierDataRetentionMs(idClass, cfg));
}

/** Kinds carrying an identifier of a class, with the field that holds it. */
export function kindsWithIdentifier(idClass: IdentifierClass): Array<{ kind: string; field: string; category: RetentionCategory }> {
  const out: Array<{ kind: string; field: string; category: RetentionCategory }> = [];
  for (const spec of CATALOGUE.values()) {
    for (const [field, c] of identifierFields(spec)) if (c === idClass) out.push({ kind: spec.kind, field, category: spec.retention });
  }
  return out;
}

/** How far back stored events holding an identifier of this class can reach (investigations, SPEC §4.5). */
export function identifierDataRetentionMs(idClass: IdentifierClass, cfg: Readonly<Config>): number {
  return Math.max(0, ...kindsWithIdentifier(idClass).map((k) => retentionMsFor(k.category, cfg)));
}
