/**
 * The leak guard (SPEC §5.8): the checks `parapet doctor` prints and every start runs. A failure
 * stops the hub unless the operator set `guard.allow_unsafe` (env PARAPET_GUARD_ALLOW_UNSAFE=true),
 * in which case each failure is logged at error level on every start. After the listeners are up,
 * `probeOwnListeners` knocks on them without credentials and expects to be refused.
 */
import type { Config } from '../config/schema.js';
import { ParapetError } from '../core/errors.js';
import { fail, failures, formatCheck, ok, warn, type CheckResult } from './check.js';
import { checkConfigSecrets, checkListeners, checkPermissions, checkRetention } from './local-checks.js';
import { hasPassword, probeHttpAnonymous, probeMqttAnonymous, probeNatsAnonymous, probePostgresPasswordless, type ProbeOutcome } from './probes.js';

export interface GuardOptions {
  readonly config: Readonly<Config>;
  /** The config file the operator passed (checked for secrets). */
  readonly configFile?: string;
  /** Probe configured external services over the network (default true). */
  readonly probe?: boolean;
}

export interface GuardLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function fromProbe(name: string, what: string, p: ProbeOutcome, fix: string): CheckResult {
  if (p.result === 'accepted') return fail(name, `${what} accepts anonymous or passwordless connections (${p.detail})`, fix);
  if (p.result === 'refused') return ok(name, `${what} refuses anonymous connections`);
  return warn(name, `${what} could not be probed: ${p.detail}`, 'make sure it is reachable from this host, then run parapet doctor again');
}

/** External services the config names (SPEC §5.8: database, bus, MQTT bridge). */
export async function checkExternal(config: Readonly<Config>, probe: boolean): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const pgUrl = config.store.postgres_url;
  if (config.store.kind === 'postgres' || pgUrl !== undefined) {
    if (pgUrl === undefined) out.push(fail('store.postgres', 'store.kind is postgres but no postgres_url is set', 'set PARAPET_STORE_POSTGRES_URL'));
    else if (!hasPassword(pgUrl)) {
      out.push(fail('store.postgres', `${redact(pgUrl)} has no password`, 'give the database role a password (pg_hba: scram-sha-256) and put it in PARAPET_STORE_POSTGRES_URL'));
    }
    if (pgUrl !== undefined && probe) {
      out.push(fromProbe('store.postgres.probe', `PostgreSQL at ${redact(pgUrl)}`, await probePostgresPasswordless(pgUrl), 'set pg_hba.conf to scram-sha-256 (never trust) for every host Parapet can reach'));
    }
  }
  const natsUrl = config.bus.nats_url;
  if (config.bus.kind === 'nats' || natsUrl !== undefined) {
    if (natsUrl === undefined) out.push(fail('bus.nats', 'bus.kind is nats but no nats_url is set', 'set PARAPET_BUS_NATS_URL'));
    else if (probe) {
      out.push(fromProbe('bus.nats.probe', `NATS at ${redact(natsUrl)}`, await probeNatsAnonymous(natsUrl), 'enable authorization in nats-server (accounts with users, nkeys or a token) and give Parapet its own credential'));
    }
  }
  // An external MQTT broker Parapet bridges to: the Frigate NVR's broker (SPEC §6).
  const frigate = config.integrations.frigate;
  const bridge = frigate.enabled ? frigate.url : undefined;
  if (typeof bridge === 'string' && probe) {
    out.push(fromProbe('mqtt.bridge.probe', `MQTT broker at ${redact(bridge)}`, await probeMqttAnonymous(bridge), 'set allow_anonymous false (mosquitto) and give each client a password'));
  }
  if (out.length === 0) out.push(ok('external', 'no external database, bus or broker configured'));
  return out;
}

export async function runGuard(o: GuardOptions): Promise<CheckResult[]> {
  const { config } = o;
  return [
    ...checkListeners(config),
    ...checkPermissions(config),
    checkRetention(config),
    checkConfigSecrets(o.configFile),
    ...(await checkExternal(config, o.probe ?? true)),
  ];
}

/** Logs every line; throws on a failure unless overridden — then shouts on every start. */
export function enforceGuard(results: readonly CheckResult[], allowUnsafe: boolean, log: GuardLogger): void {
  for (const r of results) {
    if (r.status === 'ok') log.info({ mod: 'guard', check: r.name }, formatCheck(r));
    else if (r.status === 'warn') log.warn({ mod: 'guard', check: r.name }, formatCheck(r));
  }
  const bad = failures(results);
  if (bad.length === 0) return;
  if (!allowUnsafe) {
    for (const r of bad) log.error({ mod: 'guard', check: r.name }, formatCheck(r));
    throw new ParapetError('invalid_config', `the leak guard refuses to start: ${bad.map((r) => formatCheck(r)).join(' | ')} (run parapet doctor)`);
  }
  for (const r of bad) log.error({ mod: 'guard', check: r.name, override: true }, `LEAK GUARD OVERRIDDEN (guard.allow_unsafe): ${formatCheck(r)}`);
  log.error({ mod: 'guard', override: true, failures: bad.length }, `!!! UNSAFE DEPLOYMENT: ${bad.length} leak-guard failure(s) ignored because guard.allow_unsafe is set !!!`);
}

export interface OwnListeners {
  readonly httpUrl: string;
  readonly mqttUrl: string | null;
  /** The CA to trust for a generated certificate. */
  readonly ca?: Buffer;
}

/** After start: our own listeners must refuse an anonymous client (SPEC §5.8). */
export async function probeOwnListeners(l: OwnListeners): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const http = await probeHttpAnonymous(`${l.httpUrl}/api/v1/events`, l.ca);
  out.push(
    http.result === 'refused'
      ? ok('self.http', 'GET /api/v1/events without a credential is refused (401)')
      : fail('self.http', `GET /api/v1/events without a credential: ${http.detail}`, 'report this as a bug: a route is missing authentication'),
  );
  if (l.mqttUrl !== null) {
    const mqtt = await probeMqttAnonymous(l.mqttUrl, l.ca);
    out.push(
      mqtt.result === 'refused'
        ? ok('self.mqtt', 'anonymous MQTT CONNECT is refused')
        : fail('self.mqtt', `anonymous MQTT CONNECT: ${mqtt.detail}`, 'report this as a bug: the broker must authenticate every client'),
    );
  }
  return out;
}
