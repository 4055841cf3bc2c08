/**
 * UniFi Access webhook signatures (SPEC §6; docs/integrations.md). UniFi Access (developer API,
 * 2.2.10 and later) sends every webhook POST with a header
 *
 *   Signature: t=<unix seconds>,v1=<hex HMAC-SHA-256>
 *
 * where the MAC is taken over `<t>.<body>` — the `t` text exactly as sent, a dot, the body bytes —
 * keyed with the endpoint's secret, the string UniFi returned when the endpoint was created, used as
 * its UTF-8 bytes (not hex-decoded). The signature is checked IN ADDITION to the bearer token
 * (SPEC §5.1): it proves the body came from the console holding the secret and was not altered,
 * and its time bounds replays.
 *
 * Refused (401 bad_signature): no header; a header that is not `t=…,v1=…`; no v1 that matches under
 * any configured secret; a `t` more than SIGNATURE_TOLERANCE_S away from our clock, either way; and
 * a signature already accepted once within that window (a captured webhook replayed — e.g. a
 * "granted" unlock replayed to make a forced door look like a normal passage).
 * MACs are compared in constant time. Several `v1` values are allowed (any one may match, as with
 * other `t=…,v1=…` schemes during secret rotation); other keys (`v0`, a future `v2`) are ignored.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ParapetError } from '../core/errors.js';

/** The header UniFi Access signs with (HTTP header names are case-insensitive; Node lower-cases them). */
export const SIGNATURE_HEADER = 'signature';
/** Replay window: |our clock − t| beyond this is refused, seconds (5 min, as for event times, SPEC §2). */
export const SIGNATURE_TOLERANCE_S = 300;
/** Longest Signature header read, characters. */
export const MAX_SIGNATURE_HEADER = 1024;
/** Most v1 values read from one header (bounds the MAC comparisons per request). */
export const MAX_V1 = 8;
/** Accepted signatures remembered for replay detection (entries expire with the window). */
export const MAX_REMEMBERED = 50_000;

const T_RE = /^[0-9]{1,12}$/;
const V1_RE = /^[0-9a-fA-F]{64}$/;
const KEY_RE = /^[A-Za-z0-9_-]{1,16}$/;

export interface ParsedSignature {
  /** `t` as sent: the MAC covers this text, not a re-formatted number. */
  readonly t: string;
  readonly v1: readonly Buffer[];
}

export type SignatureFailure = 'missing' | 'malformed' | 'mismatch' | 'stale' | 'replayed';

export type SignatureCheck =
  | { readonly ok: true; readonly t: number; readonly mac: string }
  | { readonly ok: false; readonly reason: SignatureFailure; readonly detail: string };

/** Parses `t=<digits>,v1=<64 hex>[,v1=…]`; spaces around items are tolerated. A string is the reason it is malformed. */
export function parseSignatureHeader(value: string): ParsedSignature | string {
  if (value.length > MAX_SIGNATURE_HEADER) return `the Signature header is longer than ${MAX_SIGNATURE_HEADER} characters`;
  let t: string | undefined;
  const v1: Buffer[] = [];
  for (const raw of value.split(',')) {
    const item = raw.trim();
    const eq = item.indexOf('=');
    const key = eq > 0 ? item.slice(0, eq) : '';
    const val = item.slice(eq + 1);
    if (!KEY_RE.test(key)) return 'the Signature header is not a list of key=value items (t=…,v1=…)';
    if (key === 't') {
      if (t !== undefined) return 'the Signature header has more than one t';
      if (!T_RE.test(val)) return 'the Signature t is not a time in unix seconds';
      t = val;
    } else if (key === 'v1') {
      if (!V1_RE.test(val)) return 'a Signature v1 is not 64 hex digits (HMAC-SHA-256)';
      if (v1.length === MAX_V1) return `the Signature header has more than ${MAX_V1} v1 values`;
      v1.push(Buffer.from(val, 'hex'));
    }
  }
  if (t === undefined) return 'the Signature header has no t';
  if (v1.length === 0) return 'the Signature header has no v1';
  return { t, v1 };
}

