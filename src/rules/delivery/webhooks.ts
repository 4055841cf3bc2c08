/**
 * Signed webhooks for alert changes (SPEC §1, §5.9; issue 4 §4). Only to hosts the config allows
 * (checked at start and again before every send), https unless the host is loopback, redirects
 * never followed (a 3xx could point anywhere). Each request carries
 *   x-parapet-timestamp: <unix seconds>
 *   x-parapet-signature: v1=<hex HMAC-SHA-256(secret, "<timestamp>.<body>")>
 * (re-signed on every attempt, so a receiver can refuse old timestamps as replays). Failed sends
 * are retried with exponential backoff; every delivery and its last error are kept in the store
 * and shown at GET /api/v1/alerts/webhooks.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { ParapetError } from '../../core/errors.js';
import type { AlertAction, AlertChange, AlertStore, Severity, WebhookDelivery } from '../../store/alerts.js';
import { changeView } from '../alert-view.js';

export interface WebhookConfig {
  readonly name: string;
  readonly url: string;
  readonly secret: string;
  readonly severities?: readonly Severity[];
  readonly groups?: readonly string[];
}

export interface WebhookSettings {
  readonly webhooks: readonly WebhookConfig[];
  readonly allowedHosts: readonly string[];
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly backoffMaxMs: number;
  readonly timeoutMs: number;
}

export type HttpPost = (url: string, body: string, headers: Record<string, string>, timeoutMs: number) => Promise<{ status: number }>;

/** The changes worth waking someone for; repeats, comments and assignments are not sent. */
export const NOTIFY_ACTIONS: ReadonlySet<AlertAction> = new Set(['opened', 'escalated', 'acknowledged', 'resolved', 'auto_resolved']);

export const SIGNATURE_HEADER = 'x-parapet-signature';
export const TIMESTAMP_HEADER = 'x-parapet-timestamp';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return 'v1=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** For receivers (and tests): constant-time check, refusing timestamps outside the tolerance. */
export function verifyWebhook(secret: string, timestamp: string, signature: string, body: string, nowSec: number, toleranceSec = 300): boolean {
  const ts = Number(timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowSec - ts) > toleranceSec) return false;
  const want = Buffer.from(signWebhook(secret, ts, body));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Why a URL may not be called, or null when it may. */
export function refuseUrl(url: string, allowedHosts: readonly string[]): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a valid URL';
  }
  if (u.username || u.password) return 'credentials in the URL are refused; use the signing secret';
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopback(u.hostname))) return 'only https (or http to a loopback host) is allowed';
  const allowed = allowedHosts.map((h) => h.toLowerCase());
  if (!allowed.includes(u.hostname.toLowerCase()) && !allowed.includes(u.host.toLowerCase())) return `host ${u.host} is not in alerts.webhook_allowed_hosts`;
  return null;
}

const defaultPost: HttpPost = async (url, body, headers, timeoutMs) => {
  const res = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  await res.arrayBuffer().catch(() => undefined);
  return { status: res.status };
};

export interface WebhookHealth {
  readonly name: string;
  readonly host: string;
  readonly last_success_at: string | null;
  readonly last_failure_at: string | null;
  readonly last_error: string | null;
  readonly consecutive_failures: number;
}

export interface WebhookSenderOptions {
  readonly settings: WebhookSettings;
  readonly store: Pick<AlertStore, 'putDelivery' | 'listDeliveries' | 'pruneDeliveries'>;
  readonly clock: Clock;
  readonly post?: HttpPost;
  readonly onError?: (msg: string, err: unknown) => void;
}

/** Settled deliveries are kept this long for the status route, ms. */
const KEEP_SETTLED_MS = 7 * 86_400_000;

export class WebhookSender {
  private readonly pending = new Map<string, WebhookDelivery>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly health = new Map<string, { ok: number | null; fail: number | null; error: string | null; failures: number }>();
  private readonly post: HttpPost;
  private readonly byName: ReadonlyMap<string, WebhookConfig>;
  private lastPrune = 0;

  constructor(private readonly o: WebhookSenderOptions) {
    for (const w of o.settings.webhooks) {
      const why = refuseUrl(w.url, o.settings.allowedHosts);
      if (why) throw new ParapetError('invalid_config', `alerts.webhooks ${w.name}: ${why}`);
    }
    this.byName = new Map(o.settings.webhooks.map((w) => [w.name, w]));
    if (this.byName.size !== o.settings.webhooks.length) throw new ParapetError('invalid_config', 'alerts.webhooks: names must be unique');
    this.post = o.post ?? defaultPost;
    for (const w of o.settings.webhooks) this.health.set(w.name, { ok: null, fail: null, error: null, failures: 0 });
  }

