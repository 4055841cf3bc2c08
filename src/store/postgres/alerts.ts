/**
 * PostgreSQL alerts section (SPEC §7 `store: postgres`). Same tables and semantics as
 * sqlite/alerts.ts, inside the schema the store was given, but correct with several hub nodes
 * writing at once: change numbers are handed out under a row lock (see `commit`) and the tables are
 * created under a transaction-level advisory lock, so two nodes starting together do not race on
 * `CREATE TABLE IF NOT EXISTS` (which is not atomic in PostgreSQL: the loser fails on pg_type).
 *
 * Records are read back from JSON `body` columns, which are lossless (JSON escapes U+0000 and lone
 * surrogates). The other text columns exist only to filter, order and index; PostgreSQL `text`
 * cannot hold U+0000 and the driver turns lone surrogates into U+FFFD, so those columns hold
 * `toSql(value)` (pg-text.ts), an injective escape that leaves ordinary values unchanged. Key
 * columns use COLLATE "C" so ordering is by code point, as in SQLite and the memory adapter,
 * whatever the database's collation.
 */
import type pg from 'pg';
import type {
  AlertChange,
  AlertQuery,
  AlertRecord,
  AlertStore,
  DeliveryState,
  RuleDefRecord,
  SealedWatchEntry,
  WebhookDelivery,
} from '../alerts.js';
import { openSection } from './pg-section.js';
import { guardSection, transaction } from './pg-sql.js';
import { fromSql, toSql, toSqlOrNull } from './pg-text.js';

const ddl = (s: string): string => `
CREATE TABLE IF NOT EXISTS ${s}.alerts (
  id text COLLATE "C" PRIMARY KEY,
  rule text NOT NULL,
  dedup_key text NOT NULL,
  state text NOT NULL,
  severity text NOT NULL,
  site text NOT NULL,
  device text,
  first_seen bigint NOT NULL,
  body text NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_by_time ON ${s}.alerts (first_seen DESC, id DESC);
CREATE INDEX IF NOT EXISTS alerts_by_state ON ${s}.alerts (state, first_seen DESC);
CREATE UNIQUE INDEX IF NOT EXISTS alerts_one_unresolved ON ${s}.alerts (rule, dedup_key) WHERE state <> 'resolved';
CREATE TABLE IF NOT EXISTS ${s}.alert_changes (n bigint PRIMARY KEY, at bigint NOT NULL, action text NOT NULL, body text NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.alert_change_counter (one boolean PRIMARY KEY DEFAULT true CHECK (one), n bigint NOT NULL);
INSERT INTO ${s}.alert_change_counter (one, n) SELECT true, COALESCE(MAX(n), 0) FROM ${s}.alert_changes ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS ${s}.alert_rule_state (key text COLLATE "C" PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.alert_rule_defs (
  id text COLLATE "C" PRIMARY KEY, def text NOT NULL, updated_at bigint NOT NULL, updated_by text NOT NULL
);
CREATE TABLE IF NOT EXISTS ${s}.alert_watchlist (
  id text COLLATE "C" PRIMARY KEY, list text NOT NULL, expires_at bigint NOT NULL, created_at bigint NOT NULL, sealed text NOT NULL
);
CREATE TABLE IF NOT EXISTS ${s}.alert_webhook_deliveries (
  id text COLLATE "C" PRIMARY KEY, state text NOT NULL, created_at bigint NOT NULL, updated_at bigint NOT NULL, body text NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_webhook_by_time ON ${s}.alert_webhook_deliveries (created_at DESC, id DESC);
`;

const bodies = <T>(rows: ReadonlyArray<{ body: string }>): T[] => rows.map((r) => JSON.parse(r.body) as T);

