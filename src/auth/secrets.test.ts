import { describe, expect, it } from 'vitest';
import { hashPassword, randomId, randomPassword, randomSecret, safeEqualHex, sha256Hex, verifyPassword } from './secrets.js';

describe('secrets', () => {
  it('hashes passwords with argon2id at the OWASP minimum and verifies them', async () => {
    const h = await hashPassword('correct horse battery staple');
    expect(h).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(h, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(h, 'wrong')).toBe(false);
    expect(await verifyPassword('not-a-hash', 'x')).toBe(false);
  });

  it('makes random secrets of at least 128 bits with recognisable prefixes', () => {
    expect(randomPassword()).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(randomSecret('ppt')).toMatch(/^ppt_[A-Za-z0-9_-]{43}$/);
    expect(randomSecret('ppt')).not.toBe(randomSecret('ppt'));
    expect(randomId('usr')).toMatch(/^usr_[A-Za-z0-9_-]{16}$/);
  });

  it('compares hex digests in constant time, refusing different lengths', () => {
    const a = sha256Hex('a');
    expect(safeEqualHex(a, sha256Hex('a'))).toBe(true);
    expect(safeEqualHex(a, sha256Hex('b'))).toBe(false);
    expect(safeEqualHex(a, a.slice(0, 10))).toBe(false);
  });
});
