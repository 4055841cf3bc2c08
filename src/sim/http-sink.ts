/**
 * Sends the simulated district to a running hub over HTTP (SPEC §3): devices through
 * `PUT /api/v1/devices/:id` (admin role: an ingest token may not register devices), events as
 * NDJSON batches to `POST /api/v1/events` (ingest or admin role). Uses undici with a keep-alive
 * pool. Rate limiting (429) and a hub that is briefly unavailable (503) are retried, honouring
 * `Retry-After`; resent batches are harmless because every event carries its id (SPEC §2).
 */
import { Agent, request, type Dispatcher } from 'undici';
import type { SendResult, Sink } from './runner.js';

/** A failure that ends the run, with a message meant for the operator (no stack trace needed). */
export class SimulationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationError';
  }
}

export interface HttpSinkOptions {
  /** Base URL of the hub, e.g. http://127.0.0.1:7070 */
  readonly url: string;
  /** Credential for ingest (ingest or admin role). */
  readonly token: string;
  /** Credential for registering devices (admin role); defaults to `token`. */
  readonly registerToken?: string;
  /** What to do when the register token lacks the admin role (the caller knows its own flags). */
  readonly registerHint?: string;
  /** PEM of the CA that signed the hub's certificate (a hub off loopback speaks TLS, SPEC §5.5). */
  readonly ca?: string;
  readonly connections?: number;
  /** Attempts per request on 429 / 503 / a dropped connection. */
  readonly attempts?: number;
  /** Waits between attempts; replaceable in tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface HttpSink extends Sink {
  /** GET /healthz; throws SimulationError when the hub cannot be reached. */
  checkReachable(): Promise<void>;
  close(): Promise<void>;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

function networkCode(err: unknown): string | null {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

async function readJson(body: Dispatcher.ResponseData['body']): Promise<unknown> {
  const text = await body.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function detailOf(body: unknown): string {
  if (body && typeof body === 'object') {
    const { error, detail } = body as { error?: unknown; detail?: unknown };
    if (typeof error === 'string') return typeof detail === 'string' ? `${error}: ${detail}` : error;
  }
  return typeof body === 'string' ? body.slice(0, 200) : JSON.stringify(body).slice(0, 200);
}

function toSendResult(body: unknown): SendResult {
  const b = (body ?? {}) as { accepted?: unknown; duplicates?: unknown; rejected?: unknown };
  if (typeof b.accepted !== 'number' || !Array.isArray(b.rejected)) throw new SimulationError(`the hub answered ingest with an unexpected body: ${detailOf(body)}`);
  const rejected = (b.rejected as unknown[]).map((r) => ({ error: typeof (r as { error?: unknown })?.error === 'string' ? (r as { error: string }).error : 'unknown' }));
  return { accepted: b.accepted, duplicates: typeof b.duplicates === 'number' ? b.duplicates : 0, rejected };
}

export function createHttpSink(opts: HttpSinkOptions): HttpSink {
  let base: URL;
  try {
    base = new URL(opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
  } catch {
    throw new SimulationError(`--url ${opts.url} is not a URL (expected e.g. http://127.0.0.1:7070)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new SimulationError(`--url must be http:// or https://, got ${base.protocol}`);
  const agent = new Agent({ connections: opts.connections ?? 8, keepAliveTimeout: 10_000, ...(opts.ca ? { connect: { ca: opts.ca } } : {}) });
  const attempts = opts.attempts ?? 6;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const where = base.origin + base.pathname.replace(/\/$/, '');
  const unreachable = (code: string): SimulationError =>
    new SimulationError(`cannot reach the hub at ${where} (${code}); is it running? Start one with "parapet start" or check --url.`);

  /** One request with retries on 429, 503 and dropped connections; other statuses are returned. */
  async function call(
    method: 'GET' | 'PUT' | 'POST',
    path: string,
    token: string | null,
    body?: string,
    contentType?: string,
    maxAttempts = attempts,
  ): Promise<{ status: number; body: unknown }> {
    const url = new URL(path, base);
    for (let attempt = 1; ; attempt++) {
      try {
        const headers: Record<string, string> = {};
        if (token !== null) headers.authorization = `Bearer ${token}`;
        if (contentType) headers['content-type'] = contentType;
        const res = await request(url, { method, headers, body, dispatcher: agent });
        const parsed = await readJson(res.body);
        if ((res.statusCode === 429 || res.statusCode === 503) && attempt < maxAttempts) {
          const retryAfter = Number(res.headers['retry-after']);
          await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 30) * 1000 : 250 * 2 ** attempt);
          continue;
        }
        return { status: res.statusCode, body: parsed };
      } catch (err) {
        const code = networkCode(err);
        if (code === null) throw err;
        if (attempt >= maxAttempts || code === 'ENOTFOUND') throw unreachable(code);
        await sleep(200 * 2 ** attempt);
      }
    }
  }

  return {
    async checkReachable() {
      // No retries: a hub that is not there at the start is a mistake to report at once.
      const res = await call('GET', 'healthz', null, undefined, undefined, 1);
      if (res.status !== 200) throw new SimulationError(`${where}/healthz answered ${res.status}; is this a Parapet hub?`);
    },

    async register(devices) {
      const token = opts.registerToken ?? opts.token;
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < devices.length) {
          const device = devices[next++];
          if (!device) continue;
          const res = await call('PUT', `api/v1/devices/${encodeURIComponent(device.id)}`, token, JSON.stringify(device), 'application/json');
          if (res.status >= 200 && res.status < 300) continue;
          if (res.status === 401) throw new SimulationError(`the hub refused the token for registering devices (401 ${detailOf(res.body)}).`);
          if (res.status === 403) {
            throw new SimulationError(
              'this token may not register devices (PUT /api/v1/devices needs the admin role; an ingest token can only send events). ' +
                (opts.registerHint ?? 'Use an admin token.'),
            );
          }
          throw new SimulationError(`registering ${device.id} failed: ${res.status} ${detailOf(res.body)}`);
        }
      };
      await Promise.all(Array.from({ length: Math.min(8, devices.length) }, worker));
    },

    async send(events) {
      const ndjson = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
      const res = await call('POST', 'api/v1/events', opts.token, ndjson, 'application/x-ndjson');
      if (res.status === 200 || res.status === 202 || res.status === 207 || res.status === 422 || res.status === 400) {
        // A batch whose every member was refused may come back 4xx with the per-item answer.
        if (res.body && typeof res.body === 'object' && 'accepted' in res.body) return toSendResult(res.body);
      }
      if (res.status === 401) throw new SimulationError(`the hub refused the token (401 ${detailOf(res.body)}); check --token.`);
      if (res.status === 403) throw new SimulationError(`this token may not send events (403 ${detailOf(res.body)}); it needs the ingest or admin role.`);
      if (res.status === 413) throw new SimulationError(`the hub refused a batch of ${events.length} events as too large (413 ${detailOf(res.body)}); lower --batch.`);
      throw new SimulationError(`ingest failed: ${res.status} ${detailOf(res.body)}`);
    },

    async close() {
      await agent.close();
    },
  };
}
