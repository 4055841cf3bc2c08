/**
 * The embedded MQTT broker (SPEC §3, §7: nothing else to install), aedes on a plain TCP listener.
 * MQTT 3.1.1 (aedes 1.x speaks 3.1 and 3.1.1). Every hook below is an access decision:
 *   authenticate       — no anonymous client; devices by secret, operators by API token (mqtt-auth.ts)
 *   authorizePublish   — devices only, own topics only; ingests and resolves after the commit, and
 *                        aedes writes the PUBACK only after this hook answers (QoS 1 = durable)
 *   authorizeSubscribe — operators: the alerts subtree; devices: their own subtree
 *   authorizeForward   — what is ever delivered: alerts (by site scope) and a device's own errors;
 *                        raw device payloads are never forwarded to anyone (SPEC §4.1)
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket } from 'aedes';
import type { HubDeps } from '../../hub-deps.js';
import type { Principal } from '../../auth/principal.js';
import { canSeeSite } from '../../auth/principal.js';
import { can } from '../../auth/policy.js';
import { ParapetError } from '../../core/errors.js';
import { DEFAULT_BACKOFF, LoginBackoff, type BackoffOptions } from './backoff.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, type PayloadLimits } from './decode.js';
import { limitFrameSize } from './frame-limit.js';
import { handleDevicePublish, redactedSummary, type PublishReport } from './device-publish.js';
import { MqttAuthenticator, NOT_AUTHORIZED } from './mqtt-auth.js';
import { alertTopic, errorsTopic, isAlertFilter, isAlertSeverity, isAlertTopic, isOwnDeviceFilter, parseDeviceTopic, type AlertSeverity } from './topics.js';

export type MqttDeps = Pick<HubDeps, 'config' | 'clock' | 'log' | 'registry' | 'auth' | 'pipeline'>;

export interface MqttBrokerOptions {
  readonly host: string;
  readonly port: number;
  /** Largest publish payload, bytes (default 256 KiB). */
  readonly maxPayloadBytes?: number;
  readonly backoff?: Partial<Omit<BackoffOptions, 'now'>>;
}

export interface MqttBroker {
  /** `mqtt://host:port` as actually bound (port 0 resolved). */
  readonly url: string;
  /** Publishes an alert to `parapet/v1/alerts/<severity>` for operator clients (SPEC §3). */
  publishAlert(severity: AlertSeverity, payload: Readonly<Record<string, unknown>>): Promise<void>;
  close(): Promise<void>;
}

type ConnackError = Error & { returnCode: number };

function refusal(message: string, returnCode: number): ConnackError {
  return Object.assign(new Error(message), { returnCode });
}

function remoteAddress(client: Client): string {
  const conn = client.conn as { remoteAddress?: string };
  return conn.remoteAddress ?? 'unknown';
}

const principalKey = (p: Principal): string => `${p.kind}:${p.id}`;

