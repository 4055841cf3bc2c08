/**
 * Secrets (SPEC §5.2, §5.4): passwords hashed with argon2id (m = 19 MiB, t = 2, p = 1 — the OWASP
 * minimum), tokens ≥ 128-bit random stored as SHA-256 (a random 256-bit secret needs no slow hash).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/** algorithm 2 = Argon2id (the package's Algorithm enum is a const enum, unusable under isolatedModules). */
export const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A human-typable random password: 24 base64url characters = 144 bits. */
export function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** A machine secret with a recognisable prefix (so secret scanners can find leaked ones): 256 bits. */
export function randomSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

export function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

export function randomId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

export function randomBytesHex(n: number): string {
  return randomBytes(n).toString('hex');
}