  /** Resumes deliveries that were pending when the hub stopped. */
  async load(): Promise<void> {
    for (const d of await this.o.store.listDeliveries({ states: ['pending'], limit: 10_000 })) {
      if (this.byName.has(d.webhook)) this.pending.set(d.id, d);
    }
  }

  /** Bus handler for `alert.changed`: queues one delivery per interested webhook and sends it now. */
  async onChange(change: AlertChange): Promise<void> {
    if (!NOTIFY_ACTIONS.has(change.action)) return;
    const a = change.alert;
    const now = this.o.clock.now();
    for (const w of this.o.settings.webhooks) {
      if (w.severities && !w.severities.includes(a.severity)) continue;
      if (w.groups && !w.groups.includes(a.recipients)) continue;
      const id = randomUUID();
      const payload = JSON.stringify({ webhook: w.name, delivery: id, change: changeView(change) });
      const d: WebhookDelivery = { id, webhook: w.name, change: change.n, alert_id: a.id, state: 'pending', attempts: 0, last_error: null, next_at: now, created_at: now, updated_at: now, payload };
      await this.o.store.putDelivery(d);
      this.pending.set(id, d);
      this.attempt(d);
    }
  }

  /** Sends the retries that are due (call about once a second). */
  async tick(): Promise<void> {
    const now = this.o.clock.now();
    for (const d of this.pending.values()) if (d.next_at !== null && d.next_at <= now) this.attempt(d);
    if (now - this.lastPrune > 3_600_000) {
      this.lastPrune = now;
      await this.o.store.pruneDeliveries(now - KEEP_SETTLED_MS);
    }
  }

  /** Waits for the sends in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight.values()]);
  }

  status(): WebhookHealth[] {
    return this.o.settings.webhooks.map((w) => {
      const h = this.health.get(w.name);
      const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
      return {
        name: w.name,
        host: new URL(w.url).host,
        last_success_at: iso(h?.ok),
        last_failure_at: iso(h?.fail),
        last_error: h?.error ?? null,
        consecutive_failures: h?.failures ?? 0,
      };
    });
  }

  deliveries(states: readonly WebhookDelivery['state'][] | undefined, limit: number): Promise<WebhookDelivery[]> {
    return this.o.store.listDeliveries({ ...(states ? { states } : {}), limit });
  }

  /** Backoff before attempt n+1 after n failures: base · 2^(n−1), capped. */
  backoff(failures: number): number {
    const { backoffMs, backoffMaxMs } = this.o.settings;
    return Math.min(backoffMaxMs, backoffMs * 2 ** Math.max(0, failures - 1));
  }

  private attempt(d: WebhookDelivery): void {
    if (this.inFlight.has(d.id)) return;
    const p = this.send(d)
      .catch((err: unknown) => this.o.onError?.(`webhook delivery ${d.id} bookkeeping failed`, err))
      .finally(() => this.inFlight.delete(d.id));
    this.inFlight.set(d.id, p);
  }

  private async send(d: WebhookDelivery): Promise<void> {
    const w = this.byName.get(d.webhook);
    if (!w) return;
    const s = this.o.settings;
    let error: string | null = null;
    // Checked again at send time: the allowlist is the last word, whatever was queued.
    const why = refuseUrl(w.url, s.allowedHosts);
    if (why) error = why;
    else {
      const ts = Math.floor(this.o.clock.now() / 1000);
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'parapet-webhooks/1',
        'x-parapet-delivery': d.id,
        [TIMESTAMP_HEADER]: String(ts),
        [SIGNATURE_HEADER]: signWebhook(w.secret, ts, d.payload),
      };
      try {
        const res = await this.post(w.url, d.payload, headers, s.timeoutMs);
        if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
      } catch (err) {
        error = (err as Error).name === 'TimeoutError' ? `timed out after ${s.timeoutMs} ms` : `request failed: ${(err as Error).message}`;
      }
    }
    const now = this.o.clock.now();
    const attempts = d.attempts + 1;
    const h = this.health.get(w.name);
    let next: WebhookDelivery;
    if (error === null) {
      next = { ...d, state: 'delivered', attempts, last_error: null, next_at: null, updated_at: now };
      if (h) Object.assign(h, { ok: now, failures: 0 });
    } else {
      const failed = attempts >= s.maxAttempts;
      next = { ...d, state: failed ? 'failed' : 'pending', attempts, last_error: error, next_at: failed ? null : now + this.backoff(attempts), updated_at: now };
      if (h) Object.assign(h, { fail: now, error, failures: h.failures + 1 });
    }
    if (next.state === 'pending') this.pending.set(d.id, next);
    else this.pending.delete(d.id);
    await this.o.store.putDelivery(next);
  }
}
