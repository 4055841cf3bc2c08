/**
 * TOTP second factor (RFC 6238; SPEC §5.4) for admin and investigator accounts. A code is accepted
 * within ±1 period of 30 s, and only for a time step later than the last one accepted, so a code
 * works once (replay refused). Recovery codes are random, shown once, stored as keyed hashes and
 * each removed when used.
 */
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Role } from '../store/store.js';

export const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;
export const RECOVERY_CODE_COUNT = 10;
export const TOTP_ISSUER = 'Parapet';

/** Roles whose human accounts must use a second factor (SPEC §5.4). */
export const TOTP_ROLES: readonly Role[] = ['admin', 'investigator'];

export function roleNeedsTotp(role: Role): boolean {
  return TOTP_ROLES.includes(role);
}

/** What is kept (sealed) in UserRecord.totp once enrolled. */
export interface TotpState {
  readonly v: 1;
  /** base32 seed, 160 bits (RFC 4226 §4 recommends ≥ 128). */
  readonly secret: string;
  /** Last accepted time step (epoch ms / period); codes for this step or earlier are refused. */
  readonly last_step: number;
  /** Keyed hashes of the unused recovery codes. */
  readonly recovery: readonly string[];
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secret: string, account: string): TOTP {
  return new TOTP({ issuer: TOTP_ISSUER, label: account, algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_S, secret: Secret.fromBase32(secret) });
}

/** The `otpauth://totp/...` URI an authenticator app scans. */
export function otpauthUri(secret: string, account: string): string {
  return totpFor(secret, account).toString();
}

export function totpCode(secret: string, at: number): string {
  return totpFor(secret, 'x').generate({ timestamp: at });
}

/** The time step a valid code belongs to, or null (wrong, or not after `lastStep`). */
export function acceptTotp(secret: string, code: string, now: number, lastStep: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpFor(secret, 'x').validate({ token: code, timestamp: now, window: 1 });
  if (delta === null) return null;
  const step = Math.floor(now / 1000 / TOTP_PERIOD_S) + delta;
  return step > lastStep ? step : null;
}

/** Ten codes like `k7m2p-q9x4t` (50 bits each). */
export function newRecoveryCodes(): string[] {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = randomBytes(10);
    const chars = [...bytes].map((b) => alphabet[b % alphabet.length] ?? 'a').join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

export function normaliseRecoveryCode(code: string): string {
  return code.trim().toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function looksLikeRecoveryCode(code: string): boolean {
  return /^[a-z0-9]{10}$/.test(normaliseRecoveryCode(code)) && !/^\d+$/.test(code.trim());
}
