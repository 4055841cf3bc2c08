import { describe, expect, it } from 'vitest';
import { URI } from 'otpauth';
import { acceptTotp, looksLikeRecoveryCode, newRecoveryCodes, newTotpSecret, normaliseRecoveryCode, otpauthUri, roleNeedsTotp, totpCode } from './totp.js';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const step = (t: number) => Math.floor(t / 30_000);

describe('TOTP (RFC 6238)', () => {
  it('makes 160-bit seeds and an otpauth URI an authenticator app can read back', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = otpauthUri(secret, 'alice');
    expect(uri).toMatch(/^otpauth:\/\/totp\/Parapet:alice\?/);
    const parsed = URI.parse(uri);
    expect(parsed.secret.base32).toBe(secret);
  });

  it('accepts the current code and a neighbouring period, then only for a later step', () => {
    const s = newTotpSecret();
    expect(acceptTotp(s, totpCode(s, T0), T0, 0)).toBe(step(T0));
    expect(acceptTotp(s, totpCode(s, T0 - 30_000), T0, 0)).toBe(step(T0) - 1);
    expect(acceptTotp(s, totpCode(s, T0 - 90_000), T0, 0)).toBeNull();
    // Replay: the step already used is refused, even inside the window.
    expect(acceptTotp(s, totpCode(s, T0), T0, step(T0))).toBeNull();
    expect(acceptTotp(s, totpCode(s, T0 + 30_000), T0 + 30_000, step(T0))).toBe(step(T0) + 1);
  });

  it('refuses malformed codes', () => {
    const s = newTotpSecret();
    for (const bad of ['', '12345', '1234567', 'abcdef', ' 123456']) expect(acceptTotp(s, bad, T0, 0)).toBeNull();
  });

  it('makes ten distinct recovery codes that normalise and are recognised', () => {
    const codes = newRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) {
      expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
      expect(looksLikeRecoveryCode(c.toUpperCase())).toBe(true);
      expect(normaliseRecoveryCode(` ${c.toUpperCase()} `)).toBe(c.replace('-', ''));
    }
    expect(looksLikeRecoveryCode('123456')).toBe(false);
  });

  it('asks a second factor of admins and investigators only', () => {
    expect(['admin', 'investigator', 'operator', 'auditor', 'ingest'].map((r) => roleNeedsTotp(r as never))).toEqual([true, true, false, false, false]);
  });
});
