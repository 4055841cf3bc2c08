/**
 * Anonymous probes (SPEC §5.8): connect to a configured external database, broker or bus the way an
 * attacker would — without a password or without any credential — and to Parapet's own listeners
 * after start. Each answers whether the anonymous attempt was ACCEPTED (bad), REFUSED (good) or the
 * service was UNREACHABLE. Drivers are imported lazily so `parapet doctor` stays quick to start.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type ProbeOutcome = { readonly result: 'accepted' | 'refused'; readonly detail: string } | { readonly result: 'unreachable'; readonly detail: string };

const TIMEOUT_MS = 3000;

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Strips the password from a connection URL (keeps user, host, database). */
export function withoutPassword(url: string): string {
  const u = new URL(url);
  u.password = '';
  return u.toString();
}

export function hasPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}

/** PostgreSQL: connect with the URL's user but no password (pg_hba `trust` accepts it). */
export async function probePostgresPasswordless(url: string): Promise<ProbeOutcome> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: withoutPassword(url), connectionTimeoutMillis: TIMEOUT_MS, password: '' });
  // pg asks for a password only when the server demands one; a function returning '' makes that fail fast.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { result: 'accepted', detail: 'connected without a password' };
  } catch (err) {
    const text = errText(err);
    if (/password|authentication|no pg_hba|SASL|not permitted|role .* does not exist/i.test(text)) return { result: 'refused', detail: text };
    return { result: 'unreachable', detail: text };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** NATS: connect with no user, password, token or nkey. */
export async function probeNatsAnonymous(url: string): Promise<ProbeOutcome> {
  const { connect } = await import('@nats-io/transport-node');
  const u = new URL(url);
  const server = `${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}:${u.port || '4222'}`;
  try {
    const nc = await connect({ servers: server, timeout: TIMEOUT_MS, reconnect: false, name: 'parapet-guard-probe' });
    await nc.close();
    return { result: 'accepted', detail: 'connected without credentials' };
  } catch (err) {
    const text = errText(err);
    if (/authori[sz]ation|auth|permission/i.test(text)) return { result: 'refused', detail: text };
    return { result: 'unreachable', detail: text };
  }
}

/** MQTT: CONNECT with no username or password (anonymous). CONNACK 4/5 = refused. */
export async function probeMqttAnonymous(url: string, ca?: Buffer): Promise<ProbeOutcome> {
  const mqtt = await import('mqtt');
  try {
    const client = await mqtt.connectAsync(url, {
      clientId: `parapet-guard-${process.pid}`,
      reconnectPeriod: 0,
      connectTimeout: TIMEOUT_MS,
      protocolVersion: 4,
      ...(ca ? { ca } : {}),
    });
    await client.endAsync(true);
    return { result: 'accepted', detail: 'anonymous CONNECT accepted' };
  } catch (err) {
    const text = errText(err);
    const code = (err as { code?: unknown }).code;
    if (code === 4 || code === 5 || code === 134 || code === 135 || /not authori[sz]ed|bad user name or password|connection refused: (bad|not)/i.test(text)) {
      return { result: 'refused', detail: text };
    }
    return { result: 'unreachable', detail: text };
  }
}

/** GET a protected route without any credential; Parapet must answer 401. */
export function probeHttpAnonymous(url: string, ca?: Buffer): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: 'GET', timeout: TIMEOUT_MS, ...(ca ? { ca, servername: 'localhost' } : {}) }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status === 401 ? { result: 'refused', detail: 'answered 401' } : { result: 'accepted', detail: `answered ${status} instead of 401` });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve({ result: 'unreachable', detail: errText(err) }));
    req.end();
  });
}
