/**
 * Verification of the audit chain (SPEC §5.7, `parapet audit verify`, `GET /audit/verify`). Walks
 * the entries in storage order and names the FIRST problem:
 * - edited: an entry's content no longer hashes to its stored hash, or its hash was recomputed
 *   (the next entry's link no longer matches);
 * - deleted: a gap in the sequence where the link points at no stored entry, or the log ends before
 *   a signed checkpoint;
 * - reordered: an entry links to a real entry that is not the one stored before it;
 * - rewritten: the chain is internally consistent but differs from a signed checkpoint (someone
 *   recomputed every hash), or a checkpoint's signature is not ours.
 */
import type { AuditCheckpoint, AuditEntry, AuditStore } from '../store/audit.js';
import { GENESIS_HASH, checkpointMessage, entryHash } from './chain.js';
import type { AuditSigner } from './signing.js';

export type AuditProblemKind = 'edited' | 'deleted' | 'reordered' | 'rewritten' | 'bad_signature';

export interface AuditProblem {
  readonly kind: AuditProblemKind;
  /** The first entry concerned. */
  readonly seq: number;
  readonly message: string;
}

export interface AuditVerifyReport {
  readonly ok: boolean;
  readonly entries: number;
  readonly checkpoints: number;
  /** Highest seq vouched for by a valid signature (0 when none). */
  readonly signed_through: number;
  readonly key_id: string;
  readonly public_key: string;
  readonly problem: AuditProblem | null;
}

const PAGE = 1000;

async function findByHash(store: AuditStore, hash: string): Promise<AuditEntry | null> {
  let after = 0;
  for (;;) {
    const page = await store.scan(after, PAGE);
    const hit = page.find((e) => e.hash === hash);
    if (hit) return hit;
    const last = page[page.length - 1];
    if (!last) return null;
    after = last.seq;
  }
}

async function linkProblem(store: AuditStore, e: AuditEntry, prevSeq: number): Promise<AuditProblem> {
  const target = await findByHash(store, e.prev_hash);
  if (target && target.seq !== prevSeq) {
    return { kind: 'reordered', seq: e.seq, message: `entry ${e.seq} is out of order: it follows entry ${target.seq}, not entry ${prevSeq}` };
  }
  if (e.seq > prevSeq + 1) {
    const first = prevSeq + 1;
    const range = e.seq - 1 > first ? `entries ${first}–${e.seq - 1} were` : `entry ${first} was`;
    return { kind: 'deleted', seq: first, message: `${range} deleted (the log jumps from ${prevSeq} to ${e.seq})` };
  }
  if (prevSeq === 0) return { kind: 'edited', seq: e.seq, message: `entry ${e.seq} does not start the chain: it was edited or entries before it were deleted` };
  return { kind: 'edited', seq: prevSeq, message: `entry ${prevSeq} was edited and its hash recomputed (entry ${e.seq} no longer links to it)` };
}

export async function verifyAuditChain(store: AuditStore, signer: AuditSigner): Promise<AuditVerifyReport> {
  const cps = await store.checkpoints();
  const validCps: AuditCheckpoint[] = [];
  let problem: AuditProblem | null = null;
  for (const c of cps) {
    if (c.key_id !== signer.keyId || !signer.verify(checkpointMessage(c.seq, c.hash, c.at), c.signature)) {
      problem = { kind: 'bad_signature', seq: c.seq, message: `the checkpoint at entry ${c.seq} is not signed by this installation's audit key` };
      break;
    }
    validCps.push(c);
  }
  const cpBySeq = new Map(validCps.map((c) => [c.seq, c]));
  let prevHash = GENESIS_HASH;
  let prevSeq = 0;
  let entries = 0;
  let lastCpSeq = 0;
  let after = 0;
  walk: while (!problem) {
    const page = await store.scan(after, PAGE);
    if (page.length === 0) break;
    for (const e of page) {
      entries++;
      if (entryHash(e, e.prev_hash) !== e.hash) {
        problem = { kind: 'edited', seq: e.seq, message: `entry ${e.seq} was edited: its content does not match its hash` };
        break walk;
      }
      if (e.prev_hash !== prevHash) {
        problem = await linkProblem(store, e, prevSeq);
        break walk;
      }
      if (e.seq !== prevSeq + 1) {
        problem = { kind: 'reordered', seq: e.seq, message: `entry ${e.seq} was renumbered (expected ${prevSeq + 1})` };
        break walk;
      }
      const cp = cpBySeq.get(e.seq);
      if (cp && cp.hash !== e.hash) {
        problem = {
          kind: 'rewritten',
          seq: lastCpSeq + 1,
          message: `entries ${lastCpSeq + 1}–${e.seq} were rewritten: the chain no longer matches the checkpoint signed at entry ${e.seq}`,
        };
        break walk;
      }
      if (cp) lastCpSeq = e.seq;
      prevHash = e.hash;
      prevSeq = e.seq;
      after = e.seq;
    }
  }
  const lastCp = validCps[validCps.length - 1];
  if (!problem && lastCp && lastCp.seq > prevSeq) {
    problem = { kind: 'deleted', seq: prevSeq + 1, message: `entries ${prevSeq + 1}–${lastCp.seq} were deleted: a checkpoint vouches for entry ${lastCp.seq} but the log ends at ${prevSeq}` };
  }
  return {
    ok: problem === null,
    entries,
    checkpoints: cps.length,
    signed_through: problem ? 0 : lastCpSeq,
    key_id: signer.keyId,
    public_key: signer.publicKey,
    problem,
  };
}
