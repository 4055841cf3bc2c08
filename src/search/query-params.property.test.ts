/**
 * Property-based tests of the query-parameter parsers of GET /events and /events/histogram
 * (SPEC §3): any query string either becomes a well-formed store query or is refused with
 * invalid_query / invalid_cursor (400) — never another exception, never a scope escape.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParapetError } from '../core/errors.js';
import type { Principal } from '../auth/principal.js';
import { MAX_BUCKETS, decodeCursor, encodeCursor, parseInterval, toEventQuery, toHistogramQuery } from './query-params.js';

const QUERY_CODES = new Set(['invalid_query', 'invalid_cursor']);
const NOW = Date.parse('2026-11-26T10:00:00Z');

const principal = (sites: string[]): Principal => ({ kind: 'token', id: 't', name: 't', role: 'operator', sites });

function refusedWith(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof ParapetError ? e.code : `unexpected:${String(e)}`;
  }
}

const timeish = fc.oneof(
  fc.string(),
  fc.integer({ min: 0, max: 2 ** 53 }).map(String),
  fc.date({ min: new Date('1970-01-02'), max: new Date('9999-12-31'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('NaN', 'Infinity', '-1', '1e12', '2026-02-30T00:00:00Z', '2026-11-26T10:00:00+14:00'),
);
const queryArb = fc.record(
  {
    from: timeish,
    to: timeish,
    site: fc.string({ maxLength: 8 }),
    zone: fc.string({ maxLength: 8 }),
    device: fc.string({ maxLength: 8 }),
    kind: fc.oneof(fc.string(), fc.constantFrom('camera.*', 'lpr.read', 'camera.motion', 'nope.*', '*', '.*')),
    limit: fc.integer({ min: 1, max: 1000 }),
    cursor: fc.oneof(fc.string(), fc.record({ ts: fc.nat(), seq: fc.nat() }).map(encodeCursor)),
    order: fc.constantFrom('asc', 'desc'),
    interval: fc.oneof(fc.string(), fc.constantFrom('1s', '5m', '1h', '1d', '999', '0m', '1000')),
  },
  { requiredKeys: [] },
);

describe('query parameters (properties)', () => {
  it('turns any query into a store query or refuses it with a query error', () => {
    fc.assert(
      fc.property(queryArb, fc.constantFrom<string[]>([], ['harbour'], ['harbour', 'campus']), (q, sites) => {
        const p = principal(sites);
        const code = refusedWith(() => {
          const eq = toEventQuery(q, p);
          if (eq === null) return;
          if (eq.from !== undefined && eq.to !== undefined) expect(eq.from).toBeLessThan(eq.to);
          expect(eq.limit).toBeGreaterThanOrEqual(1);
          expect(['asc', 'desc']).toContain(eq.order);
        });
        if (code !== null) expect(QUERY_CODES).toContain(code);
      }),
      { numRuns: 1000 },
    );
  });

  it('never lets a site-scoped principal query outside its sites', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }), fc.array(fc.constantFrom<string>('harbour', 'campus', 'depot'), { minLength: 1, maxLength: 3 }), (site, sites) => {
        const q = toEventQuery({ site }, principal(sites));
        if (site !== '' && !sites.includes(site)) expect(q).toBeNull();
        else expect(q?.sites).toEqual(sites);
      }),
    );
  });

  it('round-trips every cursor it issues and refuses anything else with invalid_cursor', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (ts, seq) => {
        expect(decodeCursor(encodeCursor({ ts, seq }))).toEqual({ ts, seq });
      }),
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        const code = refusedWith(() => decodeCursor(s));
        if (code !== null) expect(code).toBe('invalid_cursor');
      }),
      { numRuns: 1000 },
    );
  });

  it('parses intervals as count × unit, refusing anything under one second', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999 }), fc.constantFrom(['', 1], ['s', 1000], ['m', 60_000], ['h', 3_600_000], ['d', 86_400_000]), (n, [unit, ms]) => {
        const expected = n * (ms as number);
        const code = refusedWith(() => expect(parseInterval(`${n}${unit as string}`, 0)).toBe(expected));
        if (expected < 1000) expect(code).toBe('invalid_query');
        else expect(code).toBeNull();
      }),
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        const code = refusedWith(() => expect(parseInterval(s, 3_600_000)).toBeGreaterThanOrEqual(1000));
        if (code !== null) expect(code).toBe('invalid_query');
      }),
      { numRuns: 1000 },
    );
  });

  it('bounds every histogram to at most MAX_BUCKETS buckets over a forward span', () => {
    fc.assert(
      fc.property(queryArb, (q) => {
        const code = refusedWith(() => {
          const { query } = toHistogramQuery(q, principal([]), NOW);
          expect(query.intervalMs).toBeGreaterThanOrEqual(1000);
          expect((query.to - query.from) / query.intervalMs).toBeLessThanOrEqual(MAX_BUCKETS);
        });
        if (code !== null) expect(QUERY_CODES).toContain(code);
      }),
      { numRuns: 1000 },
    );
  });
});
