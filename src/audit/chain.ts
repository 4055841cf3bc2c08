/**
 * The audit hash chain (SPEC §5.7): each entry's hash is SHA-256 over the canonical JSON of its
 * content and the previous entry's hash. The seq number is deliberately not hashed: the prev links
 * alone order the chain, which lets verification tell a reordered entry (its link points at another
 * real entry) from an edited one (its own hash no longer matches) and a deleted one (a gap).
 *
 * `sites` (SPEC §5.3) joined the content after the first logs were written: it is hashed only when
 * non-empty, so an entry stored before it existed (read back with no sites) hashes exactly as it
 * did, while tagging, untagging or retagging any entry changes its hash.
 */
import { createHash } from 'node:crypto';
import type { AuditEntry } from '../store/audit.js';
import { canonicalJson } from './canonical.js';

export const GENESIS_HASH = '0'.repeat(64);

export type AuditContent = Pick<AuditEntry, 'at' | 'actor' | 'action' | 'target' | 'outcome' | 'detail' | 'sites'>;

export function entryHash(content: AuditContent, prevHash: string): string {
  const body = canonicalJson({
    at: content.at,
    actor: content.actor,
    action: content.action,
    target: content.target,
    outcome: content.outcome,
    detail: content.detail,
    ...(content.sites.length > 0 ? { sites: content.sites } : {}),
    prev: prevHash,
  });
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** What a checkpoint signs: the entry's position, hash and the time of signing. */
export function checkpointMessage(seq: number, hash: string, at: number): Buffer {
  return Buffer.from(canonicalJson({ v: 1, seq, hash, at }), 'utf8');
}
