/**
 * SQLite alerts section. It takes the already-open (and keyed, SPEC §3 "encrypted at rest")
 * better-sqlite3 handle of the main store and creates its own tables, all prefixed `alert_` or
 * named `alerts`, so it never collides with the other sections. The driver is declared
 * structurally (STYLE: kysely) so this file does not depend on the driver package.
 */
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

export interface SqliteStatement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS alerts (
  id TEXT PRIMARY KEY,
  rule TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  state TEXT NOT NULL,
  severity TEXT NOT NULL,
  site TEXT NOT NULL,
  device TEXT,
  first_seen INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_by_time ON alerts (first_seen DESC, id DESC);
CREATE INDEX IF NOT EXISTS alerts_by_state ON alerts (state, first_seen DESC);
CREATE UNIQUE INDEX IF NOT EXISTS alerts_one_unresolved ON alerts (rule, dedup_key) WHERE state != 'resolved';
CREATE TABLE IF NOT EXISTS alert_changes (
  n INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  action TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_rule_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alert_rule_defs (
  id TEXT PRIMARY KEY, def TEXT NOT NULL, updated_at INTEGER NOT NULL, updated_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_watchlist (
  id TEXT PRIMARY KEY, list TEXT NOT NULL, expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL, sealed TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_webhook_deliveries (
  id TEXT PRIMARY KEY, state TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_webhook_by_time ON alert_webhook_deliveries (created_at DESC);
`;

const parse = <T>(row: unknown, col: string): T => JSON.parse((row as Record<string, string>)[col] ?? 'null') as T;

export function createSqliteAlertStore(db: SqliteDatabase): AlertStore {
  db.exec(SCHEMA);
  const upsertAlert = db.prepare(
    `INSERT INTO alerts (id, rule, dedup_key, state, severity, site, device, first_seen, body) VALUES (?,?,?,?,?,?,?,?,?)
     ON CONFLICT(id) DO UPDATE SET state=excluded.state, severity=excluded.severity, site=excluded.site,
       device=excluded.device, body=excluded.body`,
  );
  const insertChange = db.prepare('INSERT INTO alert_changes (n, at, action, body) VALUES (?,?,?,?)');
  const getAlert = db.prepare('SELECT body FROM alerts WHERE id = ?');
  const unresolved = db.prepare("SELECT body FROM alerts WHERE state != 'resolved'");
  const changesAfter = db.prepare('SELECT body FROM alert_changes WHERE n > ? ORDER BY n LIMIT ?');
  const lastChange = db.prepare('SELECT COALESCE(MAX(n), 0) AS n FROM alert_changes');
  const firstChange = db.prepare('SELECT COALESCE(MIN(n), 0) AS n FROM alert_changes');
  const pruneChanges = db.prepare('DELETE FROM alert_changes WHERE n < ?');
  const loadState = db.prepare('SELECT key, value FROM alert_rule_state');
  const putState = db.prepare('INSERT INTO alert_rule_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  const delState = db.prepare('DELETE FROM alert_rule_state WHERE key = ?');
  const listDefs = db.prepare('SELECT id, def, updated_at, updated_by FROM alert_rule_defs ORDER BY id');
  const putDef = db.prepare(
    'INSERT INTO alert_rule_defs (id, def, updated_at, updated_by) VALUES (?,?,?,?) ON CONFLICT(id) DO UPDATE SET def=excluded.def, updated_at=excluded.updated_at, updated_by=excluded.updated_by',
  );
  const delDef = db.prepare('DELETE FROM alert_rule_defs WHERE id = ?');
  const putWatch = db.prepare(
    'INSERT INTO alert_watchlist (id, list, expires_at, created_at, sealed) VALUES (?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET list=excluded.list, expires_at=excluded.expires_at, sealed=excluded.sealed',
  );
  const listWatch = db.prepare('SELECT id, list, expires_at, created_at, sealed FROM alert_watchlist ORDER BY created_at, id');
  const delWatch = db.prepare('DELETE FROM alert_watchlist WHERE id = ?');
  const putDelivery = db.prepare(
    'INSERT INTO alert_webhook_deliveries (id, state, created_at, updated_at, body) VALUES (?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET state=excluded.state, updated_at=excluded.updated_at, body=excluded.body',
  );
  const pruneDeliveries = db.prepare("DELETE FROM alert_webhook_deliveries WHERE state != 'pending' AND updated_at < ?");

  /** better-sqlite3 is synchronous, so nothing can interleave between BEGIN and COMMIT. */
  const inTx = (fn: () => void): void => {
    db.exec('BEGIN IMMEDIATE');
    try {
      fn();
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  };
  const commitTx = (items: ReadonlyArray<{ alert: AlertRecord; change: AlertChange }>): void => inTx(() => {
    for (const { alert: a, change: c } of items) {
      upsertAlert.run(a.id, a.rule, a.dedup_key, a.state, a.severity, a.site, a.device, a.first_seen, JSON.stringify(a));
      insertChange.run(c.n, c.at, c.action, JSON.stringify(c));
    }
  });
  const saveStateTx = (puts: ReadonlyArray<readonly [string, unknown]>, deletes: readonly string[]): void => inTx(() => {
    for (const k of deletes) delState.run(k);
    for (const [k, v] of puts) putState.run(k, JSON.stringify(v));
  });

  return {
    async commit(items) {
      if (items.length) commitTx(items);
    },
    async getAlert(id) {
      const row = getAlert.get(id);
      return row ? parse<AlertRecord>(row, 'body') : null;
    },
    async listAlerts(q: AlertQuery) {
      const where: string[] = [];
      const params: unknown[] = [];
      const eq = (col: string, v: string | undefined): void => {
        if (v === undefined) return;
        where.push(`${col} = ?`);
        params.push(v);
      };
      eq('state', q.state);
      eq('severity', q.severity);
      eq('site', q.site);
      eq('device', q.device);
      eq('rule', q.rule);
      if (q.sites) {
        where.push(q.sites.length ? `site IN (${q.sites.map(() => '?').join(',')})` : '0');
        params.push(...q.sites);
      }
      if (q.before) {
        where.push('(first_seen < ? OR (first_seen = ? AND id < ?))');
        params.push(q.before.first_seen, q.before.first_seen, q.before.id);
      }
      const sql = `SELECT body FROM alerts ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY first_seen DESC, id DESC LIMIT ?`;
      return db.prepare(sql).all(...params, q.limit).map((r) => parse<AlertRecord>(r, 'body'));
    },
    async unresolvedAlerts() {
      return unresolved.all().map((r) => parse<AlertRecord>(r, 'body'));
    },
    async changesAfter(after, limit) {
      return changesAfter.all(after, limit).map((r) => parse<AlertChange>(r, 'body'));
    },
    async lastChange() {
      return (lastChange.get() as { n: number }).n;
    },
    async firstChange() {
      return (firstChange.get() as { n: number }).n;
    },
    async pruneChanges(keepFrom) {
      pruneChanges.run(keepFrom);
    },

    async loadRuleState() {
      return loadState.all().map((r) => {
        const row = r as { key: string; value: string };
        return [row.key, JSON.parse(row.value) as unknown];
      });
    },
    async saveRuleState(puts, deletes) {
      if (puts.length || deletes.length) saveStateTx(puts, deletes);
    },

    async listRuleDefs() {
      return listDefs.all().map((r) => {
        const row = r as { id: string; def: string; updated_at: number; updated_by: string };
        return { id: row.id, def: JSON.parse(row.def) as unknown, updated_at: row.updated_at, updated_by: row.updated_by } satisfies RuleDefRecord;
      });
    },
    async putRuleDef(r) {
      putDef.run(r.id, JSON.stringify(r.def), r.updated_at, r.updated_by);
    },
    async deleteRuleDef(id) {
      return (delDef.run(id) as { changes: number }).changes > 0;
    },

    async putWatchEntry(e) {
      putWatch.run(e.id, e.list, e.expires_at, e.created_at, e.sealed);
    },
    async listWatchEntries() {
      return listWatch.all() as SealedWatchEntry[];
    },
    async deleteWatchEntry(id) {
      return (delWatch.run(id) as { changes: number }).changes > 0;
    },

    async putDelivery(d) {
      putDelivery.run(d.id, d.state, d.created_at, d.updated_at, JSON.stringify(d));
    },
    async listDeliveries(q: { states?: readonly DeliveryState[]; limit: number }) {
      const states = q.states ?? [];
      const where = states.length ? `WHERE state IN (${states.map(() => '?').join(',')})` : '';
      return db
        .prepare(`SELECT body FROM alert_webhook_deliveries ${where} ORDER BY created_at DESC, id DESC LIMIT ?`)
        .all(...states, q.limit)
        .map((r) => parse<WebhookDelivery>(r, 'body'));
    },
    async pruneDeliveries(before) {
      pruneDeliveries.run(before);
    },
  };
}
