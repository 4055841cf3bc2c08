/**
 * Event-time rules of SPEC §2: RFC 3339 with an offset, or integer epoch milliseconds; refused when
 * too far in the future or older than the kind's retention, with a reason a sensor integrator can act on.
 */
import { ParapetError } from '../core/errors.js';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch ms below this are almost surely seconds (1e11 ms = 1973-03-03; 1e11 s = year 5138). */
const SECONDS_THRESHOLD = 100_000_000_000;

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function parseTimestamp(value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ParapetError('invalid_timestamp', 'ts is not a finite number');
    if (!Number.isInteger(value)) throw new ParapetError('invalid_timestamp', 'ts must be integer epoch milliseconds');
    if (value < 0) throw new ParapetError('invalid_timestamp', 'ts is before 1970');
    if (value < SECONDS_THRESHOLD) {
      throw new ParapetError('invalid_timestamp', `ts ${value} looks like epoch seconds; send epoch milliseconds`);
    }
    if (!Number.isSafeInteger(value)) throw new ParapetError('invalid_timestamp', 'ts is out of range');
    return value;
  }
  if (typeof value === 'string') {
    const m = RFC3339.exec(value);
    if (!m) throw new ParapetError('invalid_timestamp', 'ts must be RFC 3339 with an offset (e.g. 2026-11-26T10:00:00Z) or epoch milliseconds');
    const [, ys, mos, ds, hs, mis, ss, , off] = m;
    const y = Number(ys), mo = Number(mos), d = Number(ds), h = Number(hs), mi = Number(mis), s = Number(ss);
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 60) {
      throw new ParapetError('invalid_timestamp', `ts ${value} is not a real date and time`);
    }
    if (off && off !== 'Z' && off !== 'z') {
      const oh = Number(off.slice(1, 3));
      const om = Number(off.slice(4, 6));
      if (oh > 23 || om > 59) throw new ParapetError('invalid_timestamp', `ts ${value} has an impossible offset`);
    }
    const ms = Date.parse(value.replace(/:60(\.|[Zz+-])/, ':59$1'));
    if (!Number.isFinite(ms)) throw new ParapetError('invalid_timestamp', `ts ${value} cannot be read`);
    return ms;
  }
  throw new ParapetError('invalid_timestamp', 'ts must be an RFC 3339 string or integer epoch milliseconds');
}

export interface TimeWindow {
  readonly now: number;
  /** Max allowed future skew, ms. */
  readonly maxFutureMs: number;
  /** Retention of the event's kind, ms: older events would be purged at once. */
  readonly retentionMs: number;
}

export function checkTimeWindow(ts: number, w: TimeWindow): void {
  if (ts > w.now + w.maxFutureMs) {
    const ahead = Math.round((ts - w.now) / 1000);
    throw new ParapetError('invalid_timestamp', `ts is ${ahead} s in the future (limit ${Math.round(w.maxFutureMs / 1000)} s); check the device clock`);
  }
  if (ts < w.now - w.retentionMs) {
    throw new ParapetError('invalid_timestamp', `ts is older than this kind's retention (${Math.round(w.retentionMs / 3_600_000)} h)`);
  }
}
