/**
 * Map benchmark (issue 6 "Scale"): 100,000 devices, the dashboard in headless Chromium. Reports
 * the time to first render of the live map, frame times while panning and zooming with the mouse,
 * and the hub's viewport query times (GET /devices?bbox&zoom) at city, district and street zoom.
 *
 *   npx tsx bench/map.ts [--devices 100000] [--pans 12] [--zooms 8] [--out bench/out/map.json]
 *
 * The hub runs in this process with the in-memory store (the registry is in memory on every store;
 * what is measured here is the viewport query and the browser, not the database).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { testConfig } from '../src/config/load.js';
import { startHub } from '../src/hub.js';
import { createLogger } from '../src/core/log.js';
import { ensureDashboardBuilt, launchChromium, login, ROOT } from '../test/e2e/web/harness.js';
import { cityDevices, MAP_VIEWS } from './map-devices.js';

const { values: args } = parseArgs({
  options: {
    devices: { type: 'string', default: '100000' },
    pans: { type: 'string', default: '12' },
    zooms: { type: 'string', default: '8' },
    out: { type: 'string', default: join(ROOT, 'bench', 'out', 'map.json') },
  },
});
const N = Number(args.devices);
const PANS = Number(args.pans);
const ZOOMS = Number(args.zooms);

/** Targets (bench/README.md): what "stays interactive" means here. */
const TARGETS = { firstRenderMs: 2000, frameP95Ms: 33, frameP99Ms: 50, viewportQueryP95Ms: 100 };

function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function summary(values: readonly number[]) {
  const s = [...values].sort((a, b) => a - b);
  const r = (v: number) => Math.round(v * 10) / 10;
  return { n: s.length, p50: r(pct(s, 50)), p95: r(pct(s, 95)), p99: r(pct(s, 99)), max: r(s[s.length - 1] ?? Number.NaN) };
}

