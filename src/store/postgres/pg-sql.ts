/**
 * What every part of the PostgreSQL adapter shares: qualified names, transactions, advisory-lock
 * keys and the translation of driver errors into ParapetErrors (STYLE §7), so a caller never sees a
 * raw `pg` error for bad input or an unreachable server.
 */
import type pg from 'pg';
import { ParapetError, type ErrorCode } from '../../core/errors.js';

/** A schema name we can embed in SQL unquoted and in string literals (`nextval('s.seq')`). */
export const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * First key of every advisory lock this adapter takes ('PRPT'); the second is hashtext() of the
 * schema and the purpose, so stores in other schemas of the same database never wait on each other.
 */
export const LOCK_CLASS = 0x50525054;

/** The store's own purposes, then those of the sections with tables of their own (pg-section.ts). */
export type LockPurpose = 'migrate' | 'partitions' | 'purge' | 'serving' | 'alerts/migrate' | 'audit/migrate' | 'audit/append';

/** The two int4 keys of an advisory lock for one purpose in one schema, as SQL arguments. */
export function lockKeys(schema: string, purpose: LockPurpose): string {
  return `${LOCK_CLASS}, hashtext('${schema}:${purpose}')`;
}

/** `SELECT pg_advisory_xact_lock(…)` for one purpose in one schema: held until the transaction ends. */
export function advisoryLockSql(schema: string, purpose: LockPurpose): string {
  return `SELECT pg_advisory_xact_lock(${lockKeys(schema, purpose)})`;
}

/** A name read from the catalog, quoted for SQL. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The SQLSTATE of a driver error, if it carries one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

// Socket-level failures (node errno codes) and the driver's own messages when the link is gone.
const LINK_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const LINK_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Cannot use a pool after calling end|Client has encountered a connection error/i;

/** Whether the error means the server is unreachable or went away (not the statement's fault). */
export function isLinkError(err: unknown): boolean {
  const code = sqlState(err);
  if (code !== undefined && (LINK_ERRNOS.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300')) return true;
  return err instanceof Error && LINK_MESSAGES.test(err.message);
}

/**
 * Driver error → ParapetError where the cause is known: the server unreachable (503 unavailable,
 * SPEC §7: nothing acknowledged), a uniqueness violation (409 conflict, as on SQLite), a value
 * PostgreSQL cannot hold, such as U+0000 in text or jsonb (`badInput`). Anything else is a fault of
 * ours and stays as it is.
 */
export function translate(err: unknown, badInput: ErrorCode = 'bad_request'): unknown {
  if (err instanceof ParapetError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  if (isLinkError(err)) return new ParapetError('unavailable', `The PostgreSQL store is unreachable: ${detail}`);
  const code = sqlState(err);
  if (code === '23505') return new ParapetError('conflict', detail);
  // Class 22 is data exceptions: 22021 bad byte (NUL in text), 22P05 untranslatable (\u0000 in jsonb), 22P02 bad number.
  if (code?.startsWith('22')) return new ParapetError(badInput, `PostgreSQL cannot store this value: ${detail}`);
  return err;
}

/** Runs the promise, translating its failure (see translate). */
export async function guard<T>(work: Promise<T>, badInput: ErrorCode = 'bad_request'): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw translate(err, badInput);
  }
}

/**
 * The same section with every method's failure translated (see translate): callers of the alerts
 * and audit sections get `unavailable` (503) for a lost server and `conflict` for a unique-key
 * race, never a raw driver error that would surface as a 500.
 */
export function guardSection<T extends object>(section: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(section)) {
    out[name] =
      typeof value === 'function'
        ? (...args: unknown[]) => guard(Promise.resolve().then(() => (value as (...a: unknown[]) => unknown).apply(section, args)))
        : value;
  }
  return out as T;
}

/**
 * Runs fn inside BEGIN … COMMIT on one pooled connection; resolves only after COMMIT returned (with
 * synchronous_commit on, after the WAL reached disk). On failure the transaction is rolled back,
 * and a connection that could not even roll back is discarded rather than returned to the pool.
 *
 * READ COMMITTED explicitly, whatever the server or role default: callers take a lock (advisory,
 * row or table) and then read, and only at this level does every statement after the lock wait
 * see what the previous holder committed.
 */
export async function transaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const { client, release } = await checkout(pool);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackErr) {
      broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
    }
    throw err;
  } finally {
    release(broken);
  }
}

/**
 * A pooled connection held by the caller. When its socket dies (the server restarted, the network
 * cut) the connection emits 'error': pg-pool listens only while a connection is idle, and an
 * unheard 'error' would end the process — a PostgreSQL restart during a transaction would take
 * the hub down. A held connection is heard here, and `release` hands the pool the error it died
 * of (or the caller's), so the pool discards it.
 */
export async function checkout(pool: pg.Pool): Promise<{ readonly client: pg.PoolClient; readonly release: (err?: Error) => void }> {
  const client = await pool.connect();
  let died: Error | undefined;
  const onError = (err: Error): void => {
    died = err;
  };
  client.on('error', onError);
  return {
    client,
    release: (err) => {
      client.removeListener('error', onError);
      client.release(err ?? died);
    },
  };
}

/** Positional parameters for a statement built piece by piece: `p.add(v)` returns `$n`. */
export class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}
