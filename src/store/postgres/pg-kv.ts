/**
 * The kv section on PostgreSQL: small named JSON values (rule state, counters, wrapped epoch keys),
 * kept as `json` so they read back exactly as written (pg-migrations.ts).
 */
import type pg from 'pg';
import type { KvStore } from '../store.js';
import { guard } from './pg-sql.js';

export function createPgKvStore(pool: pg.Pool, schema: string): KvStore {
  const t = `${schema}.kv`;
  return {
    get: <T>(key: string) =>
      guard(
        (async () => {
          // The driver parses json columns (JSON.parse).
          const row = (await pool.query<{ value: T }>(`SELECT value FROM ${t} WHERE key = $1`, [key])).rows[0];
          return row ? row.value : null;
        })(),
      ),
    set: (key, value) =>
      guard(
        (async () => {
          const text = JSON.stringify(value);
          // JSON.stringify(undefined) is undefined: such a value cannot be stored (KvStore holds JSON values).
          if (text === undefined) throw new TypeError(`kv value for ${key} is not JSON-serialisable`);
          await pool.query(`INSERT INTO ${t} (key, value) VALUES ($1, $2::json) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [key, text]);
        })(),
      ),
    setIfAbsent: <T>(key: string, value: T) =>
      guard(
        (async () => {
          const text = JSON.stringify(value);
          if (text === undefined) throw new TypeError(`kv value for ${key} is not JSON-serialisable`);
          // The insert and the read are one statement: when another writer got there first, the CTE
          // inserts nothing and the value is read back (a row committed before our statement began).
          const r = await pool.query<{ value: T }>(
            `WITH ins AS (INSERT INTO ${t} (key, value) VALUES ($1, $2::json) ON CONFLICT (key) DO NOTHING RETURNING value)
             SELECT value FROM ins UNION ALL SELECT value FROM ${t} WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM ins)`,
            [key, text],
          );
          const row = r.rows[0];
          if (row) return row.value;
          // The conflicting row committed after our snapshot was taken: read it now.
          const again = (await pool.query<{ value: T }>(`SELECT value FROM ${t} WHERE key = $1`, [key])).rows[0];
          if (!again) throw new Error(`kv ${key}: neither inserted nor found`);
          return again.value;
        })(),
      ),
    add: (key, delta) =>
      guard(
        (async () => {
          if (!Number.isFinite(delta)) throw new TypeError(`kv add to ${key}: the delta is not a finite number`);
          // One statement: the row lock of ON CONFLICT serialises concurrent adders on every node.
          // A value that is not a JSON number makes the CASE NULL, which NOT NULL refuses.
          try {
            const r = await pool.query<{ value: number }>(
              `INSERT INTO ${t} AS kv (key, value) VALUES ($1, to_json($2::float8)) ON CONFLICT (key) DO UPDATE
                 SET value = CASE WHEN json_typeof(kv.value) = 'number' THEN to_json((kv.value::text)::float8 + $2::float8) END
               RETURNING value`,
              [key, delta],
            );
            return (r.rows[0] as { value: number }).value;
          } catch (err) {
            if (err instanceof Error && 'code' in err && err.code === '23502') throw new TypeError(`kv add to ${key}: it holds something other than a number`);
            throw err;
          }
        })(),
      ),
    delete: (key) =>
      guard(
        (async () => {
          await pool.query(`DELETE FROM ${t} WHERE key = $1`, [key]);
        })(),
      ),
    // A range on the primary key, then an exact prefix test (no LIKE: `%` and `_` are literal here).
    list: <T>(prefix: string) =>
      guard(
        (async () => {
          const r = await pool.query<{ key: string; value: T }>(`SELECT key, value FROM ${t} WHERE key >= $1 AND starts_with(key, $1) ORDER BY key`, [prefix]);
          return r.rows.map((row): [string, T] => [row.key, row.value]);
        })(),
      ),
  };
}
