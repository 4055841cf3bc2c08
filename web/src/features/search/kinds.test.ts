import { describe, expect, it } from 'vitest';
import { KINDS } from '../../../../src/core/kinds.js';
import { SEARCH_KINDS, FAMILIES } from './kinds.js';

describe('search kinds', () => {
  it('offers exactly the kinds of the catalogue', () => {
    expect([...SEARCH_KINDS].sort()).toEqual([...KINDS].sort());
  });
  it('derives one family per prefix', () => {
    expect(FAMILIES).toContain('camera');
    expect(new Set(FAMILIES).size).toBe(FAMILIES.length);
  });
});
