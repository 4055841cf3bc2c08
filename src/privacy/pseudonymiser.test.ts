import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HmacSha256Key } from './hmac-sha256.js';
import { canonicalInput, createPseudonymiser, formatPseudonym, pseudonymOf, type KeySource } from './pseudonymiser.js';

const fixedKeys: KeySource = {
  keyFor: (idClass, ctx) => ({ epoch: `e${Math.floor(ctx.ts / 1000)}`, key: Buffer.alloc(32, idClass === 'mac' ? 7 : 1) }),
};

describe('pseudonymiser', () => {
  const p = createPseudonymiser(fixedKeys);

  it('tags the pseudonym with class and epoch and keeps 128 bits', () => {
    const out = p.pseudonymise('plate', 'AB-123', { ts: 5000, site: 's' });
    expect(out).toMatch(/^plate:e5:[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(out.split(':')[2] ?? '', 'base64url')).toHaveLength(16);
  });

  it('gives the same pseudonym for every spelling of one identifier', () => {
    const ctx = { ts: 0, site: 's' };
    expect(p.pseudonymise('plate', 'ab 123', ctx)).toBe(p.pseudonymise('plate', 'АВ-123', ctx));
    expect(p.pseudonymise('mac', 'AA:BB:CC:DD:EE:FF', ctx)).toBe(p.pseudonymise('mac', 'aabb.ccdd.eeff', ctx));
  });

  it('gives different pseudonyms for different values, classes and epochs', () => {
    const ctx = { ts: 0, site: 's' };
    const a = p.pseudonymise('plate', 'AB123', ctx);
    expect(p.pseudonymise('plate', 'AB124', ctx)).not.toBe(a);
    expect(p.pseudonymise('credential', 'AB123', ctx).split(':')[2]).not.toBe(a.split(':')[2]);
    expect(p.pseudonymise('plate', 'AB123', { ts: 2000, site: 's' })).not.toBe(a);
  });

  it('refuses a value that normalises to nothing', () => {
    expect(() => p.pseudonymise('plate', ' -.', { ts: 0, site: 's' })).toThrow(/empty after normalisation/);
  });

  it('length-prefixes class and value so no two pairs share an input', () => {
    expect(canonicalInput('plate', 'AB').equals(canonicalInput('plate', 'AB'))).toBe(true);
    expect(canonicalInput('plate', 'AB')).toEqual(Buffer.from([0, 0, 0, 5, ...Buffer.from('plate'), 0, 0, 0, 2, 65, 66]));
    // Lengths are in UTF-8 bytes: a 'Д' is two.
    expect(canonicalInput('plate', 'Д1')).toEqual(Buffer.from([0, 0, 0, 5, ...Buffer.from('plate'), 0, 0, 0, 3, 0xd0, 0x94, 0x31]));
  });

  it('matches pseudonymOf for the same key and epoch', () => {
    const { epoch, key } = fixedKeys.keyFor('plate', { ts: 0, site: 's' });
    expect(pseudonymOf('plate', 'AB123', epoch, key)).toBe(p.pseudonymise('plate', 'ab-123', { ts: 0, site: 's' }));
    expect(formatPseudonym('mac', 'x', Buffer.alloc(32, 255))).toBe(`mac:x:${Buffer.alloc(16, 255).toString('base64url')}`);
  });

  it('gives the same pseudonym with the key midstates as with node:crypto (long and non-ASCII values too)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.constantFrom('plate', 'credential', 'mac'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 400 }), (raw, idClass, value) => {
        const key = Buffer.from(raw);
        expect(pseudonymOf(idClass, value, 'e1', new HmacSha256Key(key))).toBe(pseudonymOf(idClass, value, 'e1', key));
      }),
      { numRuns: 300 },
    );
  });

  it('uses the midstates a key source provides', () => {
    const key = Buffer.alloc(32, 1);
    const withMidstate = createPseudonymiser({ keyFor: () => ({ epoch: 'e', key: Buffer.alloc(32), hmac: new HmacSha256Key(key) }) });
    const plain = createPseudonymiser({ keyFor: () => ({ epoch: 'e', key }) });
    expect(withMidstate.pseudonymise('plate', 'AB123', { ts: 0, site: 's' })).toBe(plain.pseudonymise('plate', 'AB123', { ts: 0, site: 's' }));
  });
});
