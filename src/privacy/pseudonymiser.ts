/**
 * Pseudonymisation at the edge of ingest (SPEC §4.1). A raw identifier is normalised, then replaced
 * by a keyed HMAC-SHA-256 pseudonym. The pipeline depends only on the `Pseudonymiser` interface;
 * the keyring (epoch keys, crypto-shredding) provides the key for each (class, epoch, site).
 */
import { createHmac } from 'node:crypto';
import type { IdentifierClass } from '../core/kinds.js';
import { ParapetError } from '../core/errors.js';
import { normaliseIdentifier } from './normalise.js';

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
  const cl = Buffer.byteLength(idClass, 'utf8');
  const vl = Buffer.byteLength(normalised, 'utf8');
  const out = Buffer.allocUnsafe(8 + cl + vl);
  out.writeUInt32BE(cl, 0);
  out.write(idClass, 4, 'utf8');
  out.writeUInt32BE(vl, 4 + cl);
  out.write(normalised, 8 + cl, 'utf8');
  return out;
}

/** 128 bits of the HMAC, base64url, tagged `<class>:<epoch>:` so a pseudonym names its key. */
export function formatPseudonym(idClass: IdentifierClass, epoch: string, mac: Buffer): string {
  return `${idClass}:${epoch}:${mac.subarray(0, 16).toString('base64url')}`;
}

/** The pseudonym of an already-normalised value under one epoch key (also used for watchlists and investigations). */
export function pseudonymOf(idClass: IdentifierClass, normalised: string, epoch: string, key: Buffer): string {
  const mac = createHmac('sha256', key).update(canonicalInput(idClass, normalised)).digest();
  return formatPseudonym(idClass, epoch, mac);
}

export interface KeySource {
  /** The key and epoch label for a class at a time (and site, for Wi-Fi). */
  keyFor(idClass: IdentifierClass, ctx: PseudonymContext): { epoch: string; key: Buffer };
  /** Null when keyFor answers from memory now; else a promise settled once the key is stored. Absent: always ready. */
  ensure?(idClass: IdentifierClass, ctx: PseudonymContext): Promise<void> | null;
}

export function createPseudonymiser(keys: KeySource): Pseudonymiser {
  return {
    pseudonymise(idClass, raw, ctx) {
      const normalised = normaliseIdentifier(idClass, raw);
      if (normalised.length === 0) throw new ParapetError('invalid_field', `${idClass} is empty after normalisation`);
      const { epoch, key } = keys.keyFor(idClass, ctx);
      return pseudonymOf(idClass, normalised, epoch, key);
    },
    ready: (idClass, ctx) => keys.ensure?.(idClass, ctx) ?? null,
  };
}
