import { describe, expect, it } from 'vitest';
import { checkTimeWindow, parseTimestamp } from './timestamp.js';
import { ParapetError } from '../core/errors.js';
import { HOUR, MINUTE } from '../core/clock.js';

function reason(fn: () => unknown): string {
  try {
    fn();
    return 'accepted';
  } catch (e) {
    return e instanceof ParapetError ? `${e.code}: ${e.detail}` : 'other';
  }
}

describe('event timestamps (SPEC §2)', () => {
  it('reads RFC 3339 with Z or an offset, and epoch milliseconds', () => {
    expect(parseTimestamp('2026-11-26T10:00:00.000Z')).toBe(Date.UTC(2026, 10, 26, 10));
    expect(parseTimestamp('2026-11-26T11:00:00+01:00')).toBe(Date.UTC(2026, 10, 26, 10));
    expect(parseTimestamp(1_795_000_000_000)).toBe(1_795_000_000_000);
  });

  it('refuses a time without offset, impossible dates and non-strings', () => {
    expect(reason(() => parseTimestamp('2026-11-26T10:00:00'))).toMatch(/^invalid_timestamp: .*offset/);
    expect(reason(() => parseTimestamp('2026-02-30T10:00:00Z'))).toMatch(/not a real date/);
    expect(reason(() => parseTimestamp('2026-13-01T10:00:00Z'))).toMatch(/not a real date/);
    expect(reason(() => parseTimestamp(true))).toMatch(/^invalid_timestamp/);
    expect(reason(() => parseTimestamp('NaN'))).toMatch(/^invalid_timestamp/);
    expect(reason(() => parseTimestamp('Infinity'))).toMatch(/^invalid_timestamp/);
  });

  it('refuses non-finite, fractional and seconds-instead-of-milliseconds numbers with a reason', () => {
    expect(reason(() => parseTimestamp(Number.POSITIVE_INFINITY))).toMatch(/finite/);
    expect(reason(() => parseTimestamp(Number.NaN))).toMatch(/finite/);
    expect(reason(() => parseTimestamp(1_795_000_000_000.5))).toMatch(/integer/);
    expect(reason(() => parseTimestamp(1_795_000_000))).toMatch(/seconds/);
  });

  it('refuses the far future (year 9999) and respects the skew exactly', () => {
    const now = Date.UTC(2026, 10, 26, 10);
    const w = { now, maxFutureMs: 5 * MINUTE, retentionMs: 72 * HOUR };
    expect(reason(() => checkTimeWindow(parseTimestamp('9999-12-31T23:59:59Z'), w))).toMatch(/future/);
    expect(reason(() => checkTimeWindow(now + 5 * MINUTE, w))).toBe('accepted');
    expect(reason(() => checkTimeWindow(now + 5 * MINUTE + 1, w))).toMatch(/future/);
  });

  it('refuses events older than the kind retention', () => {
    const now = Date.UTC(2026, 10, 26, 10);
    const w = { now, maxFutureMs: 5 * MINUTE, retentionMs: 72 * HOUR };
    expect(reason(() => checkTimeWindow(now - 72 * HOUR, w))).toBe('accepted');
    expect(reason(() => checkTimeWindow(now - 72 * HOUR - 1, w))).toMatch(/retention/);
  });
});
