/**
 * DC-09 encryption (ANSI/SIA DC-09-2013 §5.4): AES in CBC mode with an all-zero IV and a 128, 192
 * or 256-bit key shared per account. The encrypted region is everything after the data's "["
 * up to (not including) the final CR: pad, "|", data, "]", extended data blocks and timestamp.
 *
 * - pad (§5.4.4): pseudo-random bytes in FRONT of the data, never "|", "[" or "]", so many that
 *   the region is a multiple of 16 bytes; a region that already is one gets 16 pad bytes, so a pad
 *   is 1–16 bytes. The pad ends at the first "|", which every encrypted message carries.
 * - The ciphertext travels as hex digits (upper case when we send; either case is read).
 *
 * Padding is the standard's own, never PKCS#7, so Node's auto-padding is off. Keys are secrets:
 * nothing here logs or returns one, and no error message quotes one.
 */
import { createCipheriv, createDecipheriv, randomInt } from 'node:crypto';

/** An AES key of 16, 24 or 32 bytes, parsed once from configuration. */
export type Dc09Key = Buffer;

const BLOCK = 16;
const IV = Buffer.alloc(BLOCK);
const KEY_HEX = /^(?:[0-9A-Fa-f]{32}|[0-9A-Fa-f]{48}|[0-9A-Fa-f]{64})$/;
const CIPHER_HEX = /^(?:[0-9A-Fa-f]{32})+$/;
/** Pad bytes we send: printable, so receivers that read the region as text are not surprised. */
const PAD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32, 48 or 64 hex digits → the key; null for anything else. */
export function parseDc09Key(hex: string): Dc09Key | null {
  return KEY_HEX.test(hex) ? Buffer.from(hex, 'hex') : null;
}

const algorithm = (key: Dc09Key): string => `aes-${key.length * 8}-cbc`;

/** Whether a string can be a DC-09 ciphertext: whole AES blocks as hex digits. */
export function isCipherHex(text: string): boolean {
  return CIPHER_HEX.test(text);
}

/** Encrypts whole blocks (the caller has padded them) → upper-case hex. */
export function encryptBlocks(plain: Buffer, key: Dc09Key): string {
  if (plain.length === 0 || plain.length % BLOCK !== 0) throw new Error('DC-09 encryption needs whole 16-byte blocks');
  const cipher = createCipheriv(algorithm(key), key, IV).setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('hex').toUpperCase();
}

/** Hex ciphertext → plaintext bytes; null when the text is not whole blocks of hex. */
export function decryptBlocks(hex: string, key: Dc09Key): Buffer | null {
  if (!isCipherHex(hex)) return null;
  // With auto-padding off, CBC decryption of whole blocks cannot fail: a wrong key yields noise,
  // which the pad and structure checks of the caller refuse.
  const decipher = createDecipheriv(algorithm(key), key, IV).setAutoPadding(false);
  return Buffer.concat([decipher.update(Buffer.from(hex, 'hex')), decipher.final()]);
}

/** `pad|content`, padded to whole blocks as §5.4.4 says, encrypted → hex. `content` is latin1 text. */
export function sealRegion(content: string, key: Dc09Key): string {
  const body = Buffer.from(`|${content}`, 'latin1');
  const padLength = BLOCK - (body.length % BLOCK);
  let pad = '';
  for (let i = 0; i < padLength; i++) pad += PAD_ALPHABET[randomInt(PAD_ALPHABET.length)];
  return encryptBlocks(Buffer.concat([Buffer.from(pad, 'latin1'), body]), key);
}

export type OpenedRegion =
  | { readonly ok: true; readonly content: string }
  | { readonly ok: false; readonly reason: 'cipher' | 'pad'; readonly detail: string };

/**
 * Hex → the content after `pad|` (latin1 text), or why not. `allowBarePad` accepts a region with no
 * "|" whose pad runs straight into the "]" of empty data: a captured encrypted NULL published with
 * pysiaalarm's tests (`ppppppppppp]_18:24:52,07-05-2020`) is sent that way, and a link test carries
 * no data that a missing separator could shift.
 */
export function openRegion(hex: string, key: Dc09Key, allowBarePad = false): OpenedRegion {
  const plain = decryptBlocks(hex, key);
  if (plain === null) return { ok: false, reason: 'cipher', detail: 'the encrypted data is not whole AES blocks of hex digits' };
  const text = plain.toString('latin1');
  const bar = text.indexOf('|');
  const close = text.indexOf(']');
  if (bar !== -1 && (close === -1 || bar < close)) {
    if (/[[\]]/.test(text.slice(0, bar))) return { ok: false, reason: 'pad', detail: 'the pad holds "[" or "]" (wrong key?)' };
    return { ok: true, content: text.slice(bar + 1) };
  }
  if (allowBarePad && close !== -1 && !text.slice(0, close).includes('[')) return { ok: true, content: text.slice(close) };
  return { ok: false, reason: 'pad', detail: 'no "|" ends the pad (wrong key?)' };
}
