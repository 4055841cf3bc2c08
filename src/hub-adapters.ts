/**
 * The composition root's adapter pickers (with hub.ts, the only code that chooses a concrete store
 * or bus adapter; STYLE §2): the store, the bus, and the store's feature sections.
 */
import { join } from 'node:path';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Config } from './config/schema.js';
import type { Logger } from './core/log.js';
import { ParapetError } from './core/errors.js';
import type { Store } from './store/store.js';
import type { Bus } from './bus/bus.js';
import { MemoryBus } from './bus/memory/memory-bus.js';
import { busPositionKey } from './bus/bus-position.js';
import { HoldingBus } from './bus/outbox.js';
import { createMemoryStore } from './store/memory/memory-store.js';
import { deriveStoreKey } from './privacy/master-key.js';
import type { AuditStore } from './store/audit.js';
import { createMemoryAuditStore } from './store/memory/audit.js';
import { createSqliteAuditStore, type SqliteAuditDatabase } from './store/sqlite/audit.js';
import type { AlertStore } from './store/alerts.js';
import { createMemoryAlertStore } from './store/memory/alerts.js';
import { createSqliteAlertStore, type SqliteDatabase } from './store/sqlite/alerts.js';

/** What openOffline builds for: offline CLI commands keep their bus in-process. */
export interface OpenMode {
  /** A running hub: the configured bus (NATS for scale-out), shared with the other nodes. */
  readonly live: boolean;
  /**
   * An ingest node (config `node.role: ingest`, docs/scale-out.md): no serving lease, no status
   * announcements, rule services detached from the bus.
   */
  readonly ingestNode?: boolean;
  /** A serving node on PostgreSQL lost its serving lease to another node: it must stop serving. */
  /** This process can serve no more: its serving lease went to another node, or a store thread died. */
  readonly onLost?: (why: string) => void;
}

export async function openStore(config: Readonly<Config>, masterKey: Buffer, log: Logger, mode: OpenMode): Promise<Store> {
  if (config.node.standby && (config.store.kind !== 'postgres' || config.node.role !== 'all')) {
    throw new ParapetError('invalid_config', 'node.standby is for a serving node (node.role all) on store.kind postgres: it waits for the schema\'s serving lease (docs/scale-out.md)');
  }
  switch (config.store.kind) {
    case 'memory':
      return createMemoryStore();
    case 'sqlite': {
      // Loaded on demand: the native module is not needed by memory-store runs.
      const { openSqliteStore } = await import('./store/sqlite/sqlite-store.js');
      return openSqliteStore({
        file: join(config.data_dir, 'parapet.db'),
        key: deriveStoreKey(masterKey),
        log: (m: string) => log.info({ mod: 'store' }, m),
        ...(config.store.sqlite_max_mb > 0 ? { maxBytes: config.store.sqlite_max_mb * 1024 * 1024 } : {}),
        onWorkerLost: (why) => {
          log.error({ mod: 'store' }, `${why}; stopping: restart the hub (nothing acknowledged is lost)`);
          mode.onLost?.(why);
        },
      });
    }
    case 'postgres': {
      if (!config.store.postgres_url) throw new ParapetError('invalid_config', 'store.kind postgres needs store.postgres_url (PARAPET_STORE_POSTGRES_URL)');
      const { openPostgresStore } = await import('./store/postgres/pg-store.js');
      return openPostgresStore({
        url: config.store.postgres_url,
        schema: config.store.postgres_schema,
        serving: mode.live && mode.ingestNode !== true,
        standby: config.node.standby,
        onWaiting: (holder) => log.warn({ mod: 'store' }, `standby: the serving lease of schema ${config.store.postgres_schema} is held by ${holder}; waiting to take over`),
        onLeaseLost: (why) => {
          log.error({ mod: 'store' }, `${why}; stopping: another node serves this schema now`);
          mode.onLost?.(why);
        },
        log: (m: string) => log.info({ mod: 'store' }, m),
      });
    }
  }
}

