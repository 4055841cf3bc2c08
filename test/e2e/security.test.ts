/**
 * Security by default, end to end over HTTP (SPEC §5; issue 5): response headers, TRACE, generic
 * errors, rate limits per credential, cookie sessions with CSRF / rotation / expiry / logout, TOTP
 * with replay refusal and recovery codes, login throttling without permanent lockout, users and
 * tokens, single-use device enrolment, the audit log, TLS with HSTS, and the leak guard at start.
 */
import { chmodSync, readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, fetch as undiciFetch } from 'undici';
import { FakeClock, MINUTE, HOUR } from '../../src/core/clock.js';
import { testConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/core/log.js';
import { startHub } from '../../src/hub.js';
import { totpCode } from '../../src/auth/totp.js';
import { startTestHub, tempDir, type TestHub } from '../helpers/hub.js';

let hub: TestHub;
const clock = new FakeClock(Date.now());

beforeAll(async () => {
  hub = await startTestHub({}, clock);
  await hub.deps.registry.put({ id: 'cam-1', type: 'camera', site: 'harbour', zone: 'gate', name: 'cam', lat: 38.7, lon: -9.1, heartbeat_s: 60 });
});
afterAll(async () => {
  await hub?.close();
});

/** A tiny cookie-jar browser session against the hub. */
class Browser {
  cookie = '';
  csrf = '';
  constructor(private readonly base: string) {}
  async send(method: string, path: string, body?: unknown, opts: { csrf?: boolean } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (opts.csrf !== false && this.csrf && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    const res = await fetch(`${this.base}/api/v1${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
    const set = res.headers.getSetCookie();
    for (const c of set) {
      const first = c.split(';')[0] ?? '';
      this.cookie = /=$/.test(first) || /Expires=Thu, 01 Jan 1970/i.test(c) ? '' : first;
    }
    return res;
  }
  async login(name: string, password: string, totp?: string): Promise<Response> {
    const res = await this.send('POST', '/auth/login', { name, password, ...(totp ? { totp } : {}) });
    if (res.ok) this.csrf = ((await res.clone().json()) as { csrf: string }).csrf;
    return res;
  }
}

async function errorOf(res: Response): Promise<{ error: string; detail: string }> {
  return (await res.json()) as { error: string; detail: string };
}

describe('headers and generic errors', () => {
  it('sends a strict CSP, nosniff, no referrer and no-store on the API, and no HSTS on loopback HTTP', async () => {
    const res = await hub.api('/devices', { token: hub.operatorToken });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    for (const d of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"]) expect(csp).toContain(d);
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('refuses TRACE', async () => {
    const res = await fetch(`${hub.httpUrl}/api/v1/events`, { method: 'TRACE' }).catch(() => null);
    // undici refuses to send TRACE itself; then the raw socket check below answers.
    if (res) expect(res.status).toBe(405);
    const raw = await rawRequest(hub.httpUrl, 'TRACE /api/v1/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 405/);
    expect(raw).toContain('method_not_allowed');
  });

  it('answers bad input with a code and a sentence, never a stack trace or SQL', async () => {
    const bad = await hub.api('/events', { method: 'POST', body: '{"id": [1,', token: hub.ingestToken });
    expect(bad.status).toBe(400);
    const body = await bad.text();
    expect(JSON.parse(body)).toMatchObject({ error: 'invalid_json' });
    const sqlish = await hub.api(`/events?kind=${encodeURIComponent("camera.motion' OR 1=1--")}&device=${encodeURIComponent("x' UNION SELECT * FROM users--")}`, { token: hub.operatorToken });
    expect(sqlish.status).toBe(400);
    for (const text of [body, await sqlish.text()]) {
      expect(text).not.toMatch(/\bat .*\.(ts|js):\d+|SQLITE|syntax error|node_modules/i);
    }
  });
});

describe('rate limits per credential', () => {
  it('answers 429 rate_limited with Retry-After to one noisy token while others pass', async () => {
    const small = await startTestHub({ http: { port: 0, rate_limit_per_min: 5 } });
    try {
      const noisy = small.operatorToken;
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await small.api('/devices', { token: noisy })).status);
      expect(statuses.slice(0, 5).every((s) => s === 200)).toBe(true);
      const limited = await small.api('/devices', { token: noisy });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await errorOf(limited)).toMatchObject({ error: 'rate_limited' });
      expect((await small.api('/devices', { token: small.adminToken })).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe('people: sessions, CSRF, TOTP, throttling', () => {
  let adminPassword = '';
  let totpSecret = '';
  let recovery: string[] = [];

  it('creates the first admin and limits its first session to TOTP enrolment', async () => {
    expect(hub.firstAdmin?.name).toBe('admin');
    adminPassword = hub.firstAdmin?.password ?? '';
    expect(adminPassword.length).toBeGreaterThanOrEqual(22);
    const b = new Browser(hub.httpUrl);
    const res = await b.login('admin', adminPassword);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ must_enrol_totp: true });
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^parapet_session=pps_/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/);
    const blocked = await b.send('GET', '/devices');
    expect(blocked.status).toBe(403);
    expect((await errorOf(blocked)).detail).toMatch(/enrol/);
    expect((await b.send('GET', '/auth/me')).status).toBe(200);

    // CSRF: a state change without the header is refused.
    expect((await b.send('POST', '/auth/totp/enrol', {}, { csrf: false })).status).toBe(403);
    const enrol = await b.send('POST', '/auth/totp/enrol', {});
    expect(enrol.status).toBe(201);
    const e = (await enrol.json()) as { otpauth_uri: string; secret: string };
    expect(e.otpauth_uri).toMatch(/^otpauth:\/\/totp\/Parapet:admin\?/);
    totpSecret = e.secret;
    const wrong = String((Number(totpCode(totpSecret, clock.now())) + 500_000) % 1_000_000).padStart(6, '0');
    expect((await b.send('POST', '/auth/totp/confirm', { code: wrong })).status).toBe(401);
    const confirm = await b.send('POST', '/auth/totp/confirm', { code: totpCode(totpSecret, clock.now()) });
    expect(confirm.status).toBe(200);
    recovery = ((await confirm.json()) as { recovery_codes: string[] }).recovery_codes;
    expect(recovery).toHaveLength(10);
    // Enrolled: the same session is no longer limited.
    expect((await b.send('GET', '/devices')).status).toBe(200);
  });

  it('requires the code at login, refuses a replayed code, accepts each recovery code once', async () => {
    clock.advance(31_000);
    const b = new Browser(hub.httpUrl);
    expect(await errorOf(await b.login('admin', adminPassword))).toMatchObject({ error: 'totp_required' });
    const code = totpCode(totpSecret, clock.now());
    expect((await b.login('admin', adminPassword, code)).status).toBe(200);
    const again = new Browser(hub.httpUrl);
    expect((await again.login('admin', adminPassword, code)).status).toBe(401);
    const rc = recovery[0] ?? '';
    expect((await again.login('admin', adminPassword, rc)).status).toBe(200);
    expect((await new Browser(hub.httpUrl).login('admin', adminPassword, rc)).status).toBe(401);
  });

  it('rotates the session at login, logs out server-side, and expires idle and old sessions', async () => {
    clock.advance(31_000);
    const b = new Browser(hub.httpUrl);
    await b.login('admin', adminPassword, totpCode(totpSecret, clock.now()));
    const first = b.cookie;
    clock.advance(31_000);
    await b.login('admin', adminPassword, totpCode(totpSecret, clock.now()));
    expect(b.cookie).not.toBe(first);
    const stale = await fetch(`${hub.httpUrl}/api/v1/auth/me`, { headers: { cookie: first } });
    expect(stale.status).toBe(401);

    const kept = b.cookie;
    expect((await b.send('POST', '/auth/logout')).status).toBe(204);
    expect((await fetch(`${hub.httpUrl}/api/v1/auth/me`, { headers: { cookie: kept } })).status).toBe(401);

    clock.advance(31_000);
    const idle = new Browser(hub.httpUrl);
    await idle.login('admin', adminPassword, totpCode(totpSecret, clock.now()));
    clock.advance(31 * MINUTE);
    expect((await idle.send('GET', '/auth/me')).status).toBe(401);

    const old = new Browser(hub.httpUrl);
    await old.login('admin', adminPassword, totpCode(totpSecret, clock.now()));
    for (let t = 0; t < 12 * HOUR; t += 20 * MINUTE) {
      clock.advance(20 * MINUTE);
      if ((await old.send('GET', '/auth/me')).status !== 200) break;
    }
    expect((await old.send('GET', '/auth/me')).status).toBe(401);
  });

  it('throttles failed logins per account with Retry-After, without a permanent lockout', async () => {
    const { password } = await hub.deps.auth.createUser('olga', 'operator', []);
    const b = new Browser(hub.httpUrl);
    for (let i = 0; i < 5; i++) expect((await b.login('olga', 'wrong-password')).status).toBe(401);
    const blocked = await b.login('olga', password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    clock.advance(16 * MINUTE);
    expect((await b.login('olga', password)).status).toBe(200);
  });

  it('lets a person change their own password with the current one', async () => {
    const { password } = await hub.deps.auth.createUser('pia', 'operator', []);
    const b = new Browser(hub.httpUrl);
    expect((await b.login('pia', password)).status).toBe(200);
    expect((await b.send('POST', '/auth/password', { current: 'nope', new: 'a-much-longer-password' })).status).toBe(401);
    expect((await b.send('POST', '/auth/password', { current: password, new: 'short' })).status).toBe(400);
    expect((await b.send('POST', '/auth/password', { current: password, new: 'a-much-longer-password' })).status).toBe(204);
    expect((await new Browser(hub.httpUrl).login('pia', 'a-much-longer-password')).status).toBe(200);
    const viaToken = await hub.api('/auth/password', { method: 'POST', token: hub.operatorToken, body: JSON.stringify({ current: 'x', new: 'y' }) });
    expect(viaToken.status).toBe(422);
  });

  it('throttles failed logins per address across account names', async () => {
    clock.advance(16 * MINUTE);
    const b = new Browser(hub.httpUrl);
    for (let i = 0; i < 20; i++) await b.login(`nobody-${i}`, 'x');
    expect((await b.login('someone-new', 'x')).status).toBe(429);
    clock.advance(16 * MINUTE);
  });
});

describe('machines: users, tokens, device enrolment', () => {
  it('creates users and tokens with secrets shown once, never hashes, and revokes tokens', async () => {
    const u = await hub.api('/users', { method: 'POST', body: JSON.stringify({ name: 'ivan', role: 'investigator', sites: ['harbour'] }) });
    expect(u.status).toBe(201);
    const created = (await u.json()) as { user: { id: string }; password: string };
    expect(created.password.length).toBeGreaterThanOrEqual(22);
    const list = await (await hub.api('/users')).text();
    expect(list).toContain('ivan');
    expect(list).not.toMatch(/password|argon2/);

    const t = await hub.api('/tokens', { method: 'POST', body: JSON.stringify({ name: 'gate-feed', role: 'ingest', sites: ['harbour'] }) });
    expect(t.status).toBe(201);
    const tok = (await t.json()) as { token: { id: string }; secret: string };
    expect(tok.secret).toMatch(/^ppt_[A-Za-z0-9_-]{43}$/);
    expect(await (await hub.api('/tokens')).text()).not.toContain(tok.secret.slice(4));
    expect((await hub.api('/auth/me', { token: tok.secret })).status).toBe(200);
    expect((await hub.api(`/tokens/${tok.token.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await hub.api('/auth/me', { token: tok.secret })).status).toBe(401);

    const patch = await hub.api(`/users/${created.user.id}`, { method: 'PATCH', body: JSON.stringify({ disabled: true }) });
    expect(patch.status).toBe(200);
  });

  it('keeps a site-scoped admin within its sites', async () => {
    const scoped = (await hub.deps.auth.createToken('harbour-admin', 'admin', ['harbour'])).secret;
    const esc = await hub.api('/tokens', { method: 'POST', token: scoped, body: JSON.stringify({ name: 'x', role: 'admin' }) });
    expect(esc.status).toBe(403);
    const other = await hub.deps.auth.createUser('cara', 'operator', ['campus']);
    expect((await hub.api(`/users/${other.user.id}`, { method: 'DELETE', token: scoped })).status).toBe(404);
    expect((await hub.api('/tokens', { method: 'POST', token: scoped, body: JSON.stringify({ name: 'y', role: 'ingest', sites: ['harbour'] }) })).status).toBe(201);
  });

  it('enrols a device with a single-use token valid at most 30 minutes', async () => {
    expect((await hub.api('/devices/cam-1/enrolment', { method: 'POST', body: JSON.stringify({ ttl_minutes: 31 }) })).status).toBe(400);
    const made = await hub.api('/devices/cam-1/enrolment', { method: 'POST', body: '{}' });
    expect(made.status).toBe(201);
    const { token, expires_at } = (await made.json()) as { token: string; expires_at: number };
    expect(expires_at - clock.now()).toBeLessThanOrEqual(30 * MINUTE);
    const redeem = () => fetch(`${hub.httpUrl}/api/v1/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    const first = await redeem();
    expect(first.status).toBe(200);
    const { secret } = (await first.json()) as { secret: string };
    expect(await hub.deps.auth.verifyDeviceSecret('cam-1', secret)).toBe(true);
    expect((await redeem()).status).toBe(401);

    const late = (await (await hub.api('/devices/cam-1/enrolment', { method: 'POST', body: '{}' })).json()) as { token: string };
    clock.advance(30 * MINUTE + 1);
    const expired = await fetch(`${hub.httpUrl}/api/v1/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: late.token }) });
    expect(expired.status).toBe(401);
    expect((await hub.api('/devices/nope-9/enrolment', { method: 'POST', body: '{}' })).status).toBe(404);
  });
});