/** The v1 value UniFi Access sends for `body` signed at `t` (hex). Also what tests sign with. */
export function unifiSignatureMac(secret: string, t: string, body: Uint8Array): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${t}.`, 'utf8').update(body).digest('hex');
}

/**
 * Checks one request's Signature header against the body bytes the vendor signed. Pure: no replay
 * memory (UnifiSignatureVerifier adds it). `header` is what Node hands over: a repeated header is
 * malformed, never "any of them".
 */
export function checkUnifiSignature(
  header: string | readonly string[] | undefined,
  body: Uint8Array,
  secrets: readonly string[],
  nowMs: number,
  toleranceS = SIGNATURE_TOLERANCE_S,
): SignatureCheck {
  if (header === undefined || header === '') return { ok: false, reason: 'missing', detail: 'the webhook carries no Signature header; UniFi Access signs every webhook (t=…,v1=…)' };
  if (typeof header !== 'string') return { ok: false, reason: 'malformed', detail: 'the request carries more than one Signature header' };
  const parsed = parseSignatureHeader(header);
  if (typeof parsed === 'string') return { ok: false, reason: 'malformed', detail: parsed };
  let match: Buffer | undefined;
  for (const secret of secrets) {
    const expected = Buffer.from(unifiSignatureMac(secret, parsed.t, body), 'hex');
    // Every candidate is compared, each in constant time; only whether one matched is kept.
    for (const sent of parsed.v1) if (timingSafeEqual(expected, sent)) match ??= expected;
  }
  if (!match) return { ok: false, reason: 'mismatch', detail: 'the Signature does not match the body under the configured secret' };
  const t = Number(parsed.t);
  const skewS = Math.round(nowMs / 1000 - t);
  if (Math.abs(nowMs - t * 1000) > toleranceS * 1000) {
    const when = skewS > 0 ? `${skewS} s ago` : `${-skewS} s ahead of this server's clock`;
    return { ok: false, reason: 'stale', detail: `the Signature was made ${when}, outside the ±${toleranceS} s window (replay, or a clock out of step)` };
  }
  return { ok: true, t, mac: match.toString('hex') };
}

/**
 * The route's verifier: the configured secrets, plus the signatures already accepted within the
 * window, so a captured webhook cannot be replayed while its `t` is still fresh. The memory is
 * per process (with several hub nodes, a replay sent to another node is caught only by the window).
 */
export class UnifiSignatureVerifier {
  private readonly seen = new Map<string, number>();
  private readonly secrets: readonly string[];

  constructor(
    secrets: string | readonly string[],
    private readonly toleranceS = SIGNATURE_TOLERANCE_S,
    private readonly maxRemembered = MAX_REMEMBERED,
  ) {
    this.secrets = typeof secrets === 'string' ? [secrets] : [...secrets];
    if (this.secrets.length === 0 || this.secrets.some((s) => s.length === 0)) throw new ParapetError('invalid_config', 'integrations.unifi_access.secret is empty');
  }

  /** The check's outcome, remembering an accepted signature. */
  check(header: string | readonly string[] | undefined, body: Uint8Array, nowMs: number): SignatureCheck {
    const r = checkUnifiSignature(header, body, this.secrets, nowMs, this.toleranceS);
    if (!r.ok) return r;
    this.expire(nowMs);
    if (this.seen.has(r.mac)) return { ok: false, reason: 'replayed', detail: 'this Signature was already accepted once (a replayed webhook)' };
    while (this.seen.size >= this.maxRemembered) {
      const oldest = this.seen.keys().next();
      if (oldest.done) break;
      this.seen.delete(oldest.value);
    }
    this.seen.set(r.mac, (r.t + this.toleranceS) * 1000);
    return r;
  }

  /** Like check, but a refusal throws `401 bad_signature`; returns the accepted MAC (for forget). */
  verify(header: string | readonly string[] | undefined, body: Uint8Array, nowMs: number): string {
    const r = this.check(header, body, nowMs);
    if (!r.ok) throw new ParapetError('bad_signature', r.detail);
    return r.mac;
  }

  /** Forgets an accepted signature whose request then failed, so the vendor's retry is not a "replay". */
  forget(mac: string): void {
    this.seen.delete(mac);
  }

  /** Signatures currently remembered (for tests and metrics). */
  get remembered(): number {
    return this.seen.size;
  }

  /** Drops expired entries from the front (insertion order ≈ time order; stragglers go at the size cap). */
  private expire(nowMs: number): void {
    for (const [mac, until] of this.seen) {
      if (until >= nowMs) break;
      this.seen.delete(mac);
    }
  }
}
