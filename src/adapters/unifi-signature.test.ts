import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_SIGNATURE_HEADER, MAX_V1, SIGNATURE_TOLERANCE_S, UnifiSignatureVerifier, checkUnifiSignature, parseSignatureHeader, unifiSignatureMac } from './unifi-signature.js';

/** Shaped like the secrets UniFi Access returns at endpoint creation (API docs: "1a7c9c6a69bb5a1e"). */
const SECRET = '1a7c9c6a69bb5a1e';
const OTHER = '6601f1243d2ff70f';
const NOW = Date.UTC(2026, 10, 26, 10, 0, 0);
const T = String(NOW / 1000);
const BODY = Buffer.from('{"event":"access.door.unlock","data":{"location":{"name":"Porta Nº 3 — átrio"}}}', 'utf8');

/** Independent of the module: HMAC-SHA-256 over `<t>.<body>` keyed with the secret's UTF-8 bytes, hex. */
const sign = (t: string, body: Uint8Array = BODY, secret = SECRET) => createHmac('sha256', secret).update(Buffer.concat([Buffer.from(`${t}.`), body])).digest('hex');
const header = (t = T, mac = sign(t)) => `t=${t},v1=${mac}`;
const check = (h: string | string[] | undefined, body: Uint8Array = BODY, now = NOW, secrets = [SECRET]) => checkUnifiSignature(h, body, secrets, now);

