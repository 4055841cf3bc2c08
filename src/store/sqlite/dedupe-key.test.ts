import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { idOfNumericKey, numericDedupeKey } from './dedupe-key.js';

describe('numeric dedupe keys', () => {
  it('packs device-numbered ids, keeping leading zeros and the separator apart', () => {
    const keys = ['cam-017-000123', 'cam-017-123', 'cam-017123', 'cam-017_000123', 'cam-017.000123', 'cam-017:9', 'cam-017/0', 'cam-017#0000000000000'].map((id) =>
      numericDedupeKey('cam-017', id),
    );
    expect(keys.every((k) => k !== null && Number.isSafeInteger(k))).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('leaves every other id to the text table', () => {
    for (const id of ['cam-018-1', 'cam-017', 'cam-017-', 'cam-017-12a', 'cam-017-00000000000000', 'x-cam-017-1', 'cam-017--1', 'cam-017-１']) {
      expect(numericDedupeKey('cam-017', id)).toBeNull();
    }
  });

  it('is reversible, so two distinct ids never share a key', () => {
    const device = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/);
    const suffix = fc.tuple(fc.constantFrom('', '-', '_', '.', ':', '/', '#', 'x', '--'), fc.stringMatching(/^[0-9]{0,15}$/));
    fc.assert(
      fc.property(device, suffix, (d, [sep, digits]) => {
        const id = `${d}${sep}${digits}`;
        const key = numericDedupeKey(d, id);
        if (key !== null) expect(idOfNumericKey(d, key)).toBe(id);
      }),
      { numRuns: 2000 },
    );
  });
});
