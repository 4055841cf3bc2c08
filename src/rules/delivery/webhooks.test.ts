import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.js';
import { sampleAlert } from '../../store/alerts.contract.js';
import type { AlertChange } from '../../store/alerts.js';
import { createMemoryAlertStore } from '../../store/memory/alerts.js';
import { refuseUrl, verifyWebhook, WebhookSender, type WebhookSettings } from './webhooks.js';

const SECRET = 's'.repeat(40);
interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server | null = null;
afterEach(async () => {
  const s = server;
  server = null;
  if (s) await new Promise<void>((r) => s.close(() => r()));
});

/** A receiver answering with the given statuses in turn (the last one repeats); 0 = never answer. */
async function receiver(statuses: number[]): Promise<{ url: string; got: Received[] }> {
  const got: Received[] = [];
  let i = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      const status = statuses[Math.min(i++, statuses.length - 1)] ?? 200;
      if (status === 0) return; // hang: the sender's timeout must fire
      res.writeHead(status).end();
    });
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/hook`, got };
}

const change = (n: number, over: Partial<AlertChange> = {}): AlertChange => ({ n, at: 1000, action: 'opened', alert: sampleAlert(), ...over });

function sender(url: string, o: Partial<WebhookSettings> = {}, clock = new FakeClock(), store = createMemoryAlertStore()) {
  const settings: WebhookSettings = { webhooks: [{ name: 'ops', url, secret: SECRET }], allowedHosts: ['127.0.0.1'], maxAttempts: 3, backoffMs: 1000, backoffMaxMs: 60_000, timeoutMs: 2000, ...o };
  return { clock, store, s: new WebhookSender({ settings, store, clock }) };
}

describe('webhooks', () => {
  it('posts each notifying change signed with HMAC-SHA-256 over the timestamp and body', async () => {
    const r = await receiver([200]);
    const { s, clock } = sender(r.url);
    await s.onChange(change(1));
    await s.onChange(change(2, { action: 'repeated' })); // not a notification
    await s.onChange(change(3, { action: 'commented' }));
    await s.idle();
    expect(r.got).toHaveLength(1);
    const [hit] = r.got;
    if (!hit) throw new Error('nothing received');
    const ts = String(hit.headers['x-parapet-timestamp']);
    expect(ts).toBe(String(Math.floor(clock.now() / 1000)));
    expect(verifyWebhook(SECRET, ts, String(hit.headers['x-parapet-signature']), hit.body, Math.floor(clock.now() / 1000))).toBe(true);
    expect(verifyWebhook('x'.repeat(40), ts, String(hit.headers['x-parapet-signature']), hit.body, Math.floor(clock.now() / 1000))).toBe(false);
    expect(verifyWebhook(SECRET, ts, String(hit.headers['x-parapet-signature']), hit.body + ' ', Math.floor(clock.now() / 1000))).toBe(false);
    expect(verifyWebhook(SECRET, ts, String(hit.headers['x-parapet-signature']), hit.body, Math.floor(clock.now() / 1000) + 3600)).toBe(false);
    expect(JSON.parse(hit.body)).toMatchObject({ webhook: 'ops', change: { n: 1, action: 'opened', alert: { id: 'a1', first_seen: '1970-01-01T00:00:01.000Z' } } });
    expect((await s.deliveries(['delivered'], 10)).map((d) => d.change)).toEqual([1]);
  });

  it('retries failures with exponential backoff and succeeds', async () => {
    const r = await receiver([500, 503, 200]);
    const { s, clock } = sender(r.url, { maxAttempts: 5 });
    await s.onChange(change(1));
    await s.idle();
    const [first] = await s.deliveries(undefined, 10);
    expect(first).toMatchObject({ state: 'pending', attempts: 1, last_error: 'HTTP 500', next_at: clock.now() + 1000 });
    clock.advance(999);
    await s.tick();
    await s.idle();
    expect(r.got).toHaveLength(1);
    clock.advance(1);
    await s.tick();
    await s.idle();
    expect((await s.deliveries(undefined, 10))[0]).toMatchObject({ attempts: 2, last_error: 'HTTP 503', next_at: clock.now() + 2000 });
    clock.advance(2000);
    await s.tick();
    await s.idle();
    expect((await s.deliveries(undefined, 10))[0]).toMatchObject({ state: 'delivered', attempts: 3, last_error: null });
    expect(s.status()[0]).toMatchObject({ name: 'ops', consecutive_failures: 0, last_error: 'HTTP 503' });
  });

  it('marks a delivery failed after the last attempt and shows it', async () => {
    const r = await receiver([500]);
    const { s, clock } = sender(r.url, { maxAttempts: 2 });
    await s.onChange(change(1));
    await s.idle();
    clock.advance(1000);
    await s.tick();
    await s.idle();
    clock.advance(60_000);
    await s.tick();
    await s.idle();
    expect(r.got).toHaveLength(2);
    expect(await s.deliveries(['failed'], 10)).toEqual([expect.objectContaining({ state: 'failed', attempts: 2, last_error: 'HTTP 500', next_at: null })]);
    expect(s.status()[0]).toMatchObject({ consecutive_failures: 2, last_error: 'HTTP 500' });
  });

  it('times out a receiver that does not answer', async () => {
    const r = await receiver([0]);
    const { s } = sender(r.url, { timeoutMs: 150 });
    await s.onChange(change(1));
    await s.idle();
    expect((await s.deliveries(undefined, 1))[0]?.last_error).toBe('timed out after 150 ms');
  });

  it('sends only the severities and recipient groups a webhook asks for', async () => {
    const r = await receiver([200]);
    const { s } = sender(r.url, {});
    const picky = new WebhookSender({
      settings: { webhooks: [{ name: 'sup', url: r.url, secret: SECRET, severities: ['critical'], groups: ['supervisors'] }], allowedHosts: ['127.0.0.1'], maxAttempts: 1, backoffMs: 10, backoffMaxMs: 10, timeoutMs: 1000 },
      store: createMemoryAlertStore(),
      clock: new FakeClock(),
    });
    await picky.onChange(change(1, { alert: sampleAlert({ severity: 'critical' }) }));
    await picky.onChange(change(2, { action: 'escalated', alert: sampleAlert({ severity: 'critical', recipients: 'supervisors' }) }));
    await picky.onChange(change(3, { action: 'escalated', alert: sampleAlert({ severity: 'major', recipients: 'supervisors' }) }));
    await picky.idle();
    await s.idle();
    expect(r.got.map((g) => (JSON.parse(g.body) as { change: { n: number } }).change.n)).toEqual([2]);
  });

  it('resumes pending deliveries after a restart', async () => {
    const r = await receiver([500, 200]);
    const store = createMemoryAlertStore();
    const clock = new FakeClock();
    const a = sender(r.url, {}, clock, store);
    await a.s.onChange(change(1));
    await a.s.idle();
    const b = sender(r.url, {}, clock, store);
    await b.s.load();
    clock.advance(1000);
    await b.s.tick();
    await b.s.idle();
    expect((await b.s.deliveries(undefined, 10))[0]).toMatchObject({ state: 'delivered', attempts: 2 });
  });

  it('refuses hosts outside the allowlist, plain http off loopback and credentials in URLs', () => {
    expect(refuseUrl('https://hooks.example.org/x', ['hooks.example.org'])).toBeNull();
    expect(refuseUrl('https://hooks.example.org:8443/x', ['hooks.example.org:8443'])).toBeNull();
    expect(refuseUrl('https://evil.example.org/x', ['hooks.example.org'])).toMatch(/not in alerts.webhook_allowed_hosts/);
    expect(refuseUrl('http://hooks.example.org/x', ['hooks.example.org'])).toMatch(/only https/);
    expect(refuseUrl('https://u:p@hooks.example.org/x', ['hooks.example.org'])).toMatch(/credentials/);
    expect(refuseUrl('not a url', [])).toBe('not a valid URL');
    expect(() => sender('https://evil.example.org/x', { allowedHosts: ['hooks.example.org'] })).toThrow(/ops: host evil.example.org is not in/);
  });
});
