/**
 * Scratch schemas for the tests of the PostgreSQL sections (alerts.test.ts, audit.test.ts), on the
 * real server of this machine (trust auth): every test works in its own random schema, dropped at
 * the end, so test files running in parallel never meet. Production code never imports this file.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG: pg.PoolConfig = { host: '127.0.0.1', port: 5432, user: 'root', database: 'test', max: 3 };

export interface Scratch {
  readonly schema: string;
  /** A pool of its own, as one hub node (or an offline CLI) would have. */
  node(): pg.Pool;
  /** Runs a statement as the administrator, outside any store. */
  sql(text: string): Promise<unknown>;
  /** Drops the schema and ends every pool handed out. */
  drop(): Promise<void>;
}

/** A new empty schema named `${prefix}_<random>`. */
export async function scratchSchema(prefix: string): Promise<Scratch> {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool(PG);
  const pools = [admin];
  await admin.query(`CREATE SCHEMA "${schema}"`);
  return {
    schema,
    node() {
      const p = new pg.Pool(PG);
      pools.push(p);
      return p;
    },
    sql: (text) => admin.query(text),
    async drop() {
      await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
      await Promise.all(pools.map((p) => p.end()));
    },
  };
}

/** Runs `fn` on a new scratch schema and drops it afterwards, whether `fn` succeeded or not. */
export async function withScratch(prefix: string, fn: (scratch: Scratch) => Promise<void>): Promise<void> {
  const scratch = await scratchSchema(prefix);
  try {
    await fn(scratch);
  } finally {
    await scratch.drop();
  }
}

/** The `make` of a store contract: a section store on a node of its own scratch schema. */
export function scratchStore<S>(prefix: string, open: (pool: pg.Pool, schema: string) => Promise<S>): () => Promise<{ store: S; close: () => Promise<void> }> {
  return async () => {
    const scratch = await scratchSchema(prefix);
    return { store: await open(scratch.node(), scratch.schema), close: () => scratch.drop() };
  };
}

/** Runs `fn` with a pool on the test database outside any scratch schema, ended afterwards. */
export async function withPool(fn: (pool: pg.Pool) => Promise<void>): Promise<void> {
  const pool = new pg.Pool(PG);
  try {
    await fn(pool);
  } finally {
    await pool.end();
  }
}
