/**
 * The audit section of the store (SPEC §5.7). Entries are append-only and hash-chained; the chain
 * itself (hashing, signing, verifying) lives in src/audit/, the store only keeps rows. Appending
 * reads the head and writes the next entry in ONE transaction, so two processes sharing a data dir
 * (the hub and an offline `parapet user add`) never fork the chain.
 */

export type AuditOutcome = 'success' | 'failure' | 'denied';
export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['success', 'failure', 'denied'];

export interface AuditEntry {
  /** 1, 2, 3 … in append order; not part of the hash (the prev links order the chain). */
  readonly seq: number;
  /** Epoch ms. */
  readonly at: number;
  /** Who: `user:alice`, `token:ci`, `device:cam-1`, `system`, `anonymous`. */
  readonly actor: string;
  /** What, dotted: `auth.login`, `users.create`, `watchlists.add` … */
  readonly action: string;
  /** On what (an id or name), or null. */
  readonly target: string | null;
  readonly outcome: AuditOutcome;
  /** Small JSON object with context; never secrets or raw identifiers (SPEC §4.1). */
  readonly detail: Readonly<Record<string, unknown>> | null;
  /**
   * The sites the entry concerns (SPEC §5.3), sorted and distinct; empty for a global entry (system
   * work, purges, unscoped principals). Plain data. A site-scoped auditor sees an entry only when
   * this meets their scope. Hashed only when non-empty, so entries written before the field
   * existed (none stored) still verify (chain.ts).
   */
  readonly sites: readonly string[];
  /** Hash of the previous entry (64 zeros for the first), hex. */
  readonly prev_hash: string;
  /** SHA-256 over the canonical JSON of the entry's content and prev_hash, hex. */
  readonly hash: string;
}

/** An Ed25519 signature over (seq, hash, at) of one entry: proof the chain up to there is genuine. */
export interface AuditCheckpoint {
  readonly seq: number;
  readonly hash: string;
  readonly at: number;
  /** base64 Ed25519 signature. */
  readonly signature: string;
  /** Identifies the signing key (first 16 hex of SHA-256 of the raw public key). */
  readonly key_id: string;
}

export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

export interface AuditQuery {
  /** Inclusive, epoch ms. */
  readonly from?: number;
  /** Exclusive, epoch ms. */
  readonly to?: number;
  readonly actor?: string;
  /** Exact action, or a prefix ending in `.*` (`auth.*`). */
  readonly action?: string;
  readonly target?: string;
  readonly outcome?: AuditOutcome;
  /**
   * Only entries concerning at least one of these sites (a site-scoped reader, SPEC §5.3); global
   * entries (no sites) never match, and an empty list matches nothing. Filtered by the store.
   */
  readonly sites?: readonly string[];
  /** Keyset paging, newest first: only entries with seq < before. */
  readonly before?: number;
  readonly limit: number;
}

export interface AuditAppend {
  readonly entry: AuditEntry;
  readonly checkpoint: AuditCheckpoint | null;
}

export interface AuditStore {
  /**
   * Atomically: reads the head, calls `make(head)` (synchronously — it must not await) and stores
   * the entry (and checkpoint) it returns. Resolves with the stored entry.
   */
  append(make: (head: AuditHead | null) => AuditAppend): Promise<AuditEntry>;
  head(): Promise<AuditHead | null>;
  /** Newest first. */
  query(q: AuditQuery): Promise<AuditEntry[]>;
  /** Storage order (ascending seq) after `afterSeq`, for verification. */
  scan(afterSeq: number, limit: number): Promise<AuditEntry[]>;
  addCheckpoint(c: AuditCheckpoint): Promise<void>;
  /** Ascending seq. */
  checkpoints(): Promise<AuditCheckpoint[]>;
  count(): Promise<number>;
}

/** Whether an entry matches a query's filters (memory adapter, and tests). */
export function auditMatches(e: AuditEntry, q: AuditQuery): boolean {
  if (q.from !== undefined && e.at < q.from) return false;
  if (q.to !== undefined && e.at >= q.to) return false;
  if (q.actor !== undefined && e.actor !== q.actor) return false;
  if (q.target !== undefined && e.target !== q.target) return false;
  if (q.outcome !== undefined && e.outcome !== q.outcome) return false;
  if (q.before !== undefined && e.seq >= q.before) return false;
  if (q.sites !== undefined && !e.sites.some((s) => q.sites?.includes(s))) return false;
  if (q.action !== undefined) {
    if (q.action.endsWith('.*')) {
      if (!e.action.startsWith(q.action.slice(0, -1))) return false;
    } else if (e.action !== q.action) return false;
  }
  return true;
}
