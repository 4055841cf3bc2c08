/**
 * Pseudonymisation at the edge of ingest (SPEC §4.1). A raw identifier is normalised, then replaced
 * by a keyed HMAC-SHA-256 pseudonym. The pipeline depends only on the `Pseudonymiser` interface;
 * the keyring (epoch keys, crypto-shredding) provides the key for each (class, epoch, site).
 */
import { createHmac } from 'node:crypto';
import type { IdentifierClass } from '../core/kinds.js';
import { ParapetError } from '../core/errors.js';
import { normaliseIdentifier } from './normalise.js';
import type { HmacSha256Key } from './hmac-sha256.js';

export interface PseudonymContext {
  /** Event time, epoch ms: selects the epoch key. */
  readonly ts: number;
  /** The device's site: Wi-Fi keys are per site as well (SPEC §4.2). */
  readonly site: string;
}

export interface Pseudonymiser {
  /** The pseudonym of one raw identifier; throws ParapetError('invalid_field') when it normalises to nothing. */
  pseudonymise(idClass: IdentifierClass, raw: string, ctx: PseudonymContext): string;
  /**
   * Null when `pseudonymise` can run now for (class, ctx); else a promise to await first, settled
   * once the key is stored and shared with every node (KeySource.ensure).
   */
  ready(idClass: IdentifierClass, ctx: PseudonymContext): Promise<void> | null;
}

/** Length-prefixed canonical input, so (class, value) pairs can never collide by concatenation. */
export function canonicalInput(idClass: IdentifierClass, normalised: string): Buffer {
  const out = Buffer.allocUnsafe(canonicalLength(idClass, normalised));
  writeCanonical(out, idClass, normalised);
  return out;
}

function canonicalLength(idClass: IdentifierClass, normalised: string): number {
  return 8 + Buffer.byteLength(idClass, 'utf8') + Buffer.byteLength(normalised, 'utf8');
}

function writeCanonical(out: Buffer, idClass: IdentifierClass, normalised: string): number {
  const cl = out.write(idClass, 4, 'utf8');
  out.writeUInt32BE(cl, 0);
  const vl = out.write(normalised, 8 + cl, 'utf8');
  out.writeUInt32BE(vl, 4 + cl);
  return 8 + cl + vl;
}

/** Reused canonical-input buffer for the per-event path (synchronous, so never shared by two calls). */
let scratch = Buffer.allocUnsafe(256);

/** 128 bits of the HMAC, base64url, tagged `<class>:<epoch>:` so a pseudonym names its key. */
export function formatPseudonym(idClass: IdentifierClass, epoch: string, mac: Buffer): string {
  return `${idClass}:${epoch}:${mac.subarray(0, 16).toString('base64url')}`;
}

/** The pseudonym of an already-normalised value under one epoch key (also used for watchlists and investigations). */
export function pseudonymOf(idClass: IdentifierClass, normalised: string, epoch: string, key: Buffer | HmacSha256Key): string {
  if (Buffer.isBuffer(key)) return formatPseudonym(idClass, epoch, createHmac('sha256', key).update(canonicalInput(idClass, normalised)).digest());
  const need = canonicalLength(idClass, normalised);
  if (need > scratch.length) scratch = Buffer.allocUnsafe(Math.max(need, scratch.length * 2));
  const len = writeCanonical(scratch, idClass, normalised);
  const mac = key.mac(scratch, len);
  scratch.fill(0, 0, len);
  return formatPseudonym(idClass, epoch, mac);
}

/** An epoch key as the pseudonymise stage uses it. */
export interface EpochKey {
  readonly epoch: string;
  readonly key: Buffer;
  /** The key's HMAC midstates (hmac-sha256.ts); when absent the key is used with node:crypto. */
  readonly hmac?: HmacSha256Key;
}

export interface KeySource {
  /** The key and epoch label for a class at a time (and site, for Wi-Fi). */
  keyFor(idClass: IdentifierClass, ctx: PseudonymContext): EpochKey;
  /** Null when keyFor answers from memory now; else a promise settled once the key is stored. Absent: always ready. */
  ensure?(idClass: IdentifierClass, ctx: PseudonymContext): Promise<void> | null;
}

export function createPseudonymiser(keys: KeySource): Pseudonymiser {
  return {
    pseudonymise(idClass, raw, ctx) {
      const normalised = normaliseIdentifier(idClass, raw);
      if (normalised.length === 0) throw new ParapetError('invalid_field', `${idClass} is empty after normalisation`);
      const k = keys.keyFor(idClass, ctx);
      return pseudonymOf(idClass, normalised, k.epoch, k.hmac ?? k.key);
    },
    ready: (idClass, ctx) => keys.ensure?.(idClass, ctx) ?? null,
  };
}
