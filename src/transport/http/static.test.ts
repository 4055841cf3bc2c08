import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { startTestHub, tempDir, type TestHub } from '../../../test/helpers/hub.js';
import { buildHttpApp } from './app.js';
import { registerDashboard } from './static.js';

describe('the dashboard static files', () => {
  let hub: TestHub;
  let app: FastifyInstance;
  let bare: FastifyInstance;
  beforeAll(async () => {
    hub = await startTestHub();
    const dir = tempDir('parapet-web-');
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>dash</title><script type="module" src="/assets/app-1.js"></script>');
    writeFileSync(join(dir, 'assets', 'app-1.js'), 'console.log(1)');
    app = await buildHttpApp(hub.deps, { secure: false, extend: (a) => registerDashboard(a, { dir }) });
    bare = await buildHttpApp(hub.deps, { secure: false, extend: (a) => registerDashboard(a, { dir: join(dir, 'missing') }) });
  });
  afterAll(async () => {
    await app.close();
    await bare.close();
    await hub.close();
  });

  it('serves index.html at / without a credential, under the strict CSP and not cached', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('<title>dash</title>');
    expect(String(res.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers index.html for the browser routes of the dashboard (SPA fallback)', async () => {
    for (const url of ['/alerts', '/search?device=cam-1', '/map/anything']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toContain('<title>dash</title>');
    }
  });

  it('serves hashed assets with a long cache', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/app-1.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log(1)');
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it('keeps the API closed and its JSON 404 for unknown API paths', async () => {
    const anon = await app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(anon.statusCode).toBe(401);
    const authed = await app.inject({ method: 'GET', url: '/api/v1/nothing-here', headers: { authorization: `Bearer ${hub.operatorToken}` } });
    expect(authed.statusCode).toBe(404);
    expect(authed.json()).toEqual({ error: 'not_found', detail: 'no route GET /api/v1/nothing-here' });
    const devices = await app.inject({ method: 'GET', url: '/api/v1/devices' });
    expect(devices.statusCode).toBe(401);
  });

  it('tells the dashboard its map settings without a credential, and no tiles by default', async () => {
    const res = await app.inject({ method: 'GET', url: '/dashboard-config.json' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ tile_url: null, tile_attribution: null });
  });

  it('says how to build the dashboard when it is missing', async () => {
    const res = await bare.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build:web');
    const api = await bare.inject({ method: 'GET', url: '/api/v1/devices', headers: { authorization: `Bearer ${hub.operatorToken}` } });
    expect(api.statusCode).toBe(200);
  });
});
