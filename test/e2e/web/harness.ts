/**
 * Shared by the dashboard's browser tests and the map benchmark: a fresh dashboard build, Debian's
 * Chromium driven by playwright-core (no browser download), login through the real login screen
 * (with TOTP enrolment for admins, SPEC §5.4), axe-core and screenshots.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { TOTP, Secret } from 'otpauth';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds web/dist when it is missing or older than web/src. Test files may run in parallel: a
 * directory lock makes one build while the others wait for it.
 */
export async function ensureDashboardBuilt(): Promise<void> {
  const index = join(ROOT, 'web', 'dist', 'index.html');
  const stale = () => !existsSync(index) || statSync(index).mtimeMs < Math.max(newestMtime(join(ROOT, 'web', 'src')), statSync(join(ROOT, 'web', 'index.html')).mtimeMs);
  if (!stale()) return;
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  const lock = join(ROOT, 'test-output', '.web-build.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`dashboard build lock ${lock} held for 2 min; remove it if no build runs`);
      await new Promise((r) => setTimeout(r, 250));
      if (!stale()) return;
    }
  }
  try {
    if (!stale()) return;
    const { build } = await import('vite');
    await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Per-action timeout, ms: well under the test's, so a failure names the step that hung. */
export const ACTION_TIMEOUT_MS = 8000;

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Problems the page reports: CSP refusals and uncaught errors (the strict CSP must hold, SPEC §5.9). */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`csp: ${m.text()}`);
  });
  return problems;
}

export function totpNow(secret: string): string {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate();
}

/** Signs in through the login screen; enrols TOTP when the hub asks for it. Returns the TOTP secret if enrolled. */
export async function login(page: Page, baseUrl: string, name: string, password: string, totpSecret?: string): Promise<string | null> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const enrol = page.getByTestId('totp-secret');
  const code = page.getByLabel(/One-time code/);
  const nav = page.getByRole('navigation', { name: 'Screens' });
  await enrol.or(code).or(nav).first().waitFor();
  if (await code.isVisible()) {
    if (!totpSecret) throw new Error('the hub asks for a TOTP code but no secret is known');
    await code.fill(totpNow(totpSecret));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await nav.waitFor();
    return totpSecret;
  }
  if (await enrol.isVisible()) {
    const secret = await enrol.getAttribute('data-secret');
    if (!secret) throw new Error('no TOTP secret on the enrolment screen');
    await page.getByLabel('Code from the app').fill(totpNow(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByTestId('recovery-codes').waitFor();
    await page.getByRole('button', { name: /continue/ }).click();
    await nav.waitFor();
    return secret;
  }
  return null;
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: string[];
}

const AXE_SOURCE = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** axe-core (WCAG 2.x A/AA rules) on the page; returns serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // page.evaluate runs through the DevTools protocol, not as a page script, so the CSP allows it.
  await page.evaluate(AXE_SOURCE);
  const all = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: unknown) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)) }));
  });
  return all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/** A 1600×900 page in a fresh Chromium, with its problems watched (CSP, uncaught errors); `close` ends both. */
export async function openPage(): Promise<{ readonly browser: Browser; readonly context: BrowserContext; readonly page: Page; readonly problems: string[]; close(): Promise<void> }> {
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1 });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const page = await context.newPage();
  return {
    browser,
    context,
    page,
    problems: watchPage(page),
    async close() {
      await context.close();
      await browser.close();
    },
  };
}

/** Signs in as the hub's first admin (printed once at its first start), enrolling TOTP. */
export async function loginFirstAdmin(page: Page, hub: { readonly httpUrl: string; readonly firstAdmin: { readonly name: string; readonly password: string } | null }): Promise<{ readonly name: string }> {
  const admin = hub.firstAdmin;
  if (!admin) throw new Error('no first admin on a fresh data dir');
  await login(page, hub.httpUrl, admin.name, admin.password);
  return admin;
}
