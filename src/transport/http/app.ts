/**
 * The HTTP transport (SPEC §3): one fastify app. Request lifecycle:
 *   onRequest: authenticate (bearer token or session cookie) → authorize (route action × role) →
 *   preParsing: gunzip (bounded) → parse: bounded JSON / NDJSON (multipart where a route opts in)
 *   → handler (thin route) →
 *   error handler: ParapetError → {error, detail} with its status; anything else → 500 `internal`
 *   without details (and logged), never for bad input.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import cookie from '@fastify/cookie';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { ParapetError, isErrorCode } from '../../core/errors.js';
import type { HubDeps } from '../../hub-deps.js';
import { allowedWhileRestricted, can } from '../../auth/policy.js';
import { registerRateLimit } from '../../auth/rate-limit.js';
import { SharedRateCounts } from '../../auth/shared-rate-limit.js';
import { registerHttpAudit } from '../../audit/http-audit.js';
import { parseBoundedJson } from '../../ingest/json-guard.js';
import { multipartLimits, readMultipart } from './multipart.js';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import { ROUTES } from './routes/index.js';
import { registerOpenApi } from './openapi.js';
import { authRoutes } from './routes/auth.js';

export const API_PREFIX = '/api/v1';
export const SESSION_COOKIE_SECURE = '__Host-parapet_session';
export const SESSION_COOKIE_PLAIN = 'parapet_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface HttpAppOptions {
  /** Serving over TLS: cookies get Secure and the __Host- prefix, responses HSTS (SPEC §5.4, §5.9). */
  readonly secure: boolean;
  /** TLS key/cert/ciphers (transport/http/tls.ts); set exactly when `secure`. */
  readonly https?: HttpsServerOptions;
  /** Extra setup (static dashboard files, …) registered after the API. */
  readonly extend?: (app: FastifyInstance) => Promise<void> | void;
  /**
   * An ingest node (config `node.role: ingest`, docs/scale-out.md): only routes whose action is
   * `events.ingest` (`POST /events`, the integration webhooks) and `GET /metrics` are served; every
   * other API route still authenticates and checks the role as anywhere, then answers 421
   * `wrong_node`.
   */
  readonly ingestOnly?: boolean;
}

const FASTIFY_ERRORS: Record<string, [ParapetError['code'], string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'the body is larger than allowed'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'send application/json or application/x-ndjson'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_json', 'the body is empty'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['bad_request', 'the content length does not match the body'],
  FST_ERR_VALIDATION: ['bad_request', 'the request does not match the schema'],
  FST_ERR_BAD_URL: ['bad_request', 'the URL is malformed'],
  FST_ERR_ASYNC_CONSTRAINT: ['bad_request', 'the request is malformed'],
};

export function sessionCookieName(secure: boolean): string {
  return secure ? SESSION_COOKIE_SECURE : SESSION_COOKIE_PLAIN;
}

