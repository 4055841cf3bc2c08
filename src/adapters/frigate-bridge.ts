/**
 * The Frigate bridge (SPEC §6): subscribes to Frigate's topics on an EXTERNAL MQTT broker and feeds
 * what frigate.ts maps into the one ingest pipeline, as the `integration:frigate` ingest principal.
 *
 * Security (SPEC §5.8): the bridge needs a username and password, and before connecting it knocks on
 * the broker anonymously; a broker that lets an anonymous client in is refused, because anyone could
 * then publish fake Frigate events into the control room. `allowAnonymousBroker` overrides that
 * (the hub passes `guard.allow_unsafe`, which is logged loudly on every start).
 *
 * Messages are handled one at a time in arrival order; payloads are bounded like device publishes
 * (SPEC §5.6). Snapshot topics (`<camera>/<object>/snapshot`, JPEG) are never subscribed to.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { Config } from '../config/schema.js';
import { ParapetError } from '../core/errors.js';
import type { HubDeps } from '../hub-deps.js';
import { probeMqttAnonymous } from '../guard/probes.js';
import { integrationPrincipal, type DropReason } from './adapter-kit.js';
import { learnFromEvent, mapFrigateMessage, type FrigateContext } from './frigate.js';
import { ingestAdapted, summary } from './ingest-adapted.js';

export type FrigateBridgeDeps = Pick<HubDeps, 'config' | 'clock' | 'log' | 'registry' | 'pipeline'>;

export interface FrigateBridgeOptions {
  readonly settings: Config['integrations']['frigate'];
  /** Connect even when the broker accepts anonymous clients (guard.allow_unsafe; tests). */
  readonly allowAnonymousBroker: boolean;
  /** Largest payload handled, bytes (default 256 KiB, as device publishes). */
  readonly maxPayloadBytes?: number;
  /** How long start waits for the first connection before continuing in the background, ms. */
  readonly connectWaitMs?: number;
}

export interface FrigateBridgeStats {
  messages: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  dropped: Partial<Record<DropReason | 'oversize' | 'overflow', number>>;
}

export interface FrigateBridge {
  readonly stats: Readonly<FrigateBridgeStats>;
  /** Resolves once at least `n` messages have been handled since start. */
  whenHandled(n: number): Promise<void>;
  close(): Promise<void>;
}

const MAX_QUEUE = 10_000;
const MAX_LEARNED = 10_000;
const CAMERA_CACHE_MS = 5_000;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function topics(prefix: string): string[] {
  return [`${prefix}/events`, `${prefix}/reviews`, `${prefix}/available`, `${prefix}/tracked_object_update`, `${prefix}/+/+`];
}

