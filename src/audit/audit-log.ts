/**
 * The audit log service (SPEC §5.7): `record()` appends one hash-chained entry; every
 * `checkpointEvery` entries (and on `checkpoint()`, on a timer and at close) the head is signed with
 * the Ed25519 key derived from the master key. Other services call
 * `deps.audit.record({ actor, action, target, outcome, detail })` for logins, authorization
 * failures, admin changes, watchlist changes, investigations, exports, purges and policy violations.
 * Each entry names the sites it concerns (SPEC §5.3), so a site-scoped auditor reads only those.
 */
import type { Clock } from '../core/clock.js';
import type { Principal } from '../auth/principal.js';
import type { AuditCheckpoint, AuditEntry, AuditOutcome, AuditQuery, AuditStore } from '../store/audit.js';
import { GENESIS_HASH, checkpointMessage, entryHash, type AuditContent } from './chain.js';
import type { AuditSigner } from './signing.js';
import { verifyAuditChain, type AuditVerifyReport } from './verify.js';

export interface AuditRecordInput {
  /** The principal, a descriptive string (`system`, `cli`), or null for anonymous callers. */
  readonly actor: Principal | string | null;
  readonly action: string;
  readonly target?: string | null;
  readonly outcome: AuditOutcome;
  readonly detail?: Readonly<Record<string, unknown>> | null;
  /**
   * The sites the entry concerns: a device's site, the scope of the user or token changed, an
   * investigation's sites. Omitted: the sites of a principal actor (none for an unscoped one or a
   * descriptive actor). Empty: a global entry, visible to unscoped auditors only.
   */
  readonly sites?: readonly string[];
}

export interface AuditLogOptions {
  readonly store: AuditStore;
  readonly clock: Clock;
  readonly signer: AuditSigner;
  /** Sign the head every this many entries (default 64). */
  readonly checkpointEvery?: number;
  readonly onError?: (err: unknown) => void;
}

const ACTION_RE = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;
/** Keys whose values never enter the log: secrets (SPEC §5.4) and raw identifiers (SPEC §4.1). */
const REDACTED_KEYS = new Set(['password', 'secret', 'token', 'totp', 'code', 'recovery_code', 'cookie', 'authorization', 'csrf', 'plate', 'credential', 'mac']);
const MAX_STRING = 512;
const MAX_DETAIL_BYTES = 4096;

function clean(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}…` : v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean' || v === null) return v;
  if (depth > 4) return '[…]';
  if (Array.isArray(v)) return v.slice(0, 50).map((x) => clean(x, depth + 1));
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined) continue;
      out[k] = REDACTED_KEYS.has(k.toLowerCase()) ? '[redacted]' : clean(x, depth + 1);
    }
    return out;
  }
  return null;
}

/** Bounded, secret-free copy of a detail object. */
export function sanitiseDetail(detail: Readonly<Record<string, unknown>> | null | undefined): Record<string, unknown> | null {
  if (!detail) return null;
  const out = clean(detail, 0) as Record<string, unknown>;
  const text = JSON.stringify(out);
  return text.length > MAX_DETAIL_BYTES ? { truncated: true, bytes: text.length } : out;
}

/** Twice the widest scope a user or token can have (100 sites, admin routes): a scope replaced whole. */
const MAX_SITES = 200;

/** The entry's sites: given, or the principal actor's; distinct, sorted by code unit, bounded. */
export function entrySites(input: Pick<AuditRecordInput, 'actor' | 'sites'>): string[] {
  const given = input.sites ?? (input.actor !== null && typeof input.actor === 'object' ? input.actor.sites : []);
  const sites = [...new Set(given.filter((x) => typeof x === 'string' && x.length > 0))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (sites.length > MAX_SITES) throw new Error(`an audit entry names ${sites.length} sites; at most ${MAX_SITES}`);
  return sites;
}

export function actorName(actor: Principal | string | null): string {
  if (actor === null) return 'anonymous';
  if (typeof actor === 'string') return actor.slice(0, 128) || 'anonymous';
  return `${actor.kind}:${actor.name}`;
}

export class AuditLog {
  private readonly every: number;
  private timer: NodeJS.Timeout | null = null;
  /** The last entry THIS process appended, and the highest seq it signed: we only ever sign what we wrote. */
  private own: { seq: number; hash: string } | null = null;
  private signedThrough = 0;

  constructor(private readonly o: AuditLogOptions) {
    this.every = o.checkpointEvery ?? 64;
  }

  get publicKey(): string {
    return this.o.signer.publicKey;
  }

  get keyId(): string {
    return this.o.signer.keyId;
  }

  async record(input: AuditRecordInput): Promise<AuditEntry> {
    if (!ACTION_RE.test(input.action) || input.action.length > 64) throw new Error(`audit action ${input.action} is not a dotted lower-case name`);
    const content: AuditContent = {
      at: this.o.clock.now(),
      actor: actorName(input.actor),
      action: input.action,
      target: input.target === undefined || input.target === null ? null : String(input.target).slice(0, 256),
      outcome: input.outcome,
      detail: sanitiseDetail(input.detail),
      sites: entrySites(input),
    };
    let signed = false;
    const entry = await this.o.store.append((head) => {
      const prev = head?.hash ?? GENESIS_HASH;
      const seq = (head?.seq ?? 0) + 1;
      const e: AuditEntry = { seq, ...content, prev_hash: prev, hash: entryHash(content, prev) };
      signed = seq % this.every === 0;
      return { entry: e, checkpoint: signed ? this.sign(seq, e.hash) : null };
    });
    if (!this.own || entry.seq > this.own.seq) this.own = { seq: entry.seq, hash: entry.hash };
    if (signed) this.signedThrough = entry.seq;
    return entry;
  }

  /** Records without letting a failure reach the caller (hooks on hot paths); failures are reported. */
  recordSafely(input: AuditRecordInput): void {
    this.record(input).catch((err: unknown) => this.o.onError?.(err));
  }

  list(q: AuditQuery): Promise<AuditEntry[]> {
    return this.o.store.query(q);
  }

  /**
   * Signs the last entry this process appended, unless already signed. Never the head as read
   * back from the store: a verify-only process signs nothing, and a row someone else slipped in
   * is never vouched for by us.
   */
  async checkpoint(): Promise<AuditCheckpoint | null> {
    const own = this.own;
    if (!own || own.seq <= this.signedThrough) return null;
    const cp = this.sign(own.seq, own.hash);
    await this.o.store.addCheckpoint(cp);
    this.signedThrough = own.seq;
    return cp;
  }

  verify(): Promise<AuditVerifyReport> {
    return verifyAuditChain(this.o.store, this.o.signer);
  }

  /** Signs the head periodically so a quiet log's tail is covered too; the timer never holds the process. */
  startCheckpointTimer(periodMs: number): void {
    this.stopCheckpointTimer();
    this.timer = setInterval(() => {
      this.checkpoint().catch((err: unknown) => this.o.onError?.(err));
    }, periodMs);
    this.timer.unref();
  }

  stopCheckpointTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async close(): Promise<void> {
    this.stopCheckpointTimer();
    await this.checkpoint();
  }

  private sign(seq: number, hash: string): AuditCheckpoint {
    const at = this.o.clock.now();
    return { seq, hash, at, signature: this.o.signer.sign(checkpointMessage(seq, hash, at)), key_id: this.o.signer.keyId };
  }
}
