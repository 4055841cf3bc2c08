/**
 * What the sections keeping tables of their own in the store's schema share (alerts.ts, audit.ts).
 * They are opened on the store's pool apart from the store's migrations (pg-migrations.ts), so each
 * checks the schema name and creates its tables itself: under a transaction-level advisory lock, so
 * two nodes starting together do not race on `CREATE … IF NOT EXISTS` (not atomic in PostgreSQL:
 * the loser fails on pg_type).
 */
import type pg from 'pg';
import { ParapetError } from '../../core/errors.js';
import { advisoryLockSql, ident, SCHEMA_PATTERN, sqlState, transaction, type LockPurpose } from './pg-sql.js';

/**
 * Checks the schema name, runs the section's `ddl` under the advisory lock for `purpose` and returns
 * the quoted schema name for the section's statements.
 */
export async function openSection(pool: pg.Pool, schema: string, purpose: Extract<LockPurpose, `${string}/migrate`>, ddl: (s: string) => string): Promise<string> {
  // Only [a-z_][a-z0-9_]* (at most 63 bytes, NAMEDATALEN) passes; quoted all the same, so that a
  // keyword such as `user` is a schema name too.
  if (!SCHEMA_PATTERN.test(schema)) throw new ParapetError('invalid_config', `store schema ${JSON.stringify(schema)} must match [a-z_][a-z0-9_]* (at most 63 characters)`);
  const s = ident(schema);
  try {
    await transaction(pool, async (c) => {
      await c.query(advisoryLockSql(schema, purpose));
      await c.query(ddl(s));
    });
  } catch (err) {
    // 3F000, no such schema: a configuration mistake, not an internal error.
    if (sqlState(err) === '3F000') throw new ParapetError('invalid_config', `store schema ${schema} does not exist in the database`);
    throw err;
  }
  return s;
}
