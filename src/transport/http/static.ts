/**
 * The dashboard's static files (issue 6), served at `/` after the API. They carry no data, so they
 * need no credential (SPEC §5.1): the app's onRequest hook skips authentication for routes without
 * `config.action` outside /api/v1. Every other non-API path answers index.html (the dashboard
 * routes in the browser); unknown /api/v1 paths keep the API's own 404 `{error, detail}`.
 *
 * Files are registered one route each (no wildcard), so the fallback cannot shadow them. Hashed
 * assets (`/assets/…`, names change with content) are cached for a year; index.html is never
 * cached (the app's `no-store`), so a rebuilt dashboard is picked up at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { ParapetError } from '../../core/errors.js';
import { API_PREFIX } from './app.js';

/** web/dist from src/transport/http (tsx) and from dist/transport/http (built): same depth. */
export const DEFAULT_DASHBOARD_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parapet — dashboard not built</title></head>
<body style="background:#0b1016;color:#e8eef5;font:18px system-ui,sans-serif;padding:3rem">
<h1>Parapet is running, but its dashboard is not built</h1>
<p>The API answers under <code>/api/v1</code>. To build the dashboard: <code>npm run build:web</code>, then reload.</p>
</body></html>
`;

export interface DashboardOptions {
  /** Directory holding the built dashboard (index.html, assets/). */
  readonly dir?: string;
  /**
   * XYZ tile URL template for the live map (`https://tiles.example/{z}/{x}/{y}.png`), or none: the
   * map then draws the site plan on a plain background. A tile host other than the hub must also be
   * allowed in the CSP's img-src.
   */
  readonly tileUrl?: string | null;
  readonly tileAttribution?: string | null;
}

/** What the dashboard reads before drawing the map: presentation settings only, no data. */
export interface DashboardConfig {
  readonly tile_url: string | null;
  readonly tile_attribution: string | null;
}

function isApiPath(url: string): boolean {
  return url === API_PREFIX || url.startsWith(API_PREFIX + '/') || url.startsWith(API_PREFIX + '?');
}

/** Registers the dashboard; pass as `extend` to buildHttpApp. */
export async function registerDashboard(app: FastifyInstance, opts: DashboardOptions = {}): Promise<void> {
  const dir = opts.dir ?? DEFAULT_DASHBOARD_DIR;
  const indexFile = join(dir, 'index.html');
  const built = existsSync(indexFile);
  const index = built ? readFileSync(indexFile) : null;

  if (built) {
    await app.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      wildcard: false,
      index: false,
      redirect: false,
      dotfiles: 'deny',
      cacheControl: false,
      setHeaders: (reply, path) => {
        if (path.startsWith(join(dir, 'assets'))) void reply.header('cache-control', 'public, max-age=31536000, immutable');
      },
    });
  }

  const config: DashboardConfig = { tile_url: opts.tileUrl ?? null, tile_attribution: opts.tileAttribution ?? null };
  app.get('/dashboard-config.json', { schema: { hide: true } }, async () => config);

  // The SPA fallback (and `/`): index.html for the browser's own routes, never for the API.
  const fallback = async (req: FastifyRequest, reply: FastifyReply) => {
    if (isApiPath(req.url)) throw new ParapetError('not_found', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`);
    if (!index) return reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.type('text/html; charset=utf-8').send(index);
  };
  app.get('/', { schema: { hide: true } }, fallback);
  app.get('/*', { schema: { hide: true } }, fallback);
}