export async function buildHttpApp(deps: HubDeps, opts: HttpAppOptions): Promise<FastifyInstance> {
  const cfg = deps.config.http;
  const logger: FastifyBaseLogger = deps.log.child({ mod: 'http' });
  const app = Fastify({
    loggerInstance: logger,
    // Per-request log lines off: they would carry URLs with query values; we log what matters ourselves.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: cfg.body_limit_bytes,
    trustProxy: false,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
    // Errors the router finds before any route or hook runs get the same {error, detail} answer as
    // the rest (fastify's own body would echo the path).
    frameworkErrors: (err, _req, reply) => {
      const e =
        err.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new ParapetError('uri_too_long', 'a path segment is longer than 200 characters')
          : new ParapetError('bad_request', 'the URL is not valid (a % not followed by two hex digits, or an encoded byte that is not UTF-8)');
      void (reply as unknown as FastifyReply).status(e.status).send(e.toBody());
    },
    ...(opts.https ? { https: opts.https } : {}),
  }) as unknown as FastifyInstance;
  app.decorateRequest('principal', null);

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
      },
    },
    hsts: opts.secure ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(cookie);

  // Bodies: gzip accepted (SPEC §3); the body limit counts the inflated bytes (no zip bombs).
  app.addHook('preParsing', async (req, _reply, payload) => {
    const enc = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (enc === 'identity') return payload;
    if (enc !== 'gzip' && enc !== 'x-gzip') throw new ParapetError('unsupported_encoding', `content-encoding ${enc} is not supported; use gzip or none`);
    delete req.headers['content-length'];
    const gunzip = createGunzip();
    (payload as Readable).pipe(gunzip);
    return gunzip;
  });
  app.removeAllContentTypeParsers();
  const jsonLimits = { maxDepth: cfg.max_json_depth, maxString: cfg.max_string_length };
  app.addContentTypeParser(['application/json', 'application/ld+json', 'application/x-ndjson', 'application/ndjson'], { parseAs: 'string' }, (req, body, done) => {
    // Ingest parses its own text (bounded, per item, NDJSON); every other route gets bounded JSON
    // (SPEC §5.6), so its TypeBox body schema validates an object, not a string.
    if (req.routeOptions.config.action === 'events.ingest' || typeof body !== 'string') return done(null, body);
    if (body.trim() === '') return done(null, undefined);
    try {
      done(null, parseBoundedJson(body, jsonLimits));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  // multipart/form-data only where a route opts in (`config.multipart`); read bounded, file parts
  // drained unread (multipart.ts). Unknown routes skip the body and answer 404.
  app.addContentTypeParser('multipart/form-data', async (req: FastifyRequest, payload: Readable) => {
    if (req.is404) return undefined;
    if (req.routeOptions.config.multipart !== true) throw new ParapetError('unsupported_media_type', 'this route does not take multipart/form-data; send application/json');
    const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    return readMultipart(payload, String(req.headers['content-type']), multipartLimits(req.routeOptions.bodyLimit), declared);
  });

  app.addHook('onRequest', async (req, reply) => {
    void reply.header('cache-control', 'no-store');
    if (req.method === 'TRACE' || req.method === 'TRACK') throw new ParapetError('method_not_allowed', 'TRACE is refused');
    const action = req.routeOptions.config.action;
    if (action === 'public') return;
    if (!req.url.startsWith(API_PREFIX) && action === undefined) return; // static dashboard files, 404s
    const principal = await authenticate(deps, req, opts.secure);
    if (!principal) throw new ParapetError('unauthenticated', 'send a bearer token or log in');
    req.principal = principal;
    if (action === undefined) return; // unknown API route: the 404 handler answers, after authentication
    if (!can(principal.role, action)) throw new ParapetError('forbidden', `role ${principal.role} may not ${action}`);
    if (principal.restricted && !allowedWhileRestricted(action)) {
      throw new ParapetError('forbidden', 'enrol your second factor first: POST /api/v1/auth/totp/enrol (SPEC §5.4)');
    }
  });

  app.setErrorHandler((err: FastifyError | ParapetError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof ParapetError) {
      // Not ready or out of room: a client that retries should wait a little first.
      if (err.status === 503) void reply.header('retry-after', '5');
      return reply.status(err.status).send(err.toBody());
    }
    const mapped = err.code ? FASTIFY_ERRORS[err.code] : undefined;
    if (mapped) {
      const e = new ParapetError(mapped[0], mapped[1]);
      return reply.status(e.status).send(e.toBody());
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      const code = err.statusCode === 429 ? 'rate_limited' : err.statusCode === 413 ? 'payload_too_large' : err.statusCode === 415 ? 'unsupported_media_type' : 'bad_request';
      const e = new ParapetError(isErrorCode(code) ? code : 'bad_request');
      return reply.status(e.status).send(e.toBody());
    }
    req.log.error({ err: { message: err.message, code: err.code } }, 'unhandled error');
    return reply.status(500).send(new ParapetError('internal').toBody());
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new ParapetError('not_found', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`);
    return reply.status(404).send(e.toBody());
  });

  registerHttpAudit(app, deps.audit);
  // Several nodes share a PostgreSQL store: count each credential's requests across all of them.
  const shared = deps.config.store.kind === 'postgres' ? new SharedRateCounts({ kv: deps.store.kv, digest: (key) => deps.auth.keyDigest('ratelimit', key), onError: (err) => deps.log.warn({ mod: 'rate-limit', err }, 'rate limits could not be shared through the store; counting on this node alone until it answers') }) : null;
  if (shared) app.addHook('onClose', async () => shared.stop());
  await registerRateLimit(app, cfg.rate_limit_per_min, shared);
  app.get('/healthz', { config: { action: 'public' } }, async () => ({ status: 'ok' }));
  await app.register(
    async (api) => {
      if (opts.ingestOnly) api.addHook('onRoute', (route) => keepIngestOnly(route as unknown as MutableRoute));
      await registerOpenApi(api);
      api.get('/healthz', { config: { action: 'public' } }, async () => ({ status: 'ok' }));
      authRoutes(opts.secure)(api, deps);
      for (const mod of ROUTES) mod(api, deps);
    },
    { prefix: API_PREFIX },
  );
  if (opts.extend) await opts.extend(app);
  return app;
}

/** The parts of a route an ingest node rewrites before it is added (fastify's onRoute hook). */
interface MutableRoute {
  config?: { action?: string };
  handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  schema?: unknown;
  preValidation?: unknown;
  preHandler?: unknown;
  url?: string;
}

/** What an ingest node serves: ingest, and its own metrics and status (each node is watched on its own). */
const INGEST_NODE_ACTIONS = new Set(['events.ingest', 'metrics.read', 'status.read']);

function keepIngestOnly(route: MutableRoute): void {
  if (INGEST_NODE_ACTIONS.has(route.config?.action ?? '') || route.url?.endsWith('/healthz')) return;
  // No schema or route hooks run before the answer: nothing of this request is read.
  delete route.schema;
  delete route.preValidation;
  delete route.preHandler;
  route.handler = async () => {
    throw new ParapetError('wrong_node', 'this is an ingest node: it takes events (POST /api/v1/events and the integration webhooks) and serves its own /metrics and /status only; use the serving node for the rest of the API');
  };
}

async function authenticate(deps: HubDeps, req: FastifyRequest, secure: boolean) {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(header);
    return m?.[1] ? deps.auth.authenticateBearer(m[1]) : null;
  }
  const sid = req.cookies[sessionCookieName(secure)];
  if (!sid) return null;
  const s = await deps.auth.authenticateSession(sid);
  if (!s) return null;
  // CSRF (SPEC §5.4): cookie-authenticated state changes must echo the session's token in a header.
  if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') {
    const sent = req.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || sent !== s.csrf) throw new ParapetError('csrf_invalid');
  }
  return s.principal;
}