describe('audit log over HTTP', () => {
  it('shows auditors logins, failures, admin changes and denials, and verifies the chain', async () => {
    const auditor = (await hub.deps.auth.createToken('aud', 'auditor', [])).secret;
    expect((await hub.api('/audit', { token: hub.adminToken })).status).toBe(403);
    const res = await hub.api('/audit?limit=500', { token: auditor });
    expect(res.status).toBe(200);
    const { entries } = (await res.json()) as { entries: Array<{ action: string; outcome: string; actor: string }> };
    const seen = new Set(entries.map((e) => `${e.action}:${e.outcome}`));
    for (const k of ['auth.login:success', 'auth.login:failure', 'auth.login:denied', 'users.create:success', 'tokens.revoke:success', 'authz.denied:denied', 'devices.enrol:success', 'devices.enrol:failure', 'auth.totp_enrol:success']) {
      expect(seen, k).toContain(k);
    }
    const page = (await (await hub.api('/audit?limit=2&action=auth.*', { token: auditor })).json()) as { entries: Array<{ seq: number; action: string }>; next_cursor: string };
    expect(page.entries.every((e) => e.action.startsWith('auth.'))).toBe(true);
    const next = (await (await hub.api(`/audit?limit=2&action=auth.*&cursor=${page.next_cursor}`, { token: auditor })).json()) as { entries: Array<{ seq: number }> };
    expect(next.entries[0]?.seq).toBeLessThan(page.entries[1]?.seq ?? 0);
    const since = new Date(clock.now() - 60_000).toISOString();
    const recent = (await (await hub.api(`/audit?from=${encodeURIComponent(since)}&to=${clock.now() + 1}&outcome=success`, { token: auditor })).json()) as { entries: Array<{ at: number; outcome: string }> };
    expect(recent.entries.every((e) => e.at >= clock.now() - 60_000 && e.outcome === 'success')).toBe(true);
    expect((await hub.api('/audit?from=yesterday', { token: auditor })).status).toBe(400);
    expect((await hub.api('/audit?action=DROP%20TABLE', { token: auditor })).status).toBe(400);
    const verify = (await (await hub.api('/audit/verify', { token: auditor })).json()) as { ok: boolean; entries: number };
    expect(verify).toMatchObject({ ok: true });
    expect(verify.entries).toBeGreaterThan(10);
  });
});

