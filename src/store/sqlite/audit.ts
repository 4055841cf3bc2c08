/**
 * SQLite audit section (SPEC §5.7). It shares the main store's keyed handle (encrypted at rest) and
 * owns the tables `audit_log` and `audit_checkpoints`. Triggers refuse UPDATE and DELETE, so the
 * log is append-only for anything short of dropping the triggers — which the hash chain and signed
 * checkpoints then reveal (`parapet audit verify`). The driver is declared structurally (STYLE: kysely).
 *
 * The section migrates its own table (it is not in migrations.ts: on a new store the main schema is
 * made before the section exists): UPGRADES add what later versions need to a log made earlier,
 * each once, under the write lock. `sites` holds a JSON array of strings, NULL for a global entry.
 * `audit_sites` (site, seq) indexes it — one row per site of an entry, written in the entry's
 * transaction and append-only like the log — so a site-scoped auditor's query reads the entries of
 * its sites instead of walking the whole log (PostgreSQL has a GIN index on its text[] instead).
 */
import type { AuditAppend, AuditCheckpoint, AuditEntry, AuditHead, AuditOutcome, AuditQuery, AuditStore } from '../audit.js';

interface Statement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

type Maker = (head: AuditHead | null) => AuditAppend;

export interface SqliteAuditDatabase {
  prepare(sql: string): Statement;
  exec(sql: string): unknown;
  transaction(fn: (make: Maker) => AuditEntry): { (make: Maker): AuditEntry; immediate(make: Maker): AuditEntry };
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_log (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  outcome TEXT NOT NULL,
  detail TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  sites TEXT
);
CREATE INDEX IF NOT EXISTS audit_log_by_time ON audit_log (at);
CREATE INDEX IF NOT EXISTS audit_log_by_action ON audit_log (action, seq);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  seq INTEGER PRIMARY KEY,
  hash TEXT NOT NULL,
  at INTEGER NOT NULL,
  signature TEXT NOT NULL,
  key_id TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
  BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
  BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
`;

/** Columns a log made by an earlier version lacks, with the statement that adds each (in order). */
const UPGRADES: ReadonlyArray<{ readonly column: string; readonly sql: string }> = [
  // Entries before this column concern no site in particular: NULL, global (SPEC §5.3).
  { column: 'sites', sql: 'ALTER TABLE audit_log ADD COLUMN sites TEXT' },
];

/** The site index and its backfill from the entries already logged (a log made before it). */
const SITE_INDEX = `
CREATE TABLE audit_sites (site TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (site, seq)) WITHOUT ROWID;
INSERT OR IGNORE INTO audit_sites (site, seq)
  SELECT s.value, l.seq FROM audit_log AS l, json_each(l.sites) AS s
  WHERE l.sites IS NOT NULL AND json_valid(l.sites) AND json_type(l.sites) = 'array' AND s.type = 'text';
CREATE TRIGGER audit_sites_no_update BEFORE UPDATE ON audit_sites
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_sites_no_delete BEFORE DELETE ON audit_sites
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`;

function upgrade(db: SqliteAuditDatabase): void {
  const missing = (): string[] => {
    const have = new Set((db.prepare('PRAGMA table_info(audit_log)').all() as Array<{ name: string }>).map((c) => c.name));
    const steps = UPGRADES.filter((u) => !have.has(u.column)).map((u) => u.sql);
    if (db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'audit_sites'").get() === undefined) steps.push(SITE_INDEX);
    return steps;
  };
  if (missing().length === 0) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    // Re-read under the write lock: another process opening the same file may have upgraded it.
    for (const sql of missing()) db.exec(sql);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

interface Row {
  seq: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  detail: string | null;
  prev_hash: string;
  hash: string;
  sites: string | null;
}

/**
 * A stored sites value. One that is not a JSON array of strings (only a hand-edited row holds one)
 * reads as its raw text named twice: the log never writes a repeated site (audit-log.ts), so the
 * hash check reports the entry as edited, where a failed read would stop verification instead.
 */
function parseSites(text: string | null): string[] {
  if (text === null) return [];
  try {
    const v: unknown = JSON.parse(text);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // falls through
  }
  return [text, text];
}

function toEntry(r: Row): AuditEntry {
  return {
    seq: r.seq,
    at: r.at,
    actor: r.actor,
    action: r.action,
    target: r.target,
    outcome: r.outcome as AuditOutcome,
    detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
    sites: parseSites(r.sites),
    prev_hash: r.prev_hash,
    hash: r.hash,
  };
}

const COLS = 'seq, at, actor, action, target, outcome, detail, prev_hash, hash, sites';

export function createSqliteAuditStore(db: SqliteAuditDatabase): AuditStore {
  db.exec(SCHEMA);
  upgrade(db);
  const headStmt = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  const insert = db.prepare(`INSERT INTO audit_log (${COLS}) VALUES (?,?,?,?,?,?,?,?,?,?)`);
  const insertSite = db.prepare('INSERT OR IGNORE INTO audit_sites (site, seq) VALUES (?, ?)');
  const insertCp = db.prepare('INSERT OR IGNORE INTO audit_checkpoints (seq, hash, at, signature, key_id) VALUES (?,?,?,?,?)');
  const scanStmt = db.prepare(`SELECT ${COLS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`);
  const cpStmt = db.prepare('SELECT seq, hash, at, signature, key_id FROM audit_checkpoints ORDER BY seq');
  const countStmt = db.prepare('SELECT COUNT(*) AS n FROM audit_log');

  const readHead = (): AuditHead | null => (headStmt.get() as AuditHead | undefined) ?? null;
  const addCp = (c: AuditCheckpoint): void => void insertCp.run(c.seq, c.hash, c.at, c.signature, c.key_id);

  const tx = db.transaction((make: Maker) => {
    const { entry: e, checkpoint } = make(readHead());
    insert.run(e.seq, e.at, e.actor, e.action, e.target, e.outcome, e.detail === null ? null : JSON.stringify(e.detail), e.prev_hash, e.hash, e.sites.length > 0 ? JSON.stringify(e.sites) : null);
    for (const site of e.sites) insertSite.run(site, e.seq);
    if (checkpoint) addCp(checkpoint);
    return e;
  });
  // IMMEDIATE: take the write lock before reading the head, so another process cannot append between.
  return {
    async append(make) {
      return tx.immediate(make);
    },
    async head() {
      return readHead();
    },
    async query(q: AuditQuery) {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (sql: string, v: unknown): void => {
        where.push(sql);
        params.push(v);
      };
      if (q.from !== undefined) add('at >= ?', q.from);
      if (q.to !== undefined) add('at < ?', q.to);
      if (q.actor !== undefined) add('actor = ?', q.actor);
      if (q.target !== undefined) add('target = ?', q.target);
      if (q.outcome !== undefined) add('outcome = ?', q.outcome);
      if (q.before !== undefined) add('seq < ?', q.before);
      if (q.sites !== undefined) {
        // The site index finds the candidates; the row itself confirms them, so the row stays the
        // authority. CASE, not AND: a hand-edited sites value that is not JSON must not fail the query.
        const marks = q.sites.map(() => '?').join(',');
        where.push(
          q.sites.length === 0
            ? '0'
            : `seq IN (SELECT seq FROM audit_sites WHERE site IN (${marks})) AND CASE WHEN json_valid(sites) THEN EXISTS (SELECT 1 FROM json_each(audit_log.sites) AS s WHERE s.value IN (${marks})) ELSE 0 END`,
        );
        params.push(...q.sites, ...q.sites);
      }
      if (q.action !== undefined) {
        if (q.action.endsWith('.*')) {
          const prefix = q.action.slice(0, -1);
          where.push('substr(action, 1, length(?)) = ?');
          params.push(prefix, prefix);
        } else add('action = ?', q.action);
      }
      const sql = `SELECT ${COLS} FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`;
      return (db.prepare(sql).all(...params, q.limit) as Row[]).map(toEntry);
    },
    async scan(afterSeq, limit) {
      return (scanStmt.all(afterSeq, limit) as Row[]).map(toEntry);
    },
    async addCheckpoint(c) {
      addCp(c);
    },
    async checkpoints() {
      return cpStmt.all() as AuditCheckpoint[];
    },
    async count() {
      return (countStmt.get() as { n: number }).n;
    },
  };
}
