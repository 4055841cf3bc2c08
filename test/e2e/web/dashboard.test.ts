/**
 * The operator dashboard in a real browser (issue 6 "Tests"): Debian's Chromium, headless, against a
 * hub on an ephemeral port. Logs in as the first admin (enrolling TOTP, SPEC §5.4), sees the demo
 * district's devices on the map, watches an alert raised by an event posted through the API arrive
 * live over SSE, acknowledges and resolves it from the keyboard, runs a search, and checks every
 * main screen with axe-core (no serious or critical violation) and a screenshot under
 * test-output/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../../helpers/hub.js';
import { createDistrict, type District, type SimUnit } from '../../../src/sim/district.js';
import { ACTION_TIMEOUT_MS, ensureDashboardBuilt, login, loginFirstAdmin, openPage, screenshot, seriousViolations, watchPage } from './harness.js';

/**
 * Six hours of district life, every 15 min: people crossing gate lines and in zones (above k, so
 * the statistics publish them), air quality, and plate reads — the watched plate among them.
 */
function history(d: District, now: number): unknown[] {
  const out: unknown[] = [];
  const cams = d.units.filter((u) => u.device.type === 'camera').slice(0, 4);
  const env = d.units.filter((u) => u.device.type === 'env');
  const lpr = d.units.filter((u) => u.device.type === 'lpr');
  for (let step = 24; step >= 1; step--) {
    const ts = now - step * 15 * 60_000;
    const wave = 1 + Math.sin(step / 4);
    cams.forEach((u, i) => {
      out.push({ id: `lc-${step}-${i}`, device: u.device.id, ts, kind: 'camera.line_crossing', data: { line: `${u.zone.name}-line`, direction: 'in', object: 'person', count: Math.round(8 + 10 * wave + i * 3) } });
      out.push({ id: `oc-${step}-${i}`, device: u.device.id, ts, kind: 'camera.occupancy', data: { zone: u.zone.name, object: 'person', count: Math.round(10 + 12 * wave + i * 4) } });
    });
    env.forEach((u, i) => out.push({ id: `aq-${step}-${i}`, device: u.device.id, ts, kind: 'env.air_quality', data: { pm25: Math.round((9 + 5 * wave + i) * 10) / 10, pm10: Math.round((18 + 7 * wave) * 10) / 10, no2: Math.round(22 + 8 * wave) } }));
    lpr.forEach((u, i) => out.push({ id: `pl-${step}-${i}`, device: u.device.id, ts, kind: 'lpr.read', data: { plate: step % 6 === 0 && i === 0 ? d.watchPlate : d.regularPlates[(step * 7 + i) % d.regularPlates.length], confidence: 0.93 } }));
  }
  return out;
}