async function main(): Promise<void> {
  const log = (m: string) => process.stderr.write(`${m}\n`);
  await ensureDashboardBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'parapet-bench-map-'));
  const config = testConfig({ data_dir: dataDir, http: { port: 0 }, mqtt: { enabled: false, port: 0 }, log: { level: 'silent' }, store: { kind: 'memory' } });
  const hub = await startHub({ config, env: {}, logger: createLogger('silent') });
  try {
    log(`registering ${N.toLocaleString()} devices…`);
    const t0 = performance.now();
    const all = cityDevices(N);
    for (const d of all) await hub.deps.registry.put(d);
    log(`  ${Math.round(performance.now() - t0)} ms`);

    // Liveness: 85 % report a heartbeat, 1 in 50 of those then a fault; the rest stay unknown.
    const token = (await hub.deps.auth.createToken('bench-ingest', 'ingest', [])).secret;
    const now = Date.now();
    const events = all.flatMap((d, i) => (i % 100 < 85 ? [{ device: d.id, ts: now - 1000, kind: 'device.heartbeat', data: {} }, ...(i % 50 === 7 ? [{ device: d.id, ts: now, kind: 'device.fault', data: { code: 'E1' } }] : [])] : []));
    log(`ingesting ${events.length.toLocaleString()} liveness events…`);
    const t1 = performance.now();
    for (let i = 0; i < events.length; i += 10_000) {
      const res = await fetch(`${hub.httpUrl}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(events.slice(i, i + 10_000)) });
      if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    }
    await hub.deps.pipeline.drain();
    log(`  ${Math.round(performance.now() - t1)} ms`);

    // The hub's side: viewport queries at three zooms (operator token).
    const operator = (await hub.deps.auth.createToken('bench-operator', 'operator', [])).secret;
    const query: Record<string, ReturnType<typeof summary> & { items: number; clustered: boolean; bytes: number }> = {};
    for (const [name, bbox, zoom] of MAP_VIEWS) {
      const times: number[] = [];
      let items = 0;
      let clustered = false;
      let bytes = 0;
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        const res = await fetch(`${hub.httpUrl}/api/v1/devices?bbox=${bbox}&zoom=${zoom}`, { headers: { authorization: `Bearer ${operator}` } });
        const text = await res.text();
        times.push(performance.now() - t);
        const body = JSON.parse(text) as { devices: unknown[]; clusters: unknown[]; clustered: boolean };
        items = body.devices.length + body.clusters.length;
        clustered = body.clustered;
        bytes = text.length;
      }
      query[name] = { ...summary(times), items, clustered, bytes };
    }

    // The browser's side.
    const { password } = await hub.deps.auth.createUser('bench', 'operator', []);
    const browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await login(page, hub.httpUrl, 'bench', password);
    // Which API calls the first render waits for, and how long each took (ms since navigation).
    const calls: Array<{ url: string; start: number; ms: number }> = [];
    page.on('requestfinished', (r) => {
      const t = r.timing();
      if (r.url().includes('/api/v1/')) calls.push({ url: r.url().replace(hub.httpUrl, ''), start: Math.round(t.startTime), ms: Math.round(t.responseEnd) });
    });
    await page.goto(`${hub.httpUrl}/map`);
    // Attribute selectors, not waitForFunction: its predicate is compiled in the page, which the
    // dashboard's CSP (script-src 'self', no unsafe-eval) forbids.
    await page.locator('[data-testid="map"][data-first-draw-at]').waitFor({ timeout: 60_000 });
    const firstRenderMs = Number(await page.getByTestId('map').getAttribute('data-first-draw-at'));
    await page.locator('[data-testid="map"][data-view-draw-at]').waitFor({ timeout: 60_000 });
    const viewRenderMs = Number(await page.getByTestId('map').getAttribute('data-view-draw-at'));
    const firstItems = Number(await page.getByTestId('map').getAttribute('data-drawn-items'));
    log(`first render ${firstRenderMs} ms (${firstItems} items drawn); fitted view drawn at ${viewRenderMs} ms`);
    log(`viewport queries: ${JSON.stringify(query)}`);
    const navStart = Math.min(...calls.map((c) => c.start));
    for (const c of calls.filter((x) => !/devices\/d-/.test(x.url)).slice(0, 12)) log(`  ${String(c.start - navStart).padStart(6)} ms +${String(c.ms).padStart(5)} ms  ${c.url.slice(0, 110)}`);

    // Frame times: a rAF loop records every frame gap while the mouse pans and zooms.
    // Passed as source text: tsx would wrap a function argument in helpers the page does not have.
    await page.evaluate(`(() => {
      window.__frames = [];
      window.__stop = false;
      let last = performance.now();
      const tick = (t) => {
        window.__frames.push(t - last);
        last = t;
        if (!window.__stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);
    const box = await page.locator('.map').boundingBox();
    if (!box) throw new Error('no map on the page');
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const draws: number[] = [];
    const settle = async () => {
      // moveend → viewport query → redraw; wait for the draw counter to move, then read its cost.
      await page.waitForTimeout(400);
      draws.push(Number(await page.getByTestId('map').getAttribute('data-draw-ms')));
    };
    for (let i = 0; i < PANS; i++) {
      const dx = (i % 2 === 0 ? 1 : -1) * 300;
      const dy = (i % 3 === 0 ? 1 : -1) * 150;
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      await page.mouse.move(cx + dx, cy + dy, { steps: 20 });
      await page.mouse.up();
      await settle();
    }
    for (let i = 0; i < ZOOMS; i++) {
      await page.mouse.move(cx + (i % 2) * 80, cy);
      await page.mouse.wheel(0, i < ZOOMS / 2 ? -300 : 300);
      await settle();
    }
    const frames = await page.evaluate<number[]>('(() => { window.__stop = true; return window.__frames.slice(1); })()');
    await context.close();
    await browser.close();

    const frame = summary(frames);
    const result = {
      at: new Date().toISOString(),
      devices: N,
      chromium: '/usr/bin/chromium (headless, --disable-gpu: software rendering)',
      machine: { cpus: cpus().length, load_average_1m_at_end: Math.round((loadavg()[0] ?? 0) * 10) / 10 },
      first_render_ms: firstRenderMs,
      fitted_view_render_ms: viewRenderMs,
      first_render_items: firstItems,
      frames: { ...frame, over_50ms: frames.filter((f) => f > 50).length },
      redraw_ms: summary(draws),
      viewport_query_ms: query,
      targets: TARGETS,
      met: {
        first_render: firstRenderMs <= TARGETS.firstRenderMs,
        frame_p95: frame.p95 <= TARGETS.frameP95Ms,
        frame_p99: frame.p99 <= TARGETS.frameP99Ms,
        viewport_query_p95: Object.values(query).every((q) => q.p95 <= TARGETS.viewportQueryP95Ms),
      },
    };
    mkdirSync(dirname(args.out), { recursive: true });
    writeFileSync(args.out, JSON.stringify(result, null, 2) + '\n');
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } finally {
    await hub.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
