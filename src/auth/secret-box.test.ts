import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox } from './secret-box.js';

describe('secret box', () => {
  const box = createSecretBox(randomBytes(32));

  it('seals and opens within the same context, with a fresh nonce each time', () => {
    const a = box.seal('JBSWY3DPEHPK3PXP', 'usr_1');
    expect(a).toMatch(/^v1\./);
    expect(a).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.seal('JBSWY3DPEHPK3PXP', 'usr_1')).not.toBe(a);
    expect(box.open(a, 'usr_1')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('refuses another context, another master key, tampering and junk', () => {
    const a = box.seal('x', 'usr_1');
    expect(box.open(a, 'usr_2')).toBeNull();
    expect(createSecretBox(randomBytes(32)).open(a, 'usr_1')).toBeNull();
    const parts = a.split('.');
    parts[2] = Buffer.from('y').toString('base64url');
    expect(box.open(parts.join('.'), 'usr_1')).toBeNull();
    expect(box.open('v2.a.b.c', 'usr_1')).toBeNull();
    expect(box.open('nonsense', 'usr_1')).toBeNull();
  });

  it('hashes codes with a key, so equal codes match only under the same master key', () => {
    expect(box.mac('abc')).toBe(box.mac('abc'));
    expect(box.mac('abc')).toMatch(/^[0-9a-f]{64}$/);
    expect(createSecretBox(randomBytes(32)).mac('abc')).not.toBe(box.mac('abc'));
  });
});