export async function startFrigateBridge(deps: FrigateBridgeDeps, o: FrigateBridgeOptions): Promise<FrigateBridge> {
  const s = o.settings;
  const log = deps.log.child({ mod: 'frigate' });
  if (!s.url || !/^(mqtts?|wss?):\/\//i.test(s.url)) throw new ParapetError('invalid_config', 'integrations.frigate.url must be an mqtt://, mqtts://, ws:// or wss:// URL');
  if (!s.username || !s.password) {
    throw new ParapetError('invalid_config', 'integrations.frigate needs username and password: anonymous brokers are refused (SPEC §5.8)');
  }
  const probe = await probeMqttAnonymous(s.url);
  if (probe.result === 'accepted') {
    if (!o.allowAnonymousBroker) {
      throw new ParapetError('invalid_config', `the Frigate broker accepts anonymous clients; set allow_anonymous false and give each client a password (SPEC §5.8)`);
    }
    log.error({ override: true }, 'LEAK GUARD OVERRIDDEN: the Frigate broker accepts anonymous clients');
  } else if (probe.result === 'unreachable') {
    log.warn({ detail: probe.detail }, 'the Frigate broker is not reachable yet; the bridge keeps trying');
  }

  const limits = { maxDepth: deps.config.http.max_json_depth, maxString: deps.config.http.max_string_length };
  const maxBytes = o.maxPayloadBytes ?? 256 * 1024;
  const principal = integrationPrincipal('frigate');
  const stats: FrigateBridgeStats = { messages: 0, accepted: 0, duplicates: 0, rejected: 0, dropped: {} };
  const seenCameras = new Set<string>();
  const zoneCamera = new Map<string, string>();
  let registryCameras: { at: number; names: Set<string> } = { at: -Infinity, names: new Set() };
  let handled = 0;
  let queued = 0;
  let chain: Promise<void> = Promise.resolve();
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const drop = (r: keyof FrigateBridgeStats['dropped']): void => {
    stats.dropped[r] = (stats.dropped[r] ?? 0) + 1;
  };

  const cameras = (): ReadonlySet<string> => {
    const now = deps.clock.now();
    if (now - registryCameras.at > CAMERA_CACHE_MS) {
      const names = new Set<string>();
      for (const d of deps.registry.list()) if (d.type === 'camera' && d.id.startsWith(s.device_prefix)) names.add(d.id.slice(s.device_prefix.length));
      registryCameras = { at: now, names };
    }
    return new Set([...registryCameras.names, ...seenCameras]);
  };

  const learn = (text: string): void => {
    const l = learnFromEvent(text, limits);
    if (!l) return;
    if (seenCameras.size < MAX_LEARNED) seenCameras.add(l.camera);
    for (const z of l.zones) if (zoneCamera.size < MAX_LEARNED || zoneCamera.has(z)) zoneCamera.set(z, l.camera);
  };

  async function handle(topic: string, payload: Buffer): Promise<void> {
    stats.messages++;
    if (payload.length > maxBytes) return drop('oversize');
    let text: string;
    try {
      text = utf8.decode(payload);
    } catch {
      return drop('unsupported');
    }
    if (topic === `${s.topic_prefix}/events`) learn(text);
    const ctx: FrigateContext = {
      topicPrefix: s.topic_prefix,
      devicePrefix: s.device_prefix,
      intrusionFrom: s.intrusion_from,
      now: deps.clock.now(),
      limits,
      cameras: cameras(),
      zoneCamera,
      zoneOf: (id) => deps.registry.get(id)?.zone,
    };
    const answer = await ingestAdapted(deps.pipeline, mapFrigateMessage(topic, text, ctx), principal);
    stats.accepted += answer.accepted;
    stats.duplicates += answer.duplicates;
    stats.rejected += answer.rejected.length;
    for (const d of answer.dropped) drop(d.reason);
    // Codes and counts only: details may name devices, never payload values (SPEC §4.1).
    if (answer.rejected.length > 0) log.warn({ topic: topic.slice(0, 128), ...summary(answer) }, 'Frigate message partly rejected');
  }

  const settle = (): void => {
    handled++;
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w && handled >= w.n) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  };

  const client: MqttClient = mqtt.connect(s.url, {
    username: s.username,
    password: s.password,
    clientId: `parapet-frigate-${randomBytes(6).toString('hex')}`,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 5_000,
    connectTimeout: 10_000,
  });
  client.on('message', (topic, payload) => {
    if (queued >= MAX_QUEUE) {
      drop('overflow');
      settle();
      return;
    }
    queued++;
    chain = chain
      .then(() => handle(topic, payload))
      .catch((err: unknown) => log.error({ err }, 'Frigate message failed'))
      .finally(() => {
        queued--;
        settle();
      });
  });
  client.on('error', (err) => log.warn({ err: { message: err.message } }, 'Frigate broker connection error'));

  const subscribed = new Promise<void>((resolve, reject) => {
    client.on('connect', () => {
      client.subscribe(topics(s.topic_prefix), { qos: 0 }, (err) => {
        if (err) log.error({ err: { message: err.message } }, 'could not subscribe to Frigate topics');
        else {
          log.info({ prefix: s.topic_prefix }, 'subscribed to Frigate');
          resolve();
        }
      });
    });
    client.once('error', (err) => {
      const code = (err as Error & { code?: number }).code;
      // CONNACK 4 (bad user name or password) / 5 (not authorized): a configuration error, not an outage.
      if (code === 4 || code === 5) reject(new ParapetError('invalid_config', 'the Frigate broker refused the configured username or password'));
    });
  });
  // The race below may be lost to the timeout; a later refusal is then only logged.
  subscribed.catch((err: unknown) => log.error({ err }, 'Frigate broker refused the bridge'));
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), o.connectWaitMs ?? 10_000);
  });
  try {
    if ((await Promise.race([subscribed, waited])) === 'timeout') log.warn('Frigate broker not connected yet; continuing in the background');
  } catch (err) {
    await client.endAsync(true);
    throw err;
  } finally {
    clearTimeout(timer);
  }

  return {
    stats,
    whenHandled(n) {
      if (handled >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    async close() {
      await client.endAsync();
      await chain;
    },
  };
}