export async function openBus(config: Readonly<Config>, log: Logger, mode: OpenMode, store: Store): Promise<Bus> {
  const onListenerError = (topic: string, err: unknown) => log.error({ topic, err }, 'bus listener failed');
  if (config.bus.kind !== 'nats' || !mode.live) return new MemoryBus(onListenerError);
  if (!config.bus.nats_url) throw new ParapetError('invalid_config', 'bus.kind nats needs bus.nats_url (PARAPET_BUS_NATS_URL)');
  // The serving node resumes where it stopped, so what ingest nodes committed meanwhile still
  // reaches its rules and registry (at least once: a few messages after the last saved position
  // may be handled twice). Its origin is stable for that: the one serving node of the schema.
  const serving = mode.ingestNode !== true;
  const resumeAfter = serving ? await store.kv.get<number>(busPositionKey(config.bus.nats_prefix)) : null;
  const { openNatsBus } = await import('./bus/nats/nats-bus.js');
  const nats = await openNatsBus({
    url: config.bus.nats_url,
    prefix: config.bus.nats_prefix,
    maxAgeMs: config.bus.nats_retention_minutes * 60_000,
    maxBytes: config.bus.nats_max_bytes,
    ...(serving ? { origin: `serving.${config.store.postgres_schema}` } : {}),
    ...(typeof resumeAfter === 'number' ? { resumeAfter } : {}),
    // The replay waits until the serving node's subscribers are wired (startHub calls bus.start()).
    holdUntilStarted: serving,
    onListenerError,
    log: (m) => log.warn({ mod: 'bus' }, m),
  });
  if (serving) return nats;
  // An ingest node holds the notices the bus cannot take in the store, for the serving node (outbox.ts).
  return new HoldingBus(nats, {
    kv: store.kv,
    busPrefix: config.bus.nats_prefix,
    origin: `${hostname()}.${process.pid}.${randomBytes(4).toString('hex')}`,
    now: () => Date.now(),
    log: (m) => log.warn({ mod: 'bus' }, m),
  });
}

/** A PostgreSQL store exposes its pool and schema, so its sections share them. */
function postgresOf(store: Store): { readonly pool: import('pg').Pool; readonly schema: string } {
  const pg = store as Store & { readonly pool?: import('pg').Pool; readonly schema?: string };
  if (!pg.pool || !pg.schema) throw new ParapetError('internal', 'the PostgreSQL store does not expose its pool and schema for its sections');
  return { pool: pg.pool, schema: pg.schema };
}

/** The audit section (SPEC §5.7) beside the store it belongs to: SQLite shares the store's keyed handle, PostgreSQL its pool. */
export async function openAuditStore(config: Readonly<Config>, store: Store): Promise<AuditStore> {
  switch (config.store.kind) {
    case 'memory':
      return createMemoryAuditStore();
    case 'postgres': {
      const { pool, schema } = postgresOf(store);
      const { createPostgresAuditStore } = await import('./store/postgres/audit.js');
      return createPostgresAuditStore(pool, schema);
    }
    case 'sqlite': {
      const db = (store as Store & { readonly db?: SqliteAuditDatabase }).db;
      if (!db) throw new ParapetError('internal', 'the SQLite store does not expose its handle (db) for the audit section');
      return createSqliteAuditStore(db);
    }
  }
}

/** The alerts section (SPEC §2.1) beside its store, like the audit section. */
export async function openAlertStore(config: Readonly<Config>, store: Store): Promise<AlertStore> {
  switch (config.store.kind) {
    case 'memory':
      return createMemoryAlertStore();
    case 'postgres': {
      const { pool, schema } = postgresOf(store);
      const { createPostgresAlertStore } = await import('./store/postgres/alerts.js');
      return createPostgresAlertStore(pool, schema);
    }
    case 'sqlite': {
      const db = (store as Store & { readonly db?: SqliteDatabase }).db;
      if (!db) throw new ParapetError('internal', 'the SQLite store does not expose its handle (db) for the alerts section');
      return createSqliteAlertStore(db);
    }
  }
}