export async function startMqttBroker(deps: MqttDeps, opts: MqttBrokerOptions): Promise<MqttBroker> {
  const log = deps.log.child({ mod: 'mqtt' });
  const limits: PayloadLimits = {
    maxDepth: deps.config.http.max_json_depth,
    maxString: deps.config.http.max_string_length,
    maxBatch: deps.config.http.max_batch,
    maxBytes: opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
  };
  const authenticator = new MqttAuthenticator(deps, new LoginBackoff({ ...DEFAULT_BACKOFF, ...opts.backoff, now: () => deps.clock.now() }));
  const principals = new WeakMap<Client, Principal>();
  /** Client id → principal of the connected holder, so no one can take over another's session id. */
  const holders = new Map<string, string>();
  const wantsWill = new WeakSet<Client>();
  /** Site of an alert payload, parsed once per published alert (packet payloads are shared). */
  const alertSites = new WeakMap<Buffer, string | null>();

  const broker = await Aedes.createBroker({
    // A CONNECT must arrive promptly; an idle socket holds nothing.
    connectTimeout: 10_000,
    preConnect(client, packet, done) {
      // A will is a publish made on the device's behalf later, outside any check; refused (docs/mqtt.md).
      if (packet.will) wantsWill.add(client);
      done(null, true);
    },
    authenticate(client, username, password, done) {
      const address = remoteAddress(client);
      if (wantsWill.has(client)) {
        log.info({ address, username }, 'mqtt login refused: wills are not accepted');
        done(refusal('wills are not accepted', NOT_AUTHORIZED), null);
        return;
      }
      authenticator.login(address, username, password).then(
        (r) => {
          if (!r.ok) {
            log.info({ address, username: r.reason === 'anonymous' ? undefined : username, reason: r.reason }, 'mqtt login refused');
            done(refusal(`login refused: ${r.reason}`, r.returnCode), null);
            return;
          }
          const holder = holders.get(client.id);
          if (holder !== undefined && holder !== principalKey(r.principal)) {
            log.info({ address, principal: r.principal.name }, 'mqtt login refused: client id held by another principal');
            done(refusal('client id in use', NOT_AUTHORIZED), null);
            return;
          }
          principals.set(client, r.principal);
          done(null, true);
        },
        (err: unknown) => {
          log.error({ err }, 'mqtt login failed');
          done(refusal('login failed', NOT_AUTHORIZED), null);
        },
      );
    },
    authorizePublish(client, packet, done) {
      const principal = client ? principals.get(client) : undefined;
      if (!client || !principal) {
        done(new Error('publish refused: not authenticated'));
        return;
      }
      handleDevicePublish(deps, principal, limits, { topic: packet.topic, payload: toBuffer(packet.payload), messageId: packet.messageId ?? null }).then(
        (v) => {
          if (v.kind === 'refused') {
            log.warn({ principal: principal.name, topic: packet.topic.slice(0, 128), reason: v.reason }, 'mqtt publish refused');
            done(new Error(`publish refused: ${v.reason}`));
            return;
          }
          // The raw payload stops here: nothing retained, nothing forwarded (authorizeForward drops it too).
          packet.retain = false;
          packet.payload = Buffer.alloc(0);
          if (v.report) report(v.device, v.report);
          done(null);
        },
        (err: unknown) => {
          // Not committed, so not acknowledged: closing the connection makes the device resend.
          log.error({ err, principal: principal.name }, 'mqtt ingest failed; publish not acknowledged');
          done(err instanceof Error ? err : new Error('ingest failed'));
        },
      );
    },
    authorizeSubscribe(client, sub, done) {
      const principal = principals.get(client);
      const ok =
        principal !== undefined &&
        (principal.kind === 'device' ? isOwnDeviceFilter(sub.topic, principal.id) : can(principal.role, 'alerts.read') && isAlertFilter(sub.topic));
      if (!ok) log.info({ principal: principal?.name, filter: sub.topic.slice(0, 128) }, 'mqtt subscription refused');
      // null answers SUBACK 0x80 (failure) for this filter without dropping the connection.
      done(null, ok ? sub : null);
    },
    authorizeForward(client, packet) {
      const principal = principals.get(client);
      if (!principal) return null;
      if (isAlertTopic(packet.topic)) {
        if (principal.kind === 'device' || !can(principal.role, 'alerts.read')) return null;
        const site = alertSite(packet);
        return site === null || canSeeSite(principal, site) ? packet : null;
      }
      const t = parseDeviceTopic(packet.topic);
      if (t && t.channel === 'errors' && principal.kind === 'device' && principal.id === t.device) return packet;
      return null;
    },
  });

  broker.on('clientReady', (client) => {
    const p = principals.get(client);
    if (p) holders.set(client.id, principalKey(p));
  });
  broker.on('clientDisconnect', (client) => {
    const p = principals.get(client);
    if (p && holders.get(client.id) === principalKey(p)) holders.delete(client.id);
  });
  broker.on('clientError', (client, err) => log.debug({ principal: principals.get(client)?.name, err: err.message }, 'mqtt client error'));
  broker.on('connectionError', (_client, err) => log.debug({ err: err.message }, 'mqtt connection error'));

  function alertSite(packet: AedesPublishPacket): string | null {
    const payload = toBuffer(packet.payload);
    const cached = alertSites.get(payload);
    if (cached !== undefined) return cached;
    let site: string | null = null;
    try {
      const v = JSON.parse(payload.toString('utf8')) as { site?: unknown };
      if (typeof v.site === 'string') site = v.site;
    } catch {
      // publishAlert always writes JSON; anything else carries no site.
    }
    alertSites.set(payload, site);
    return site;
  }

  function publish(packet: Omit<PublishPacket, 'cmd' | 'dup' | 'retain'>): Promise<void> {
    return new Promise((resolve, reject) => {
      broker.publish({ cmd: 'publish', dup: false, retain: false, ...packet }, (err) => (err ? reject(err) : resolve()));
    });
  }

  function report(device: string, r: PublishReport): void {
    log.warn({ device, ...redactedSummary(r) }, 'mqtt publish had rejected content');
    publish({ topic: errorsTopic(device), payload: Buffer.from(JSON.stringify(r)), qos: 1 }).catch((err: unknown) => log.error({ err }, 'could not publish an mqtt error report'));
  }

  // Room for the topic (≤ 64 KiB) and headers around the largest payload accepted.
  const maxFrame = limits.maxBytes + 64 * 1024 + 16;
  let warnedFrames = false;
  const server = createServer((socket) => {
    const client = broker.handle(socket);
    if (!limitFrameSize(client, maxFrame) && !warnedFrames) {
      warnedFrames = true;
      log.warn('mqtt packet size cannot be bounded with this aedes version; only the payload limit applies');
    }
  });
  try {
    await listen(server, opts.host, opts.port);
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw err;
  }
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  log.info({ url: `mqtt://${host}:${addr.port}` }, 'mqtt broker listening');

  return {
    url: `mqtt://${host}:${addr.port}`,
    async publishAlert(severity, payload) {
      if (!isAlertSeverity(severity)) throw new ParapetError('bad_request', `severity must be one of critical, major, minor, info`);
      await publish({ topic: alertTopic(severity), payload: Buffer.from(JSON.stringify(payload)), qos: 1 });
    },
    async close() {
      // Stop accepting first, then disconnect clients; server.close resolves once every socket ended.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await closed;
    },
  };
}

function toBuffer(payload: string | Buffer): Buffer {
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      if (err.code === 'EADDRINUSE') reject(new ParapetError('invalid_config', `MQTT port ${port} on ${host} is already in use; choose another with --mqtt-port`));
      else if (err.code === 'EACCES') reject(new ParapetError('invalid_config', `not allowed to listen on ${host}:${port}; choose another MQTT port with --mqtt-port`));
      else reject(err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
