/**
 * Watchlist entries at rest (SPEC §4.6): AES-256-GCM under a key the hub derives from the master
 * key. The clear columns (id, list, expiry) are bound as additional data, so moving an expiry or
 * swapping entries between lists makes decryption fail instead of silently extending a watch.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12; // GCM's recommended nonce size (NIST SP 800-38D)
const TAG_BYTES = 16;

export interface SealContext {
  readonly id: string;
  readonly list: string;
  readonly expires_at: number;
}

const aad = (c: SealContext): Buffer => Buffer.from(`parapet/watchlist/v1\u0000${c.id}\u0000${c.list}\u0000${c.expires_at}`, 'utf8');

/** The watchlist key: HKDF-SHA-256 of the master key under its own label (never the store's key). */
export function deriveWatchlistKey(master: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.from('parapet/v1', 'utf8'), Buffer.from('watchlist-entries', 'utf8'), 32));
}

export function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new Error('the watchlist key must be 32 bytes (AES-256)');
}

export function seal(key: Buffer, ctx: SealContext, plain: unknown): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(ctx));
  const ct = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url');
}

/** Throws when the key is wrong or anything (including the bound columns) was altered. */
export function open(key: Buffer, ctx: SealContext, sealed: string): unknown {
  const buf = Buffer.from(sealed, 'base64url');
  if (buf.length < IV_BYTES + TAG_BYTES) throw new Error('sealed entry too short');
  const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(0, IV_BYTES));
  decipher.setAAD(aad(ctx));
  decipher.setAuthTag(buf.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  const plain = Buffer.concat([decipher.update(buf.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as unknown;
}
