/**
 * Epoch keys at rest (SPEC §4.2): each is wrapped by the master-derived key with AES-256-GCM, bound
 * to its class, epoch and site as additional data, and stored only in that form.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { IdentifierClass } from '../core/kinds.js';
import { HmacSha256Key } from './hmac-sha256.js';

/** The persisted form: only ciphertext, never the key (SPEC §4.2). */
export interface WrappedKey {
  readonly v: 1;
  readonly idClass: IdentifierClass;
  readonly epoch: string;
  readonly site: string | null;
  readonly start: number;
  readonly end: number;
  readonly created_at: number;
  readonly iv: string;
  readonly tag: string;
  readonly ct: string;
}

/** An unwrapped key in memory, with its HMAC midstates; shaped as the EpochKey `keyFor` returns. */
export interface LiveKey {
  readonly record: WrappedKey;
  readonly epoch: string;
  readonly key: Buffer;
  readonly hmac: HmacSha256Key;
}

export function liveKey(record: WrappedKey, key: Buffer): LiveKey {
  return { record, epoch: record.epoch, key, hmac: new HmacSha256Key(key) };
}

/** Zeroes a key and its midstates (either one recomputes every pseudonym of the epoch). */
export function zeroKey(live: LiveKey): void {
  live.key.fill(0);
  live.hmac.destroy();
}

/** The additional data a wrapped key is bound to: it cannot be moved to another class, epoch or site. */
export function aad(idClass: IdentifierClass, epoch: string, site: string | null): Buffer {
  return Buffer.from(`${idClass}|${epoch}|${site ?? ''}`, 'utf8');
}

export function seal(wrapKey: Buffer, plain: Buffer, ad: Buffer): { iv: string; tag: string; ct: string } {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', wrapKey, iv);
  c.setAAD(ad);
  const ct = Buffer.concat([c.update(plain), c.final()]);
  return { iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), ct: ct.toString('base64') };
}

export function open(wrapKey: Buffer, w: { iv: string; tag: string; ct: string }, ad: Buffer): Buffer {
  const d = createDecipheriv('aes-256-gcm', wrapKey, Buffer.from(w.iv, 'base64'));
  d.setAAD(ad);
  d.setAuthTag(Buffer.from(w.tag, 'base64'));
  return Buffer.concat([d.update(Buffer.from(w.ct, 'base64')), d.final()]);
}

/** The same wrapped key (one random IV per wrap, so equal IV and ciphertext mean the same record). */
export const sameRecord = (a: { iv: string; ct: string }, b: { iv: string; ct: string }): boolean => a.ct === b.ct && a.iv === b.iv;
