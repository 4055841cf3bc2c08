/**
 * The PostgreSQL store (SPEC §7 `store: postgres`): the same port as SQLite, for several hub nodes
 * sharing one database. One `pg.Pool`; every table in one schema (default `parapet`), migrated at
 * open (pg-migrations.ts); events in daily partitions made on demand and dropped at retention
 * (pg-partitions.ts, pg-purge.ts); appends group-committed per node (pg-append.ts).
 *
 * Every write resolves only after its COMMIT returned, and no connection runs with
 * synchronous_commit off, so an acknowledged event is on disk (SPEC §7). bigint columns (epoch ms, seqs, counts) read back as JS numbers on this pool: every
 * value they hold is below 2^53.
 */
import pg from 'pg';
import { ParapetError } from '../../core/errors.js';
import type { Store } from '../store.js';
import { migrate, SCHEMA_VERSION } from './pg-migrations.js';
import { PartitionSet } from './pg-partitions.js';
import { createPgEventStore } from './pg-events.js';
import { createPgDeviceStore } from './pg-devices.js';
import { createPgPrincipalStore } from './pg-principals.js';
import { createPgKvStore } from './pg-kv.js';
import { SCHEMA_PATTERN } from './pg-sql.js';
import { parseTarget, reason } from './pg-target.js';
import { ServingLease } from './serving-lease.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (any form `pg` accepts as a connection string). */
  readonly url: string;
  /** Schema holding every table; created when missing. Default `parapet`. */
  readonly schema?: string;
  /** Connection incidents and migrations (never credentials). */
  readonly log?: (m: string) => void;
  /**
   * Open as the serving hub node: hold the schema's serving lease (a session advisory lock on a
   * connection of its own) until close, and refuse to open when another node holds it. State that
   * still lives in one process — the rule engine's windows and open alerts, device liveness,
   * epoch-key creation — would diverge between two serving nodes (docs/scale-out.md). Offline
   * commands (tokens, devices, reports) open without it and work while a node serves.
   */
  readonly serving?: boolean;
  /** Serving only: wait for the lease while another node holds it (a hot standby, serving-lease.ts). */
  readonly standby?: boolean;
  /** Serving only: a standby is waiting for `holder` to let go. */
  readonly onWaiting?: (holder: string) => void;
  /** Serving only: the lease was lost to another node; this node must stop serving. */
  readonly onLeaseLost?: (why: string) => void;
}

export interface PostgresStore extends Store {
  /** The store's pool, for sections that keep their own tables in `schema` (alerts, audit). */
  readonly pool: pg.Pool;
  readonly schema: string;
}

export const DEFAULT_SCHEMA = 'parapet';
/** How long opening a connection may take before the store reports the server unreachable, ms. */
const CONNECT_TIMEOUT_MS = 10_000;

export async function openPostgresStore(opts: PostgresStoreOptions): Promise<PostgresStore> {
  const schema = opts.schema ?? DEFAULT_SCHEMA;
  if (!SCHEMA_PATTERN.test(schema)) {
    throw new ParapetError('invalid_config', `The PostgreSQL schema name ${JSON.stringify(schema)} must be lower-case letters, digits and _, at most 63.`);
  }
  const target = parseTarget(opts.url);
  const log = opts.log ?? (() => {});
  // Per pool, not pg.types.setTypeParser: other users of `pg` in the process keep the default.
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, Number);
  const pool = new pg.Pool({
    connectionString: opts.url,
    types,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'parapet',
    // A server (or role) defaulting to synchronous_commit off would acknowledge commits not yet on
    // disk (SPEC §7: acknowledged = durable); a stricter setting (remote_apply …) is kept.
    // pg-pool awaits the promise this hook returns before it hands the connection out; @types/pg
    // declares the hook as returning void.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the promise is awaited, see above
    onConnect: async (client: pg.ClientBase) => {
      await client.query(`SELECT set_config('synchronous_commit', 'on', false) WHERE current_setting('synchronous_commit') = 'off'`);
    },
  });
  // An idle connection the server drops emits 'error' on the pool; unheard, it would end the process.
  pool.on('error', (err) => log(`PostgreSQL at ${target.shown}: idle connection lost: ${reason(err, target)}`));

  let lease: ServingLease | null = null;
  try {
    if (opts.serving) {
      lease = await ServingLease.take({
        url: opts.url,
        schema,
        target,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        log,
        ...(opts.standby ? { standby: true } : {}),
        ...(opts.onWaiting ? { onWaiting: opts.onWaiting } : {}),
        ...(opts.onLeaseLost ? { onLost: opts.onLeaseLost } : {}),
      });
    }
    const applied = await migrate(pool, schema);
    if (applied.length > 0) log(`store schema ${schema} at version ${SCHEMA_VERSION} (applied ${applied.join(', ')})`);
    const partitions = new PartitionSet(pool, schema);
    await partitions.reload();
    return assemble(pool, schema, partitions, log, lease);
  } catch (err) {
    await pool.end().catch(() => {});
    await lease?.end().catch(() => {});
    if (err instanceof ParapetError) throw err;
    throw new ParapetError('unavailable', `Cannot open the PostgreSQL store at ${target.shown}: ${reason(err, target)}`);
  }
}

function assemble(pool: pg.Pool, schema: string, partitions: PartitionSet, log: (m: string) => void, lease: ServingLease | null): PostgresStore {
  const events = createPgEventStore(pool, schema, partitions, log);
  let closing: Promise<void> | null = null;
  return {
    pool,
    schema,
    events,
    devices: createPgDeviceStore(pool, schema, events.appender),
    principals: createPgPrincipalStore(pool, schema),
    kv: createPgKvStore(pool, schema),
    close() {
      closing ??= (async () => {
        // Appends already made are committed and answered before the connections go.
        await events.appender.idle();
        await pool.end();
        // Released last: another node may serve only once this one's writes are done.
        await lease?.end();
      })();
      return closing;
    },
  };
}
