/**
 * PostgreSQL audit section (SPEC §5.7, §7 `store: postgres`). Same tables and semantics as
 * sqlite/audit.ts, inside the schema the store was given. A statement trigger refuses UPDATE,
 * DELETE and TRUNCATE, so the log is append-only for anything short of disabling the trigger (the
 * table owner can) — which the hash chain and signed checkpoints then reveal (`parapet audit verify`).
 * The tables are created under a transaction-level advisory lock, so two nodes starting together do
 * not race on `CREATE … IF NOT EXISTS` (not atomic in PostgreSQL). `CREATE OR REPLACE TRIGGER`
 * needs PostgreSQL 14 or later.
 *
 * PostgreSQL `text` cannot hold U+0000 and the driver turns lone surrogates into U+FFFD, yet actor
 * and target can carry what a client sent (a login name): those columns hold `toSql(value)`
 * (pg-text.ts), an injective escape that leaves ordinary values unchanged and is undone on read,
 * so entries come back exactly as hashed.
 *
 * The section migrates its own table (pg-section.ts, under the advisory lock): `sites` (SPEC §5.3),
 * a text[] of the sites an entry concerns or NULL for a global one, is added to a log made before
 * it by `ADD COLUMN IF NOT EXISTS`. A GIN index serves the site filter (`&&`) of scoped readers.
 */
import type pg from 'pg';
import type { AuditCheckpoint, AuditEntry, AuditHead, AuditOutcome, AuditQuery, AuditStore } from '../audit.js';
import { openSection } from './pg-section.js';
import { advisoryLockSql, guardSection, transaction } from './pg-sql.js';
import { fromSql, fromSqlOrNull, toSql, toSqlOrNull } from './pg-text.js';

const ddl = (s: string): string => `
CREATE TABLE IF NOT EXISTS ${s}.audit_log (
  seq bigint PRIMARY KEY,
  at bigint NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  target text,
  outcome text NOT NULL,
  detail text,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
-- Added after the first release: entries before it are global (NULL).
ALTER TABLE ${s}.audit_log ADD COLUMN IF NOT EXISTS sites text[];
CREATE INDEX IF NOT EXISTS audit_log_by_sites ON ${s}.audit_log USING gin (sites);
CREATE INDEX IF NOT EXISTS audit_log_by_time ON ${s}.audit_log (at);
CREATE INDEX IF NOT EXISTS audit_log_by_action ON ${s}.audit_log (action, seq);
CREATE TABLE IF NOT EXISTS ${s}.audit_checkpoints (
  seq bigint PRIMARY KEY,
  hash text NOT NULL,
  at bigint NOT NULL,
  signature text NOT NULL,
  key_id text NOT NULL
);
CREATE OR REPLACE FUNCTION ${s}.audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0];
END
$$;
CREATE OR REPLACE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${s}.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.audit_refuse_change('the audit log is append-only');
CREATE OR REPLACE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${s}.audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.audit_refuse_change('audit checkpoints are append-only');
`;

interface Row {
  seq: string;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  detail: string | null;
  prev_hash: string;
  hash: string;
  sites: string[] | null;
}

function toEntry(r: Row): AuditEntry {
  return {
    seq: Number(r.seq),
    at: Number(r.at),
    actor: fromSql(r.actor),
    action: fromSql(r.action),
    target: fromSqlOrNull(r.target),
    outcome: r.outcome as AuditOutcome,
    detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
    sites: r.sites === null ? [] : r.sites.map(fromSql),
    prev_hash: r.prev_hash,
    hash: r.hash,
  };
}

const COLS = 'seq, at, actor, action, target, outcome, detail, prev_hash, hash, sites';