describe('UniFi Access Signature header', () => {
  it('accepts a good signature over the exact body bytes, multi-byte characters included', () => {
    expect(unifiSignatureMac(SECRET, T, BODY)).toBe(sign(T));
    expect(check(header())).toMatchObject({ ok: true, t: NOW / 1000, mac: sign(T) });
  });

  it('refuses a wrong MAC, a changed body and a wrong secret', () => {
    const flipped = sign(T).replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(check(header(T, flipped))).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(check(header(), Buffer.from(BODY.toString().replace('unlock', 'Unlock')))).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(check(header(T, sign(T, BODY, OTHER)))).toMatchObject({ ok: false, reason: 'mismatch' });
    // The MAC binds t: the same MAC under another t does not verify.
    expect(check(header(String(NOW / 1000 - 1), sign(T)))).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('uses the secret as text, not as hex-decoded bytes', () => {
    const hexKeyed = createHmac('sha256', Buffer.from(SECRET, 'hex')).update(`${T}.`).update(BODY).digest('hex');
    expect(check(header(T, hexKeyed))).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('refuses a stale or future t beyond the 5 min window, and accepts one just inside it', () => {
    const at = (offsetS: number) => String(NOW / 1000 + offsetS);
    const past = check(header(at(-SIGNATURE_TOLERANCE_S - 1)));
    const future = check(header(at(SIGNATURE_TOLERANCE_S + 1)));
    expect([past.ok, future.ok]).toEqual([false, false]);
    if (past.ok || future.ok) return;
    expect([past.reason, future.reason]).toEqual(['stale', 'stale']);
    expect(past.detail).toMatch(/301 s ago/);
    expect(future.detail).toMatch(/301 s ahead/);
    expect(check(header(at(-SIGNATURE_TOLERANCE_S)))).toMatchObject({ ok: true });
    expect(check(header(at(SIGNATURE_TOLERANCE_S)))).toMatchObject({ ok: true });
  });

  it('refuses a missing, repeated or malformed header', () => {
    expect(check(undefined)).toMatchObject({ ok: false, reason: 'missing' });
    expect(check('')).toMatchObject({ ok: false, reason: 'missing' });
    expect(check([header(), header()])).toMatchObject({ ok: false, reason: 'malformed' });
    for (const bad of [
      'garbage',
      `v1=${sign(T)}`,
      `t=${T}`,
      `t=${T},v1=${sign(T)},`,
      `t=${T},t=${T},v1=${sign(T)}`,
      `t=-${T},v1=${sign(T)}`,
      `t=${T}.5,v1=${sign(T)}`,
      `t=${T},v1=${sign(T).slice(0, 63)}`,
      `t=${T},v1=${sign(T)}00`,
      `t=${T},v1=${Buffer.from(sign(T), 'hex').toString('base64')}`,
      `t=${T};v1=${sign(T)}`,
      `${header()},${'x'.repeat(MAX_SIGNATURE_HEADER)}`,
    ]) {
      expect(check(bad), bad).toMatchObject({ ok: false, reason: 'malformed' });
    }
  });

  it('tolerates spaces around items, upper-case hex and keys it does not know', () => {
    expect(check(`t=${T}, v1=${sign(T).toUpperCase()}`)).toMatchObject({ ok: true });
    expect(check(`t=${T},v0=abc,v1=${sign(T)}`)).toMatchObject({ ok: true });
  });

  it('accepts when any one of several v1 values matches, and bounds how many are read', () => {
    const wrong = sign(T, BODY, OTHER);
    expect(check(`t=${T},v1=${wrong},v1=${sign(T)}`)).toMatchObject({ ok: true, mac: sign(T) });
    expect(check(`t=${T},v1=${wrong},v1=${wrong}`)).toMatchObject({ ok: false, reason: 'mismatch' });
    const many = Array.from({ length: MAX_V1 + 1 }, () => `v1=${wrong}`).join(',');
    expect(parseSignatureHeader(`t=${T},${many}`)).toMatch(/more than 8 v1/);
  });

  it('accepts a signature under any of several configured secrets (several consoles, rotation)', () => {
    expect(check(header(T, sign(T, BODY, OTHER)), BODY, NOW, [SECRET, OTHER])).toMatchObject({ ok: true });
  });
});

describe('UnifiSignatureVerifier', () => {
  it('refuses a replay of an accepted signature within the window, with 401 bad_signature', () => {
    const v = new UnifiSignatureVerifier(SECRET);
    expect(v.verify(header(), BODY, NOW)).toBe(sign(T));
    expect(v.check(header(), BODY, NOW + 1000)).toMatchObject({ ok: false, reason: 'replayed' });
    expect(() => v.verify(header(), BODY, NOW + 1000)).toThrow(expect.objectContaining({ code: 'bad_signature', status: 401 }));
    // A fresh signature of the same body is a new delivery.
    const t2 = String(NOW / 1000 + 1);
    expect(v.check(header(t2), BODY, NOW + 1000)).toMatchObject({ ok: true });
  });

  it('lets a forgotten signature through again (the request failed, the vendor retries)', () => {
    const v = new UnifiSignatureVerifier([SECRET]);
    const mac = v.verify(header(), BODY, NOW);
    v.forget(mac);
    expect(v.check(header(), BODY, NOW)).toMatchObject({ ok: true });
  });

  it('throws bad_signature naming the reason, never the secret or the MAC', () => {
    const v = new UnifiSignatureVerifier(SECRET);
    let detail = '';
    try {
      v.verify(header(T, sign(T, BODY, OTHER)), BODY, NOW);
    } catch (err) {
      detail = (err as { detail: string }).detail;
    }
    expect(detail).toMatch(/does not match/);
    expect(detail).not.toContain(SECRET);
    expect(detail).not.toContain(sign(T));
  });

  it('forgets signatures once their window has passed, and stays bounded', () => {
    const v = new UnifiSignatureVerifier(SECRET, SIGNATURE_TOLERANCE_S, 3);
    for (let i = 0; i < 5; i++) v.verify(header(String(NOW / 1000 + i)), BODY, NOW);
    expect(v.remembered).toBe(3);
    const later = NOW + (SIGNATURE_TOLERANCE_S + 10) * 1000;
    v.verify(header(String(later / 1000)), BODY, later);
    expect(v.remembered).toBe(1);
  });

  it('refuses to be built without a secret', () => {
    expect(() => new UnifiSignatureVerifier([])).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(() => new UnifiSignatureVerifier('')).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});