describe('operator dashboard in Chromium', () => {
  let hub: TestHub;
  let browser: Awaited<ReturnType<typeof openPage>>;
  let page: Page;
  let problems: string[];
  let district: District;
  let fire: SimUnit;
  let camera: SimUnit;

  const post = async (events: unknown[]) => {
    const res = await hub.api('/events', { method: 'POST', body: JSON.stringify(events) });
    expect(res.status, await res.clone().text()).toBe(202);
  };
  const axeClean = async (screen: string) => {
    const v = await seriousViolations(page);
    expect(v, `${screen}: ${JSON.stringify(v, null, 1)}`).toEqual([]);
  };
  const go = async (label: string) => {
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: label }).click();
  };

  beforeAll(async () => {
    await ensureDashboardBuilt();
    hub = await startTestHub();
    district = createDistrict({ devices: 40, seed: 7 });
    for (const d of district.devices) {
      const res = await hub.api(`/devices/${d.id}`, { method: 'PUT', body: JSON.stringify(d) });
      expect(res.status).toBe(201);
    }
    const f = district.units.find((u) => u.device.type === 'fire');
    const c = district.units.find((u) => u.device.type === 'camera');
    if (!f || !c) throw new Error('the district has no fire point or camera');
    fire = f;
    camera = c;
    // Most devices report in; one camera reports a fault, so health has something to put first.
    const now = Date.now();
    await post(district.devices.slice(0, 30).map((d, i) => ({ id: `hb-${i}`, device: d.id, ts: now - 1000, kind: 'device.heartbeat', data: { uptime_s: 3600 } })));
    await post([{ id: 'fault-1', device: camera.device.id, ts: now, kind: 'device.fault', data: { code: 'E42', message: 'lens heater failed' } }]);
    await post(history(district, now));
    browser = await openPage();
    ({ page, problems } = browser);
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  it('logs in as the first admin, enrolling the second factor', async () => {
    const admin = await loginFirstAdmin(page, hub);
    await expect(page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Live map' }).isVisible()).resolves.toBe(true);
    await expect(page.getByText(`${admin.name} (admin)`).isVisible()).resolves.toBe(true);
  });

  it("draws the demo district's devices on the live map", async () => {
    await go('Live map');
    const map = page.getByTestId('map');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="map"]')?.getAttribute('data-drawn-items') ?? '0') > 0);
    await expect(page.getByRole('status').filter({ hasText: /devices in view/ }).textContent()).resolves.toContain(`${district.devices.length} devices in view`);
    expect(Number(await map.getAttribute('data-drawn-items'))).toBeGreaterThan(3);
    await screenshot(page, 'map');
    await axeClean('map');
    // The faulty camera's open alert is pinned on it; clicking the pin opens the device's panel.
    await page.getByRole('button', { name: /major alert: Equipment fault/ }).click();
    const panel = page.getByTestId('device-panel');
    await panel.getByText(camera.device.id, { exact: true }).waitFor();
    await expect(panel.getByText('fault', { exact: true }).first().isVisible()).resolves.toBe(true);
    await panel.getByRole('button', { name: /Equipment fault/ }).waitFor();
    await panel.getByText('device.fault').waitFor();
    await screenshot(page, 'map-device');
    await axeClean('map-device');
  });

  it('shows an alert raised by an event live, and acknowledges and resolves it from the keyboard', async () => {
    await go('Alerts');
    await page.getByText('live', { exact: true }).first().waitFor();
    await post([{ id: 'fa-1', device: fire.device.id, ts: Date.now(), kind: 'fire.alarm', data: { point: fire.label } }]);
    const item = page.getByRole('option').filter({ hasText: 'FIRE ALARM' });
    await item.waitFor({ timeout: 10_000 });
    await item.click();
    const detail = page.getByTestId('alert-detail');
    await expect(detail.getByText(/Call the fire brigade/).isVisible()).resolves.toBe(true);
    await screenshot(page, 'alerts');
    await axeClean('alerts');

    await page.keyboard.press('a');
    await page.waitForSelector('[data-testid="alert-detail"][data-state="acknowledged"]');

    // The point restores; the rule requires the condition clear before resolving (SPEC §2.1).
    await post([{ id: 'fr-1', device: fire.device.id, ts: Date.now(), kind: 'fire.restore', data: { point: fire.label } }]);
    const id = await waitForAlertId('fire-alarm');
    await page.waitForFunction(async (alertId) => {
      const r = await fetch(`/api/v1/alerts/${alertId}`);
      const a = (await r.json()) as { condition?: string; state?: string };
      return a.condition === 'cleared' || a.state === 'resolved';
    }, id);
    const state = await alertState(id);
    if (state !== 'resolved') {
      await item.click();
      await page.keyboard.press('r');
      await page.keyboard.type('false alarm: dust in the detector, cleaned');
      await page.keyboard.press('Enter');
    }
    await item.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await alertState(id)).toBe('resolved');

    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await screenshot(page, 'help');
    await page.keyboard.press('Escape');
  });

  it('searches the events of one device, with a histogram and the results', async () => {
    // `g s` from the alert console goes to Search, and `s` does not also snooze an alert there.
    await page.keyboard.press('g');
    await page.keyboard.press('s');
    await page.getByRole('heading', { name: 'Search events' }).waitFor();
    await page.getByRole('textbox', { name: 'Device', exact: true }).fill(fire.device.id);
    await page.getByRole('button', { name: 'Search' }).click();
    const results = page.getByTestId('search-results');
    await results.waitFor();
    await expect(results.getByRole('cell', { name: 'fire.alarm' }).count()).resolves.toBe(1);
    await expect(results.getByRole('cell', { name: 'fire.restore' }).count()).resolves.toBe(1);
    await page.locator('.chart canvas').first().waitFor();
    await screenshot(page, 'search');
    await axeClean('search');
  });

  it('lists faulty devices first on the health screen', async () => {
    await go('Device health');
    const first = page.getByRole('table', { name: 'Devices, faulty and offline first' }).locator('tbody tr').first();
    await first.waitFor();
    await expect(first.getAttribute('data-device')).resolves.toBe(camera.device.id);
    await expect(first.getByText('fault').isVisible()).resolves.toBe(true);
    // The hub's own health heads the screen: what it stored, and no problem to act on.
    const hubPanel = page.getByTestId('hub-status');
    await hubPanel.waitFor();
    await expect(hubPanel.getByRole('heading', { name: 'Hub' }).isVisible()).resolves.toBe(true);
    await expect(hubPanel.locator('[data-problem]').count()).resolves.toBe(0);
    expect(Number((await hubPanel.locator('dt:has-text("Events stored") + dd').innerText()).replace(/,/g, ''))).toBeGreaterThan(0);
    // The last hour's events per minute, drawn.
    await hubPanel.locator('.chart canvas').first().waitFor();
    await screenshot(page, 'devices');
    await axeClean('devices');
  });

  it('charts footfall, occupancy, traffic and air quality on the statistics screen', async () => {
    await go('Statistics');
    await page.locator('.chart canvas').nth(2).waitFor();
    await expect(page.locator('.chart').count()).resolves.toBeGreaterThanOrEqual(3);
    await screenshot(page, 'stats');
    await axeClean('stats');
  });

  it('adds a watchlist entry with reason, legal basis and expiry, never showing its value back', async () => {
    await go('Admin');
    await page.getByRole('heading', { name: 'Administration' }).waitFor();
    await screenshot(page, 'admin');
    await axeClean('admin');
    await page.getByRole('tab', { name: 'Watchlists' }).click();
    await page.getByRole('textbox', { name: 'Plate' }).fill('ZZ-99-XY');
    await page.getByLabel('Label (shown on alerts)').fill('Stolen van, case 17');
    await page.getByLabel('Legal basis').fill('Police request 2026/17');
    await page.getByLabel('Reason').fill('Reported stolen on 24 November');
    await page.getByRole('button', { name: 'Add entry' }).click();
    await page.getByRole('cell', { name: 'Stolen van, case 17' }).waitFor();
    expect(await page.content()).not.toContain('ZZ-99-XY');
    await screenshot(page, 'admin-watchlists');
    await axeClean('admin-watchlists');
  });

  it('runs an investigation under dual control: an investigator asks, the admin approves, the results carry the privacy notice', async () => {
    const { password } = await hub.deps.auth.createUser('ivy', 'investigator', []);
    const ctx = await browser.browser.newContext({ viewport: { width: 1600, height: 900 } });
    ctx.setDefaultTimeout(ACTION_TIMEOUT_MS);
    try {
      const inv = await ctx.newPage();
      const invProblems = watchPage(inv);
      await login(inv, hub.httpUrl, 'ivy', password);
      await inv.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Investigations' }).click();
      await inv.getByRole('textbox', { name: 'Value' }).fill(district.watchPlate);
      await inv.getByLabel('Case id').fill('CASE-2026-17');
      await inv.getByLabel(/^Reason/).fill('Vehicle seen near the warehouse break-in of 25 November');
      await inv.getByRole('button', { name: 'File request' }).click();
      const outcome = inv.getByRole('status').filter({ hasText: 'Request filed' }).or(inv.getByRole('alert'));
      await expect(outcome.first().textContent()).resolves.toContain('Request filed');
      await inv.getByText('awaiting a second person').waitFor();

      await go('Investigations');
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.getByText('Approved case CASE-2026-17.').waitFor();

      await inv.reload();
      await inv.getByRole('button', { name: 'Results' }).click();
      await inv.getByText('Privacy notice.').waitFor();
      await expect(inv.getByRole('cell', { name: 'lpr.read' }).count()).resolves.toBeGreaterThan(0);
      // Operators and investigators see pseudonyms only: the plate typed in is not on the page.
      expect(await inv.content()).not.toContain(district.watchPlate);
      await screenshot(inv, 'investigations');
      const v = await seriousViolations(inv);
      expect(v, JSON.stringify(v, null, 1)).toEqual([]);
      expect(invProblems).toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  it('lets an auditor read the audit log and verify its hash chain', async () => {
    const { password } = await hub.deps.auth.createUser('audrey', 'auditor', []);
    const ctx = await browser.browser.newContext({ viewport: { width: 1600, height: 900 } });
    ctx.setDefaultTimeout(ACTION_TIMEOUT_MS);
    try {
      const aud = await ctx.newPage();
      await login(aud, hub.httpUrl, 'audrey', password);
      await aud.getByRole('heading', { name: 'Audit', level: 1 }).waitFor();
      await aud.getByRole('cell', { name: 'auth.login' }).first().waitFor();
      await aud.getByRole('button', { name: 'Verify the hash chain' }).click();
      await expect(aud.getByTestId('audit-verify').textContent()).resolves.toMatch(/Intact/);
      await screenshot(aud, 'audit');
      const v = await seriousViolations(aud);
      expect(v, JSON.stringify(v, null, 1)).toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  it('ran without CSP refusals or page errors', () => {
    expect(problems).toEqual([]);
  });

  async function waitForAlertId(rule: string): Promise<string> {
    const res = await hub.api(`/alerts?rule=${rule}`);
    const body = (await res.json()) as { alerts: Array<{ id: string }> };
    const a = body.alerts[0];
    if (!a) throw new Error(`no alert of rule ${rule}`);
    return a.id;
  }

  async function alertState(id: string): Promise<string> {
    const res = await hub.api(`/alerts/${id}`);
    return ((await res.json()) as { state: string }).state;
  }
});
