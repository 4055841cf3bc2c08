import { describe, expect, it } from 'vitest';
import { decryptBlocks, encryptBlocks, isCipherHex, openRegion, parseDc09Key, sealRegion } from './sia-crypto.js';
import { decryptHex, encryptHex } from './sia-dc09-test-panel.js';

/** AES-256 key of NIST SP 800-38A F.2.5; the vector below was made with `openssl enc -aes-256-cbc -nopad -iv 0…0`. */
const KEY256 = '603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4';
const OPENSSL_PLAIN = 'QWERTYUIO|#1234|1130 01 015]_10:00:00,11-26-2026';
const OPENSSL_HEX = '5DB7430E47DB42CE0C21CD936266C46E4C012466CE829A8AFBFB51AC16D34C020F96E470EEA13CD3C6ECB5E4F96BBB56';
/**
 * pysiaalarm's captured encrypted NULL (eavanvalkenburg/pysiaalarm, tests/test_sia_package_cases.py
 * `case_null`), whose key is the 16 ASCII characters "AAAAAAAAAAAAAAAA" (tests/test_utils.py KEY),
 * i.e. 41 × 16 in hex.
 */
const PYSIA_KEY = '41'.repeat(16);
const PYSIA_NULL_HEX = 'B4BC8B40D0E6D959D6BEA78E88CC0B2155741A3C44FBB96D476A3E557CAD64D9';
const KEY128 = '00112233445566778899aabbccddeeff';

const key = (hex: string) => {
  const k = parseDc09Key(hex);
  if (!k) throw new Error('bad test key');
  return k;
};

describe('parseDc09Key', () => {
  it('accepts 32, 48 and 64 hex digits as AES-128, -192 and -256 keys', () => {
    expect(parseDc09Key('AB'.repeat(16))?.length).toBe(16);
    expect(parseDc09Key('ab'.repeat(24))?.length).toBe(24);
    expect(parseDc09Key(KEY256)?.length).toBe(32);
  });

  it('refuses other lengths, non-hex digits and 16-character ASCII keys', () => {
    for (const bad of ['', 'AB'.repeat(15) + 'A', 'AB'.repeat(16) + 'A', 'AB'.repeat(20), 'ZZ'.repeat(16), 'AAAAAAAAAAAAAAAA', ` ${'AB'.repeat(16)}`]) {
      expect(parseDc09Key(bad), bad).toBeNull();
    }
  });
});

describe('AES-CBC with a zero IV and no padding of its own', () => {
  it('matches a vector made with openssl', () => {
    expect(encryptBlocks(Buffer.from(OPENSSL_PLAIN, 'latin1'), key(KEY256))).toBe(OPENSSL_HEX);
    expect(decryptBlocks(OPENSSL_HEX, key(KEY256))?.toString('latin1')).toBe(OPENSSL_PLAIN);
    expect(decryptBlocks(OPENSSL_HEX.toLowerCase(), key(KEY256))?.toString('latin1')).toBe(OPENSSL_PLAIN);
  });

  it("decrypts pysiaalarm's captured encrypted NULL", () => {
    expect(decryptBlocks(PYSIA_NULL_HEX, key(PYSIA_KEY))?.toString('latin1')).toBe('ppppppppppp]_18:24:52,07-05-2020');
  });

  it('refuses text that is not whole blocks of hex, and will not encrypt a partial block', () => {
    for (const bad of ['', 'ABC', OPENSSL_HEX.slice(0, 30), OPENSSL_HEX + '00', OPENSSL_HEX.replace('5D', 'G5')]) {
      expect(isCipherHex(bad), bad).toBe(false);
      expect(decryptBlocks(bad, key(KEY256))).toBeNull();
    }
    expect(() => encryptBlocks(Buffer.from('short'), key(KEY128))).toThrow(/whole 16-byte blocks/);
  });
});

describe('sealRegion (what the receiver sends)', () => {
  it('puts 1–16 printable pad bytes and "|" in front, to whole blocks, readable by an independent decryptor', () => {
    for (let n = 0; n < 40; n++) {
      const content = `]${'x'.repeat(n)}_10:00:00,11-26-2026`;
      const plain = decryptHex(sealRegion(content, key(KEY128)), KEY128).toString('latin1');
      expect(plain.length % 16).toBe(0);
      const pad = plain.slice(0, plain.length - content.length - 1);
      expect(pad.length).toBeGreaterThanOrEqual(1);
      expect(pad.length).toBeLessThanOrEqual(16);
      expect(pad).toMatch(/^[A-Za-z0-9]+$/);
      expect(plain.slice(pad.length)).toBe(`|${content}`);
    }
  });

  it('adds a whole block of pad when the content already fills blocks (§5.4.4.3)', () => {
    const content = 'y'.repeat(31); // "|" + 31 bytes = 32
    const plain = decryptHex(sealRegion(content, key(KEY128)), KEY128);
    expect(plain.length).toBe(48);
  });

  it('uses a fresh pad each time, so equal answers differ on the wire', () => {
    expect(sealRegion(']_10:00:00,11-26-2026', key(KEY128))).not.toBe(sealRegion(']_10:00:00,11-26-2026', key(KEY128)));
  });
});

describe('openRegion (what the receiver reads)', () => {
  const seal = (plain: string) => encryptHex(Buffer.from(plain, 'latin1'), KEY128);

  it('returns what follows the pad, binary pad bytes included', () => {
    const rest = Buffer.from('|#1234|1130 01 015]_10:00:00,11-26-2026', 'latin1');
    const pad = Buffer.from([0x00, 0xff, 0x80, 0x7b, 0x7d, 0x0a, 0x0d, 0x22, 0x20]);
    expect((pad.length + rest.length) % 16).toBe(0);
    expect(openRegion(encryptHex(Buffer.concat([pad, rest]), KEY128), key(KEY128))).toEqual({ ok: true, content: '#1234|1130 01 015]_10:00:00,11-26-2026' });
  });

  it('refuses a pad holding "[" or "]", or with no "|" before the data ends', () => {
    expect(openRegion(seal('abc[defghi|]_10:00:00,11-26-2026'), key(KEY128))).toMatchObject({ ok: false, reason: 'pad' });
    expect(openRegion(seal('abcdefghijk]_10:00:00,11-26-2026'), key(KEY128))).toMatchObject({ ok: false, reason: 'pad' });
    expect(openRegion(seal('abcdefghijklmnopqrstuvwxyz012345'), key(KEY128))).toMatchObject({ ok: false, reason: 'pad' });
  });

  it('accepts a pad running straight into "]" only when asked (an encrypted NULL)', () => {
    expect(openRegion(PYSIA_NULL_HEX, key(PYSIA_KEY), true)).toEqual({ ok: true, content: ']_18:24:52,07-05-2020' });
    expect(openRegion(PYSIA_NULL_HEX, key(PYSIA_KEY), false)).toMatchObject({ ok: false, reason: 'pad' });
  });

  it('refuses the same ciphertext under a wrong key', () => {
    expect(openRegion(OPENSSL_HEX, key(KEY256.replace(/^60/, '61')))).toMatchObject({ ok: false });
    expect(openRegion(OPENSSL_HEX, key(KEY256))).toEqual({ ok: true, content: '#1234|1130 01 015]_10:00:00,11-26-2026' });
  });

  it('refuses ciphertext that is not whole blocks', () => {
    expect(openRegion('ABCD', key(KEY128))).toMatchObject({ ok: false, reason: 'cipher' });
  });
});
