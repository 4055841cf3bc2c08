/**
 * The composition root (STYLE §1): config → adapters → services → transports, one typed deps object.
 * The only module that picks concrete store and bus adapters and the only one (with the CLI entry)
 * that sees the environment.
 */
import { mkdirSync, chmodSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.js';
import { systemClock, type Clock } from './core/clock.js';
import { createLogger, type Logger } from './core/log.js';
import { ParapetError } from './core/errors.js';
import { MemoryBus } from './bus/memory/memory-bus.js';
import { saveBusPosition } from './bus/bus-position.js';
import { drainOutbox, HoldingBus } from './bus/outbox.js';
import { DeviceRegistry } from './registry/registry.js';
import { createPipeline, statusEvents } from './ingest/pipeline.js';
import { AuthService } from './auth/auth-service.js';
import { createPseudonymiser } from './privacy/pseudonymiser.js';
import { loadMasterKey } from './privacy/master-key.js';
import { Keyring } from './privacy/keyring.js';
import { InvestigationService } from './privacy/investigations.js';
import { purgeAudit, startPurgeScheduler } from './privacy/retention.js';
import { WifiAggregator, startWifiFlusher, wifiCountEvents } from './privacy/wifi.js';
import { retentionByKind } from './privacy/retention-policy.js';
import { buildHttpApp } from './transport/http/app.js';
import { listen } from './transport/http/listen.js';
import { registerDashboard } from './transport/http/static.js';
import { startMqttBroker, type MqttBroker } from './transport/mqtt/broker.js';
import type { HubDeps } from './hub-deps.js';
import { openAlertStore, openAuditStore, openBus, openStore, type OpenMode } from './hub-adapters.js';
import { createSecretBox } from './auth/secret-box.js';
import { AuditLog } from './audit/audit-log.js';
import { createAuditSigner } from './audit/signing.js';
import { createRulesRuntime } from './rules/runtime.js';
import { sealSafeEvent } from './core/event.js';
import { MetricSources, storeSizeLines, threadLines } from './core/metric-sources.js';
import { deriveWatchlistKey } from './rules/watchlist-crypto.js';
import { resolveTls, refuseRenegotiation } from './transport/http/tls.js';
import { guardAfterStart, guardBeforeStart } from './guard/start.js';
import { startIntegrations, type Integrations } from './adapters/integrations.js';

export type { HubDeps };

export interface HubOptions {
  readonly config: Readonly<Config>;
  readonly clock?: Clock;
  /** The process environment (only PARAPET_MASTER_KEY is read here; config env was applied by loadConfig). */
  readonly env?: Record<string, string | undefined>;
  readonly logger?: Logger;
  /** The config file the operator passed, if any (the leak guard checks it for secrets, SPEC §5.8). */
  readonly configFile?: string;
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
  /** TLS in use (SPEC §5.5): the CA's SHA-256 fingerprint to print, and where the CA certificate is. */
  readonly tls: { readonly fingerprint: string; readonly caFile: string | null; readonly createdCa: boolean } | null;
  /** Frigate bridge and SIA DC-09 receiver, when configured (SPEC §6; src/adapters/integrations.ts). */
  readonly integrations: Integrations | null;
  /** Settles with the reason when this node must stop: its serving lease went to another node (PostgreSQL), or a store thread died (SQLite). */
  readonly lost: Promise<string>;
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || host.startsWith('127.');
}

/** Builds every service on a data dir without opening listeners (offline CLI commands). */
export async function openOffline(opts: HubOptions, mode: OpenMode = { live: false }): Promise<OfflineHub> {
  const { config } = opts;
  const clock = opts.clock ?? systemClock;
  const log = opts.logger ?? createLogger(config.log.level);
  mkdirSync(config.data_dir, { recursive: true, mode: 0o700 });
  chmodSync(config.data_dir, 0o700);
  const master = loadMasterKey({ dataDir: config.data_dir, envKey: opts.env?.PARAPET_MASTER_KEY });
  const store = await openStore(config, master.key, log, mode);
  const bus = await openBus(config, log, mode, store).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  const audit = new AuditLog({
    store: await openAuditStore(config, store),
    clock,
    signer: createAuditSigner(master.key),
    onError: (err) => log.error({ mod: 'audit', err }, 'could not write an audit entry'),
  });
  // An ingest node leaves status to the serving node, which folds every node's commits (startHub).
  const registry = new DeviceRegistry({ store: store.devices, bus, clock, announce: mode.ingestNode !== true });
  await registry.load();
  // Epoch keys wrapped by the master key in the store's kv; destroyed at retention (SPEC §4.2), audited.
  const keyring = await Keyring.open({
    master: master.key,
    kv: store.kv,
    clock,
    config,
    // Wi-Fi keys are per site: prepared for every site with a Wi-Fi sensor, so no key is made mid-ingest.
    macSites: () => registry.list().filter((d) => d.type === 'wifi').map((d) => d.site),
    onKeyEvent: (e) =>
      audit.recordSafely({
        actor: 'system',
        action: e.action,
        target: `${e.idClass}/${e.epoch}${e.site === null ? '' : `/${e.site}`}`,
        outcome: 'success',
        detail: { class: e.idClass, epoch: e.epoch, site: e.site },
        sites: e.site === null ? [] : [e.site],
      }),
    onError: (err) => log.error({ mod: 'keyring', err }, 'could not persist an epoch key'),
    onWarning: (m) => log.warn({ mod: 'keyring' }, m),
  });
  // Today's and tomorrow's keys exist before the first event or watchlist entry needs them.
  await keyring.prepare();
  const keys = keyring;
  const pseudonymiser = createPseudonymiser(keys);
  const wifi = new WifiAggregator({ mode: config.privacy.wifi_mode, k: config.privacy.k_anonymity });
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
    commitInFlight: config.ingest.commit_in_flight,
    onError: (where, err) => log.error({ where, err }, 'ingest failure'),
    // Counts-only Wi-Fi (SPEC §4.4): sightings are aggregated in memory and never stored.
    divert: (e) => {
      if (!wifi.consumes(e)) return false;
      // Unique-device counts need every sighting of a zone in one place: the serving node's memory
      // (sightings are never stored or put on the bus, SPEC §4.4). Counts made per node would overlap.
      if (mode.ingestNode === true) throw new ParapetError('wrong_node', 'Wi-Fi sightings are counted in the serving node\'s memory (counts-only mode, SPEC §4.4); send them to the serving node');
      wifi.observe(e);
      return true;
    },
    onViolation: (v) => {
      // The known device's site; for an unknown one, the sending credential's scope (SPEC §5.3).
      const site = v.device === null ? undefined : registry.get(v.device)?.site;
      audit.recordSafely({
        actor: v.principal,
        action: 'policy.violation',
        target: v.device,
        outcome: 'denied',
        detail: { field: v.field, rule: 'prohibited_attribute' },
        ...(site === undefined ? {} : { sites: [site] }),
      });
    },
  });
  // Status changes become events rules can use; recorded asynchronously (never inside a commit).
  registry.setStatusRecorder(async (changes) => {
    pipeline.record(statusEvents(changes)).catch((err: unknown) => log.error({ err }, 'could not record status change'));
  });
  const auth = new AuthService({ store: store.principals, clock, secrets: createSecretBox(master.key), kv: store.kv, shareThrottle: config.store.kind === 'postgres' });
  const investigations = new InvestigationService({ kv: store.kv, events: store.events, keyring, clock, config, audit: (e) => audit.record(e) });
  // Rules and alerts (SPEC §2.1): engine on events.stored / device.status, alert lifecycle, watchlists, webhooks.
  const rules = await createRulesRuntime({
    store: await openAlertStore(config, store),
    // An ingest node evaluates no rules: the serving node reads every node's commits from the
    // shared stream. Its rule services stay off the bus (and are never started), so nothing here
    // opens, escalates or delivers an alert twice.
    bus: mode.ingestNode === true ? new MemoryBus((topic, err) => log.error({ topic, err }, 'bus listener failed')) : bus,
    clock,
    settings: config.alerts,
    log: log.child({ mod: 'rules' }),
    devices: (id) => registry.get(id),
    watchlistKey: deriveWatchlistKey(master.key),
    pseudonymsFor: (idClass, raw) => keyring.pseudonymsFor(idClass, raw),
    audit: (e) =>
      audit.recordSafely({ actor: e.actor, action: e.action, target: `${e.list}/${e.entry}`, outcome: 'success', detail: { label: e.label, ...(e.detail ? { note: e.detail } : {}) } }),
    // SPEC §4.7: a plate read that hits a watchlist is kept 30 days (lpr_hit_days), not 72 h. The read
    // itself follows the plate-read retention; its hit record carries what it said, for that longer time.
    onWatchHit: (e, seq, hit, list) => {
      if (list !== 'plates' || seq === null || typeof e.data.plate !== 'string') return;
      const record = sealSafeEvent({
        id: null,
        ts: e.ts,
        received_at: clock.now(),
        device: e.device,
        site: e.site,
        zone: e.zone,
        kind: 'lpr.watchlist_hit',
        data: { plate: e.data.plate, list, entry: hit.id, read_seq: seq },
      });
      pipeline.record([record]).catch((err: unknown) => log.error({ err }, 'could not record a watchlist hit'));
    },
  });
  const metrics = new MetricSources();
  metrics.add(() => [...threadLines(() => store.threads?.() ?? []), ...storeSizeLines(store.size?.())]);
  if (bus instanceof HoldingBus) metrics.add(() => bus.metricLines());
  const deps: HubDeps = { config, clock, log, store, bus, pipeline, registry, auth, pseudonymiser, keys, keyring, investigations, wifi, audit, rules, metrics };
  return {
    deps,
    async close() {
      registry.stopSweeping();
      await pipeline.drain();
      await rules.close();
      await bus.close();
      await audit.close();
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
  const tls = await resolveTls(config);
  await guardBeforeStart(config, opts.configFile, opts.logger ?? createLogger(config.log.level));
  if (config.node.role === 'ingest') return startIngestNode(opts, tls);
  let markLost: (why: string) => void = () => {};
  const lost = new Promise<string>((resolve) => (markLost = resolve));
  const offline = await openOffline(opts, { live: true, onLost: (why) => markLost(why) });
  const { deps } = offline;
  // Commits of ingest nodes reach us through the shared bus (NATS): their devices' liveness and status.
  const stopRemoteLiveness = deps.bus.subscribe('events.stored', (batch, delivery) => (delivery.remote ? deps.registry.observeRemote(batch) : undefined));
  const busPosition = saveBusPosition(deps.bus, deps.store.kv, config.bus.nats_prefix, (err) => deps.log.warn({ mod: 'bus', err }, 'could not record the bus position'));
  deps.audit.startCheckpointTimer(60_000);
  if (tls) deps.log[tls.createdCa ? 'warn' : 'info']({ mod: 'tls', fingerprint: tls.fingerprint, ca: tls.caFile }, `TLS on; CA SHA-256 fingerprint ${tls.fingerprint}`);
  const firstAdmin = await deps.auth.bootstrapAdmin();
  deps.registry.startSweeping(config.registry.status_sweep_ms, (err) => deps.log.error({ err }, 'status sweep failed'));
  deps.rules.start();
  // Retention (SPEC §4.7): purge at start and every purge_interval_s; epoch keys destroyed at retention.
  const purge = startPurgeScheduler({
    config,
    clock: deps.clock,
    store: deps.store,
    keyring: deps.keyring,
    extra: [deps.investigations.purger()],
    onPurge: (r) => deps.audit.recordSafely(purgeAudit(r)),
    onError: (err) => deps.log.error({ mod: 'retention', err }, 'purge failed'),
  });
  // Wi-Fi (SPEC §4.4): counts-only sightings are diverted by the pipeline; dwell-mode ones are stored and
  // observed here. Each closed window becomes k-anonymous wifi.count events.
  const stopWifiFeed = deps.bus.subscribe('events.stored', (batch) => {
    if (deps.wifi.mode === 'dwell') for (const s of batch) deps.wifi.observe(s.event);
  });
  // Every subscriber is wired: other nodes' messages (and the replay of those published while this
  // node was down) may flow now.
  deps.bus.start?.();
  // Notices ingest nodes held in the store while the bus could not take them (outbox.ts).
  const outbox = config.bus.kind === 'nats' ? drainOutbox(deps.bus, deps.store.kv, { busPrefix: config.bus.nats_prefix, log: (m) => deps.log.warn({ mod: 'bus' }, m) }) : null;
  const stopOutboxMetrics = outbox ? deps.metrics.add(() => outbox.metricLines()) : () => undefined;
  const stopWifi = startWifiFlusher({
    aggregator: deps.wifi,
    now: () => deps.clock.now(),
    emit: async (f, at) => {
      if (f.counts.length > 0) await deps.pipeline.record(wifiCountEvents(f.counts, at));
    },
    onError: (err) => deps.log.error({ mod: 'wifi', err }, 'wifi aggregation failed'),
  });
  const stopPrivacy = async (): Promise<void> => {
    stopOutboxMetrics();
    await outbox?.stop();
    await busPosition.stop();
    stopRemoteLiveness();
    stopWifiFeed();
    await stopWifi();
    await purge.stop();
  };

  let app: FastifyInstance | null = null;
  let mqtt: MqttBroker | null = null;
  let integrations: Integrations | null = null;
  try {
    app = await buildHttpApp(deps, { secure: tls !== null, ...(tls ? { https: tls.options } : {}), extend: registerDashboard });
    if (tls) refuseRenegotiation(app.server);
    await listen(app, config.http.host, config.http.port, '--http-port');
    if (config.mqtt.enabled) mqtt = await startMqttBroker(deps, { host: config.mqtt.host, port: config.mqtt.port });
    const broker = mqtt;
    if (broker) deps.rules.publishToMqtt((severity, payload) => broker.publishAlert(severity, payload));
    integrations = await startIntegrations(deps);
    const a = app.server.address() as AddressInfo;
    await guardAfterStart(
      { httpUrl: `${tls ? 'https' : 'http'}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`, mqttUrl: mqtt?.url ?? null, ...(tls?.caFile ? { ca: readFileSync(tls.caFile) } : {}) },
      config,
      deps.log,
    );
  } catch (err) {
    await integrations?.close();
    await mqtt?.close();
    await app?.close();
    await stopPrivacy();
    await offline.close();
    throw err;
  }
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const httpUrl = `${tls ? 'https' : 'http'}://${host}:${addr.port}`;
  const httpApp = app;
  return {
    deps,
    httpUrl,
    mqttUrl: mqtt?.url ?? null,
    mqtt,
    firstAdmin,
    tls: tls ? { fingerprint: tls.fingerprint, caFile: tls.caFile, createdCa: tls.createdCa } : null,
    integrations,
    lost,
    async close() {
      // The broker first: a publish still in ingest is answered (or not) before the pipeline drains.
      await integrations?.close();
      await mqtt?.close();
      await httpApp.close();
      await stopPrivacy();
      await offline.close();
    },
  };
}

/** How often an ingest node re-reads epoch keys (new ones made elsewhere, destroyed ones dropped). */
const KEY_REFRESH_MS = 60_000;

/**
 * An ingest node (config `node.role: ingest`; SPEC §7, docs/scale-out.md): HTTP ingest into the
 * shared PostgreSQL store and NATS stream, beside the one serving node that owns the rest (API,
 * rules, alerts, retention, audit checkpoints). Any number of them can run; each acknowledges an
 * event only after its own commit, so losing one loses nothing acknowledged.
 */
async function startIngestNode(opts: HubOptions, tls: Awaited<ReturnType<typeof resolveTls>>): Promise<Hub> {
  const { config } = opts;
  if (config.store.kind !== 'postgres' || config.bus.kind !== 'nats') {
    throw new ParapetError('invalid_config', 'node.role ingest needs store.kind postgres and bus.kind nats: an ingest node shares its store and bus with the serving node (docs/scale-out.md)');
  }
  const offline = await openOffline(opts, { live: true, ingestNode: true });
  const { deps } = offline;
  const notHere = [config.mqtt.enabled && 'the MQTT broker', config.integrations.sia.enabled && 'the SIA DC-09 receiver', config.integrations.frigate.enabled && 'the Frigate bridge'].filter(
    (x): x is string => typeof x === 'string',
  );
  if (notHere.length > 0) deps.log.warn({ mod: 'node' }, `ingest node: ${notHere.join(', ')} run on the serving node only; not started here`);
  if (tls) deps.log.info({ mod: 'tls', fingerprint: tls.fingerprint, ca: tls.caFile }, `TLS on; CA SHA-256 fingerprint ${tls.fingerprint}`);
  // Devices registered through the serving node (or offline) become known here at the next sync.
  deps.registry.startSyncing(config.registry.status_sweep_ms, (err) => deps.log.error({ err }, 'device registry sync failed'));
  const keyTimer = setInterval(() => {
    deps.keyring.forgetExpired();
    deps.keyring.prepare().catch((err: unknown) => deps.log.error({ mod: 'keyring', err }, 'could not refresh epoch keys'));
  }, KEY_REFRESH_MS);
  keyTimer.unref();
  const stopTimers = () => {
    clearInterval(keyTimer);
    deps.registry.stopSweeping();
  };
  let app: FastifyInstance | null = null;
  try {
    app = await buildHttpApp(deps, { secure: tls !== null, ingestOnly: true, ...(tls ? { https: tls.options } : {}) });
    if (tls) refuseRenegotiation(app.server);
    await listen(app, config.http.host, config.http.port, '--http-port');
    const a = app.server.address() as AddressInfo;
    await guardAfterStart(
      { httpUrl: `${tls ? 'https' : 'http'}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`, mqttUrl: null, ...(tls?.caFile ? { ca: readFileSync(tls.caFile) } : {}) },
      config,
      deps.log,
    );
  } catch (err) {
    stopTimers();
    await app?.close();
    await offline.close();
    throw err;
  }
  const addr = app.server.address() as AddressInfo;
  const httpApp = app;
  deps.log.info({ mod: 'node' }, 'ingest node: serving POST /api/v1/events, the integration webhooks and /metrics');
  return {
    deps,
    httpUrl: `${tls ? 'https' : 'http'}://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`,
    mqttUrl: null,
    mqtt: null,
    firstAdmin: null,
    tls: tls ? { fingerprint: tls.fingerprint, caFile: tls.caFile, createdCa: tls.createdCa } : null,
    integrations: null,
    // An ingest node holds no lease.
    lost: new Promise<string>(() => {}),
    async close() {
      await httpApp.close();
      stopTimers();
      await offline.close();
    },
  };
}