describe('TLS and the leak guard at start', () => {
  it('serves HTTPS with a generated CA, HSTS and __Host- cookies, and refuses TLS 1.1', async () => {
    const dir = tempDir('parapet-tls-e2e-');
    const tlsHub = await startHub({
      config: testConfig({ data_dir: dir, http: { port: 0, tls: { mode: 'on' } }, mqtt: { enabled: false, port: 0 }, store: { kind: 'memory' }, log: { level: 'silent' } }),
      env: {},
      logger: createLogger('silent'),
    });
    try {
      expect(tlsHub.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(tlsHub.tls?.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      const ca = readFileSync(tlsHub.tls?.caFile ?? '');
      const dispatcher = new Agent({ connect: { ca } });
      const res = await undiciFetch(`${tlsHub.httpUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'admin', password: tlsHub.firstAdmin?.password }),
        dispatcher,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
      expect(res.headers.get('set-cookie')).toMatch(/^__Host-parapet_session=pps_[^;]+;.*Secure/);
      const port = Number(new URL(tlsHub.httpUrl).port);
      const old = await new Promise<string>((resolve) => {
        const s = connect({ host: '127.0.0.1', port, ca, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }, () => resolve('connected'));
        s.on('error', (e: Error) => resolve(e.message));
      });
      expect(old).not.toBe('connected');
      await dispatcher.close();
    } finally {
      await tlsHub.close();
    }
  });

  it('refuses to start on a data dir others can read, and starts loudly with the override', async () => {
    const dir = tempDir('parapet-guard-e2e-');
    chmodSync(dir, 0o755);
    const config = (allow: boolean) =>
      testConfig({ data_dir: dir, http: { port: 0 }, mqtt: { enabled: false, port: 0 }, store: { kind: 'memory' }, guard: { allow_unsafe: allow }, log: { level: 'silent' } });
    await expect(startHub({ config: config(false), env: {}, logger: createLogger('silent') })).rejects.toThrow(/leak guard refuses to start: FAIL data_dir\.permissions/);
    chmodSync(dir, 0o755);
    const lines: string[] = [];
    const sink = { write: (s: string) => void lines.push(s) };
    const unsafe = await startHub({ config: config(true), env: {}, logger: createLogger('info', sink) });
    await unsafe.close();
    expect(lines.join('')).toMatch(/LEAK GUARD OVERRIDDEN/);
  });
});

function rawRequest(base: string, text: string): Promise<string> {
  const u = new URL(base);
  return import('node:net').then(
    ({ connect: tcp }) =>
      new Promise((resolve, reject) => {
        const s = tcp({ host: u.hostname, port: Number(u.port) }, () => s.write(text));
        let out = '';
        s.on('data', (d: Buffer) => (out += d.toString('utf8')));
        s.on('end', () => resolve(out));
        s.on('error', reject);
      }),
  );
}
