/** In-memory audit section (tests, `store.kind: memory`). */
import { auditMatches, type AuditCheckpoint, type AuditEntry, type AuditHead, type AuditQuery, type AuditStore } from '../audit.js';

export interface MemoryAuditStore extends AuditStore {
  /** The raw rows, for tamper tests. */
  readonly rows: AuditEntry[];
}

export function createMemoryAuditStore(): MemoryAuditStore {
  const rows: AuditEntry[] = [];
  const cps: AuditCheckpoint[] = [];
  const head = (): AuditHead | null => {
    const last = rows[rows.length - 1];
    return last ? { seq: last.seq, hash: last.hash } : null;
  };
  return {
    rows,
    async append(make) {
      const { entry, checkpoint } = make(head());
      rows.push(entry);
      if (checkpoint) cps.push(checkpoint);
      return entry;
    },
    async head() {
      return head();
    },
    async query(q: AuditQuery) {
      const out: AuditEntry[] = [];
      for (let i = rows.length - 1; i >= 0 && out.length < q.limit; i--) {
        const e = rows[i];
        if (e && auditMatches(e, q)) out.push(e);
      }
      return out;
    },
    async scan(afterSeq, limit) {
      return rows.filter((e) => e.seq > afterSeq).sort((a, b) => a.seq - b.seq).slice(0, limit);
    },
    async addCheckpoint(c) {
      cps.push(c);
    },
    async checkpoints() {
      return [...cps].sort((a, b) => a.seq - b.seq);
    },
    async count() {
      return rows.length;
    },
  };
}