export async function createPostgresAlertStore(pool: pg.Pool, schema: string): Promise<AlertStore> {
  const s = await openSection(pool, schema, 'alerts/migrate', ddl);

  return guardSection({
    /**
     * Change numbers must be unique, increasing, and become visible in increasing order: an SSE
     * client resumes with "changes after n", so a change committed later with a smaller n than one
     * already seen would be lost to it. A sequence gives uniqueness but not that visibility order
     * (nextval happens before commit, and commits can finish out of order). So the one counter row
     * is locked with SELECT … FOR UPDATE first: committers on every node queue on it, each reads
     * the number its predecessor committed and holds the lock until its own COMMIT. The caller's
     * `n` is kept when it is ahead of the counter (one node: it always is, exactly as in SQLite);
     * a number another node already used is moved to the next free one, in item order.
     */
    async commit(items) {
      if (items.length === 0) return;
      await transaction(pool, async (c) => {
        const counter = await c.query<{ n: string }>(`SELECT n FROM ${s}.alert_change_counter FOR UPDATE`);
        let last = Number(counter.rows[0]?.n ?? 0);
        const ns: number[] = [];
        const ats: number[] = [];
        const actions: string[] = [];
        const changeBodies: string[] = [];
        for (const { alert: a, change: ch } of items) {
          // One statement per alert, in item order: the partial unique index is checked row by row.
          await c.query(
            `INSERT INTO ${s}.alerts (id, rule, dedup_key, state, severity, site, device, first_seen, body) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
             ON CONFLICT (id) DO UPDATE SET state = excluded.state, severity = excluded.severity, site = excluded.site,
               device = excluded.device, body = excluded.body`,
            [toSql(a.id), toSql(a.rule), toSql(a.dedup_key), toSql(a.state), toSql(a.severity), toSql(a.site), toSqlOrNull(a.device), a.first_seen, JSON.stringify(a)],
          );
          last = Math.max(ch.n, last + 1);
          ns.push(last);
          ats.push(ch.at);
          actions.push(toSql(ch.action));
          changeBodies.push(JSON.stringify(last === ch.n ? ch : { ...ch, n: last }));
        }
        await c.query(
          `INSERT INTO ${s}.alert_changes (n, at, action, body) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[])`,
          [ns, ats, actions, changeBodies],
        );
        await c.query(`UPDATE ${s}.alert_change_counter SET n = $1`, [last]);
      });
    },
    async getAlert(id) {
      const r = await pool.query<{ body: string }>(`SELECT body FROM ${s}.alerts WHERE id = $1`, [toSql(id)]);
      return bodies<AlertRecord>(r.rows)[0] ?? null;
    },
    async listAlerts(q: AlertQuery) {
      const where: string[] = [];
      const params: unknown[] = [];
      const param = (v: unknown): string => `$${params.push(v)}`;
      const eq = (col: string, v: string | undefined): void => {
        if (v !== undefined) where.push(`${col} = ${param(toSql(v))}`);
      };
      eq('state', q.state);
      eq('severity', q.severity);
      eq('site', q.site);
      eq('device', q.device);
      eq('rule', q.rule);
      if (q.sites) where.push(q.sites.length ? `site = ANY(${param(q.sites.map(toSql))}::text[])` : 'false');
      if (q.before) where.push(`(first_seen, id) < (${param(q.before.first_seen)}::bigint, ${param(toSql(q.before.id))}::text)`);
      const r = await pool.query<{ body: string }>(
        `SELECT body FROM ${s}.alerts ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY first_seen DESC, id DESC LIMIT ${param(q.limit)}`,
        params,
      );
      return bodies<AlertRecord>(r.rows);
    },
    async unresolvedAlerts() {
      const r = await pool.query<{ body: string }>(`SELECT body FROM ${s}.alerts WHERE state <> 'resolved'`);
      return bodies<AlertRecord>(r.rows);
    },
    async changesAfter(after, limit) {
      const r = await pool.query<{ body: string }>(`SELECT body FROM ${s}.alert_changes WHERE n > $1 ORDER BY n LIMIT $2`, [after, limit]);
      return bodies<AlertChange>(r.rows);
    },
    /** The counter, not MAX(n): it never goes back, even if pruning emptied the log, so no number is reused. */
    async lastChange() {
      const r = await pool.query<{ n: string }>(`SELECT n FROM ${s}.alert_change_counter`);
      return Number(r.rows[0]?.n ?? 0);
    },
    async firstChange() {
      const r = await pool.query<{ n: string }>(`SELECT COALESCE(MIN(n), 0) AS n FROM ${s}.alert_changes`);
      return Number(r.rows[0]?.n ?? 0);
    },
    async pruneChanges(keepFrom) {
      await pool.query(`DELETE FROM ${s}.alert_changes WHERE n < $1`, [keepFrom]);
    },

    async loadRuleState() {
      const r = await pool.query<{ key: string; value: string }>(`SELECT key, value FROM ${s}.alert_rule_state ORDER BY key`);
      return r.rows.map((row): [string, unknown] => [fromSql(row.key), JSON.parse(row.value) as unknown]);
    },
    async saveRuleState(puts, deletes) {
      if (puts.length === 0 && deletes.length === 0) return;
      await transaction(pool, async (c) => {
        if (deletes.length) await c.query(`DELETE FROM ${s}.alert_rule_state WHERE key = ANY($1::text[])`, [deletes.map(toSql)]);
        // Last put of a key wins, as with one upsert per entry (one INSERT may not touch a row twice).
        const latest = new Map(puts.map(([k, v]) => [toSql(k), JSON.stringify(v)]));
        if (latest.size) {
          await c.query(
            `INSERT INTO ${s}.alert_rule_state (key, value) SELECT * FROM unnest($1::text[], $2::text[])
             ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
            [[...latest.keys()], [...latest.values()]],
          );
        }
      });
    },

    async listRuleDefs() {
      const r = await pool.query<{ id: string; def: string; updated_at: string; updated_by: string }>(
        `SELECT id, def, updated_at, updated_by FROM ${s}.alert_rule_defs ORDER BY id`,
      );
      return r.rows.map(
        (row) => ({ id: fromSql(row.id), def: JSON.parse(row.def) as unknown, updated_at: Number(row.updated_at), updated_by: fromSql(row.updated_by) }) satisfies RuleDefRecord,
      );
    },
    async putRuleDef(d) {
      await pool.query(
        `INSERT INTO ${s}.alert_rule_defs (id, def, updated_at, updated_by) VALUES ($1,$2,$3,$4)
         ON CONFLICT (id) DO UPDATE SET def = excluded.def, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        [toSql(d.id), JSON.stringify(d.def), d.updated_at, toSql(d.updated_by)],
      );
    },
    async deleteRuleDef(id) {
      const r = await pool.query(`DELETE FROM ${s}.alert_rule_defs WHERE id = $1`, [toSql(id)]);
      return (r.rowCount ?? 0) > 0;
    },

    async putWatchEntry(e) {
      await pool.query(
        `INSERT INTO ${s}.alert_watchlist (id, list, expires_at, created_at, sealed) VALUES ($1,$2,$3,$4,$5)
         ON CONFLICT (id) DO UPDATE SET list = excluded.list, expires_at = excluded.expires_at, sealed = excluded.sealed`,
        [toSql(e.id), toSql(e.list), e.expires_at, e.created_at, toSql(e.sealed)],
      );
    },
    async listWatchEntries() {
      const r = await pool.query<{ id: string; list: string; expires_at: string; created_at: string; sealed: string }>(
        `SELECT id, list, expires_at, created_at, sealed FROM ${s}.alert_watchlist ORDER BY created_at, id`,
      );
      return r.rows.map(
        (row) =>
          ({
            id: fromSql(row.id),
            list: fromSql(row.list),
            expires_at: Number(row.expires_at),
            created_at: Number(row.created_at),
            sealed: fromSql(row.sealed),
          }) satisfies SealedWatchEntry,
      );
    },
    async deleteWatchEntry(id) {
      const r = await pool.query(`DELETE FROM ${s}.alert_watchlist WHERE id = $1`, [toSql(id)]);
      return (r.rowCount ?? 0) > 0;
    },

    async putDelivery(d) {
      await pool.query(
        `INSERT INTO ${s}.alert_webhook_deliveries (id, state, created_at, updated_at, body) VALUES ($1,$2,$3,$4,$5)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, body = excluded.body`,
        [toSql(d.id), toSql(d.state), d.created_at, d.updated_at, JSON.stringify(d)],
      );
    },
    /** As in SQLite, an empty `states` list does not restrict. */
    async listDeliveries(q: { states?: readonly DeliveryState[]; limit: number }) {
      const states = q.states ?? [];
      const r = states.length
        ? await pool.query<{ body: string }>(
            `SELECT body FROM ${s}.alert_webhook_deliveries WHERE state = ANY($1::text[]) ORDER BY created_at DESC, id DESC LIMIT $2`,
            [states.map(toSql), q.limit],
          )
        : await pool.query<{ body: string }>(`SELECT body FROM ${s}.alert_webhook_deliveries ORDER BY created_at DESC, id DESC LIMIT $1`, [q.limit]);
      return bodies<WebhookDelivery>(r.rows);
    },
    async pruneDeliveries(before) {
      await pool.query(`DELETE FROM ${s}.alert_webhook_deliveries WHERE state <> 'pending' AND updated_at < $1`, [before]);
    },
  });
}
