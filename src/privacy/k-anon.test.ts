import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_K, isSuppressed, kAnonymise, publishedTotal, suppressCount } from './k-anon.js';

describe('k-anonymity', () => {
  it('suppresses counts from 1 to k-1 and keeps 0 and k and above', () => {
    expect(DEFAULT_K).toBe(5);
    expect([0, 1, 4, 5, 6].map((c) => suppressCount(c))).toEqual([0, null, null, 5, 6]);
    expect(suppressCount(9, 10)).toBeNull();
    expect(isSuppressed(3)).toBe(true);
    expect(isSuppressed(5)).toBe(false);
  });

  it('never publishes a count between 1 and k-1, for any k', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.integer({ min: 2, max: 50 }), (c, k) => {
        const v = suppressCount(c, k);
        return v === null ? c > 0 && c < k : v === c && (c === 0 || c >= k);
      }),
    );
  });

  it('suppresses rows and flags them, keeping the other fields', () => {
    const rows = kAnonymise([{ zone: 'a', count: 3 }, { zone: 'b', count: 7 }], 'count');
    expect(rows).toEqual([
      { zone: 'a', count: null, suppressed: true },
      { zone: 'b', count: 7, suppressed: false },
    ]);
  });

  it('totals only what was published', () => {
    expect(publishedTotal([7, null, 5])).toBe(12);
  });
});
