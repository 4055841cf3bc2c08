/**
 * The composition root (STYLE §1): config → adapters → services → transports, one typed deps object.
 * The only module that picks concrete store and bus adapters and the only one (with the CLI entry)
 * that sees the environment.
 */
import { mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.js';
import { systemClock, type Clock } from './core/clock.js';
import { createLogger, type Logger } from './core/log.js';
import { ParapetError } from './core/errors.js';
import type { Store } from './store/store.js';
import type { Bus } from './bus/bus.js';
import { MemoryBus } from './bus/memory/memory-bus.js';
import { createMemoryStore } from './store/memory/memory-store.js';
import { openSqliteStore } from './store/sqlite/sqlite-store.js';
import { DeviceRegistry } from './registry/registry.js';
import { createPipeline, statusEvents } from './ingest/pipeline.js';
import { AuthService } from './auth/auth-service.js';
import { createPseudonymiser, type KeySource } from './privacy/pseudonymiser.js';
import { deriveStoreKey, loadMasterKey } from './privacy/master-key.js';
import { hkdfSync } from 'node:crypto';
import { retentionByKind } from './privacy/retention-policy.js';
import { buildHttpApp } from './transport/http/app.js';
import { startMqttBroker, type MqttBroker } from './transport/mqtt/broker.js';
import type { HubDeps } from './hub-deps.js';

export type { HubDeps };

export interface HubOptions {
  readonly config: Readonly<Config>;
  readonly clock?: Clock;
  /** The process environment (only PARAPET_MASTER_KEY is read here; config env was applied by loadConfig). */
  readonly env?: Record<string, string | undefined>;
  readonly logger?: Logger;
}

export interface OfflineHub {
  readonly deps: HubDeps;
  close(): Promise<void>;
}

export interface Hub extends OfflineHub {
  readonly httpUrl: string;
  readonly mqttUrl: string | null;
  /** The embedded MQTT broker when `mqtt.enabled` (alerts publish through `mqtt.publishAlert`). */
  readonly mqtt: MqttBroker | null;
  /** Set on the very first start only: the admin's one-time password (SPEC §5.2). */
  readonly firstAdmin: { name: string; password: string } | null;
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || host.startsWith('127.');
}

async function openStore(config: Readonly<Config>, masterKey: Buffer, log: Logger): Promise<Store> {
  switch (config.store.kind) {
    case 'memory':
      return createMemoryStore();
    case 'sqlite':
      return openSqliteStore({ file: join(config.data_dir, 'parapet.db'), key: deriveStoreKey(masterKey), log: (m: string) => log.info({ mod: 'store' }, m) });
    case 'postgres':
      throw new ParapetError('invalid_config', 'store: postgres is not available in this build yet (SPEC §7 scale-out); use sqlite');
  }
}

/** Builds every service on a data dir without opening listeners (offline CLI commands). */
export async function openOffline(opts: HubOptions): Promise<OfflineHub> {
  const { config } = opts;
  const clock = opts.clock ?? systemClock;
  const log = opts.logger ?? createLogger(config.log.level);
  mkdirSync(config.data_dir, { recursive: true, mode: 0o700 });
  chmodSync(config.data_dir, 0o700);
  const master = loadMasterKey({ dataDir: config.data_dir, envKey: opts.env?.PARAPET_MASTER_KEY });
  const store = await openStore(config, master.key, log);
  const bus: Bus = new MemoryBus((topic, err) => log.error({ topic, err }, 'bus listener failed'));
  const keys: KeySource = {
    // Replaced by the keyring (epoch keys, crypto-shredding) — issue 3.
    keyFor: (idClass, ctx) => {
      const epoch = new Date(ctx.ts).toISOString().slice(0, 10).replaceAll('-', '');
      const info = `pseudonym/${idClass}/${epoch}${idClass === 'mac' ? '/' + ctx.site : ''}`;
      return { epoch, key: Buffer.from(hkdfSync('sha256', master.key, Buffer.alloc(0), info, 32)) };
    },
  };
  const pseudonymiser = createPseudonymiser(keys);
  const registry = new DeviceRegistry({ store: store.devices, bus, clock });
  await registry.load();
  const pipeline = createPipeline({
    clock,
    store: store.events,
    bus,
    registry,
    pseudonymiser,
    maxFutureMs: config.ingest.max_future_skew_ms,
    retentionByKind: retentionByKind(config),
    commitBatch: config.ingest.commit_batch,
    commitDelayMs: config.ingest.commit_delay_ms,
    onError: (where, err) => log.error({ where, err }, 'ingest failure'),
  });
  // Status changes become events rules can use; recorded asynchronously (never inside a commit).
  registry.setStatusRecorder(async (changes) => {
    pipeline.record(statusEvents(changes)).catch((err: unknown) => log.error({ err }, 'could not record status change'));
  });
  const auth = new AuthService({ store: store.principals, clock });
  const deps: HubDeps = { config, clock, log, store, bus, pipeline, registry, auth, pseudonymiser, keys };
  return {
    deps,
    async close() {
      registry.stopSweeping();
      await pipeline.drain();
      await bus.close();
      await store.close();
    },
  };
}

export async function startHub(opts: HubOptions): Promise<Hub> {
  const { config } = opts;
  if (!isLoopback(config.http.host) && config.http.tls.mode === 'off') {
    throw new ParapetError('invalid_config', `listening on ${config.http.host} without TLS is refused (SPEC §5.5); bind 127.0.0.1 or enable TLS`);
  }
  if (config.mqtt.enabled && !isLoopback(config.mqtt.host)) {
    throw new ParapetError('invalid_config', `the embedded MQTT broker has no TLS yet, so listening on ${config.mqtt.host} is refused (SPEC §5.5); bind 127.0.0.1`);
  }
  const offline = await openOffline(opts);
  const { deps } = offline;
  const firstAdmin = await deps.auth.bootstrapAdmin();
  deps.registry.startSweeping(config.registry.status_sweep_ms, (err) => deps.log.error({ err }, 'status sweep failed'));

  let app: FastifyInstance | null = null;
  let mqtt: MqttBroker | null = null;
  try {
    app = await buildHttpApp(deps, { secure: false });
    await listen(app, config.http.host, config.http.port, '--http-port');
    if (config.mqtt.enabled) mqtt = await startMqttBroker(deps, { host: config.mqtt.host, port: config.mqtt.port });
  } catch (err) {
    await app?.close();
    await offline.close();
    throw err;
  }
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const httpUrl = `http://${host}:${addr.port}`;
  const httpApp = app;
  return {
    deps,
    httpUrl,
    mqttUrl: mqtt?.url ?? null,
    mqtt,
    firstAdmin,
    async close() {
      // The broker first: a publish still in ingest is answered (or not) before the pipeline drains.
      await mqtt?.close();
      await httpApp.close();
      await offline.close();
    },
  };
}

async function listen(app: FastifyInstance, host: string, port: number, flag: string): Promise<void> {
  try {
    await app.listen({ host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new ParapetError('invalid_config', `port ${port} on ${host} is already in use; choose another with ${flag}`);
    if (code === 'EACCES') throw new ParapetError('invalid_config', `not allowed to listen on ${host}:${port}; choose another port with ${flag}`);
    throw err;
  }
}