export async function createPostgresAuditStore(pool: pg.Pool, schema: string): Promise<AuditStore> {
  const s = await openSection(pool, schema, 'audit/migrate', ddl);

  const readHead = async (c: pg.Pool | pg.PoolClient): Promise<AuditHead | null> => {
    const r = await c.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM ${s}.audit_log ORDER BY seq DESC LIMIT 1`);
    const row = r.rows[0];
    return row ? { seq: Number(row.seq), hash: row.hash } : null;
  };
  const insertCp = (c: pg.Pool | pg.PoolClient, cp: AuditCheckpoint): Promise<unknown> =>
    c.query(`INSERT INTO ${s}.audit_checkpoints (seq, hash, at, signature, key_id) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (seq) DO NOTHING`, [
      cp.seq,
      cp.hash,
      cp.at,
      cp.signature,
      cp.key_id,
    ]);

  return guardSection({
    /**
     * SQLite takes the database write lock (BEGIN IMMEDIATE) before reading the head. Here every
     * appender on every node first takes a transaction-level advisory lock private to this
     * schema's log, then reads the head in a new statement (so it sees the entry the previous
     * holder committed), and holds the lock until COMMIT. An advisory lock rather than
     * SELECT … FOR UPDATE because an empty log has no row to lock, and rather than LOCK TABLE
     * (SHARE ROW EXCLUSIVE) because that also conflicts with (auto)vacuum of the log. The seq
     * primary key would refuse a fork anyway; the lock makes concurrent appends queue, not fail.
     */
    async append(make) {
      return transaction(pool, async (c) => {
        await c.query(advisoryLockSql(schema, 'audit/append'));
        const { entry: e, checkpoint } = make(await readHead(c));
        await c.query(`INSERT INTO ${s}.audit_log (${COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`, [
          e.seq,
          e.at,
          toSql(e.actor),
          toSql(e.action),
          toSqlOrNull(e.target),
          toSql(e.outcome),
          e.detail === null ? null : JSON.stringify(e.detail),
          e.prev_hash,
          e.hash,
          e.sites.length > 0 ? e.sites.map(toSql) : null,
        ]);
        if (checkpoint) await insertCp(c, checkpoint);
        return e;
      });
    },
    async head() {
      return readHead(pool);
    },
    async query(q: AuditQuery) {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (cond: (p: string) => string, v: unknown): void => {
        where.push(cond(`$${params.push(v)}`));
      };
      if (q.from !== undefined) add((p) => `at >= ${p}`, q.from);
      if (q.to !== undefined) add((p) => `at < ${p}`, q.to);
      if (q.actor !== undefined) add((p) => `actor = ${p}`, toSql(q.actor));
      if (q.target !== undefined) add((p) => `target = ${p}`, toSql(q.target));
      if (q.outcome !== undefined) add((p) => `outcome = ${p}`, toSql(q.outcome));
      if (q.before !== undefined) add((p) => `seq < ${p}`, q.before);
      // NULL (a global entry) never overlaps; an empty list overlaps nothing.
      if (q.sites !== undefined) add((p) => `sites && ${p}::text[]`, q.sites.map(toSql));
      if (q.action !== undefined) {
        if (q.action.endsWith('.*')) add((p) => `starts_with(action, ${p})`, toSql(q.action.slice(0, -1)));
        else add((p) => `action = ${p}`, toSql(q.action));
      }
      const r = await pool.query<Row>(
        `SELECT ${COLS} FROM ${s}.audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT $${params.push(q.limit)}`,
        params,
      );
      return r.rows.map(toEntry);
    },
    async scan(afterSeq, limit) {
      const r = await pool.query<Row>(`SELECT ${COLS} FROM ${s}.audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, [afterSeq, limit]);
      return r.rows.map(toEntry);
    },
    async addCheckpoint(c) {
      await insertCp(pool, c);
    },
    async checkpoints() {
      const r = await pool.query<{ seq: string; hash: string; at: string; signature: string; key_id: string }>(
        `SELECT seq, hash, at, signature, key_id FROM ${s}.audit_checkpoints ORDER BY seq`,
      );
      return r.rows.map((row) => ({ seq: Number(row.seq), hash: row.hash, at: Number(row.at), signature: row.signature, key_id: row.key_id }));
    },
    async count() {
      const r = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${s}.audit_log`);
      return Number(r.rows[0]?.n ?? 0);
    },
  });
}
