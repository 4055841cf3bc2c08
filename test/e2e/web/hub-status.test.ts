/**
 * The hub's own health on the Device health screen, in Debian's Chromium: a hub whose SQLite store
 * reached its cap (`store.sqlite_max_mb`) shows the operator, first, that the store is full and
 * ingest is refused, and how full it is against its cap (a meter) — accessibly (axe-core).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../../helpers/hub.js';
import { ensureDashboardBuilt, loginFirstAdmin, openPage, screenshot, seriousViolations } from './harness.js';

describe('dashboard: the hub status panel', () => {
  let hub: TestHub;
  let browser: Awaited<ReturnType<typeof openPage>> | null = null;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    await ensureDashboardBuilt();
    hub = await startTestHub({ store: { kind: 'sqlite', sqlite_max_mb: 3 } });
    expect((await hub.api('/devices/meter-1', { method: 'PUT', body: JSON.stringify({ type: 'meter', site: 'harbour', name: 'meter-1', heartbeat_s: 0 }) })).status).toBe(201);
    // Fill the store until it refuses a batch.
    let refused = false;
    for (let sent = 0; sent < 200_000 && !refused; sent += 1000) {
      const batch = Array.from({ length: 1000 }, (_, i) => ({
        id: `m-${sent + i}`,
        ts: new Date(Date.now() - (sent + i)).toISOString(),
        device: 'meter-1',
        kind: 'telemetry.reading',
        data: { metric: `power_kw_${(sent + i) % 997}_${'x'.repeat(40)}`, value: sent + i, unit: 'kW' },
      }));
      const res = await hub.api('/events', { method: 'POST', body: JSON.stringify(batch), token: hub.ingestToken });
      refused = res.status === 503;
    }
    expect(refused, 'the store never filled up').toBe(true);
    browser = await openPage();
    ({ page, problems } = browser);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  it('puts "store full" first, with the store against its cap, for the operator to act on', async () => {
    await loginFirstAdmin(page, hub);
    // Seen from any screen: the top bar names the problem and leads to Device health.
    const bar = page.locator('header [data-hub-problem="store_full"]');
    await bar.waitFor();
    await expect(bar.innerText()).resolves.toBe('hub: store full');
    await bar.click();
    await page.waitForURL(/\/devices$/);
    const panel = page.getByTestId('hub-status');
    const full = panel.locator('[data-problem="store_full"]');
    await full.waitFor();
    await expect(full.getAttribute('role')).resolves.toBe('alert');
    await expect(full.innerText()).resolves.toMatch(/of its 3\.0 MB cap .*ingest is refused with 503/);
    const meter = panel.getByRole('meter', { name: 'Store used of its cap' });
    await expect(meter.getAttribute('max')).resolves.toBe(String(3 * 1024 * 1024));
    expect(Number(await meter.getAttribute('value'))).toBeGreaterThan(0.9 * 3 * 1024 * 1024);
    await expect(panel.locator('dt:has-text("Refused") + dd').innerText()).resolves.toMatch(/not stored \(store\)/);
    await screenshot(page, 'hub-status-full');
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
