/**
 * The dashboard's typed client for the hub's HTTP API (SPEC §3, all under /api/v1). Wire types come
 * from the server's own modules (type-only imports: nothing of the server is bundled), so a change
 * of shape there fails the dashboard's typecheck.
 *
 * Session rules (SPEC §5.4): the browser holds an HttpOnly cookie the script never sees; every
 * state-changing request echoes the session's CSRF token in `x-csrf-token`.
 */
import type { DeviceView, DeviceStatus } from '../../src/core/device.js';
import type { StoredEvent } from '../../src/core/event.js';
import type { ViewportAnswer } from '../../src/registry/viewport.js';
import type { AlertWire, AlertChangeWire } from './wire.js';
import type { HubStatus, HubProblem } from '../../src/ops/hub-status.js';

export type { DeviceView, DeviceStatus, StoredEvent, ViewportAnswer, AlertWire, AlertChangeWire, HubStatus, HubProblem };

export const API_BASE = '/api/v1';
export const CSRF_HEADER = 'x-csrf-token';

/** `{error, detail}` of a failed request (SPEC §3), with its status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'ApiError';
  }

  /**
   * The hub has no such route (the feature is not installed on this hub), as opposed to a missing
   * object: the app's not-found handler says `no route …`. Screens show "not available" for it.
   */
  get unavailable(): boolean {
    return this.status === 404 && this.detail.startsWith('no route');
  }
}

export interface Me {
  readonly kind: 'user' | 'token' | 'device';
  readonly name: string;
  readonly role: string;
  readonly sites: readonly string[];
  readonly csrf: string | null;
  /** People: whether a second factor is enrolled; null for tokens. */
  readonly totp?: boolean | null;
  /** Set while the session may only enrol its second factor (SPEC §5.4). */
  readonly restricted?: 'totp_enrolment' | null;
}

export interface TotpEnrolment {
  readonly otpauth_uri: string;
  readonly secret: string;
  readonly expires_at: number;
}

export interface LoginAnswer {
  readonly user: { readonly name: string; readonly role: string; readonly sites: readonly string[] };
  readonly csrf: string;
  readonly expires_at?: number;
  /** The account must enrol a second factor before anything else (admin, investigator). */
  readonly must_enrol_totp?: boolean;
}

export interface EventFilters {
  from?: string;
  to?: string;
  site?: string;
  zone?: string;
  device?: string;
  kind?: string;
}

export interface EventPage {
  readonly events: StoredEvent[];
  readonly next_cursor: string | null;
}

export interface Histogram {
  readonly interval_ms: number;
  readonly buckets: ReadonlyArray<{ readonly t: string; readonly count: number }>;
}

export interface AlertFilters {
  state?: string;
  severity?: string;
  site?: string;
  device?: string;
  rule?: string;
  limit?: number;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

function queryString(q: Query | undefined): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

async function failure(res: Response): Promise<ApiError> {
  let code = 'http_' + String(res.status);
  let detail = res.statusText || 'request failed';
  try {
    const body = (await res.json()) as { error?: unknown; detail?: unknown };
    if (typeof body.error === 'string') code = body.error;
    if (typeof body.detail === 'string') detail = body.detail;
  } catch {
    // Not JSON (a proxy's page): keep the status line.
  }
  return new ApiError(res.status, code, detail);
}

export class Api {
  private csrf: string | null = null;
  /** Called when the session is gone (401 on any call): the shell returns to the login screen. */
  onUnauthenticated: (() => void) | null = null;

  constructor(private readonly fetchFn: typeof fetch = (...a) => fetch(...a)) {}

  setCsrf(token: string | null): void {
    this.csrf = token;
  }

  async get<T>(path: string, q?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path + queryString(q), undefined, signal);
  }

  async send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return this.request<T>(method, path, body);
  }

  private async request<T>(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && this.csrf) headers[CSRF_HEADER] = this.csrf;
    const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) init.body = JSON.stringify(body);
    if (signal) init.signal = signal;
    const res = await this.fetchFn(API_BASE + path, init);
    if (!res.ok) {
      const err = await failure(res);
      if (res.status === 401 && !path.startsWith('/auth/login')) this.onUnauthenticated?.();
      throw err;
    }
    if (res.status === 204) return undefined as T;
    const type = res.headers.get('content-type') ?? '';
    return (type.includes('json') ? await res.json() : await res.text()) as T;
  }

  // --- session (SPEC §3 /auth) -------------------------------------------------------------
  async login(name: string, password: string, totp?: string): Promise<LoginAnswer> {
    const body: Record<string, string> = { name, password };
    if (totp) body.totp = totp;
    const a = await this.send<LoginAnswer>('POST', '/auth/login', body);
    this.csrf = a.csrf;
    return a;
  }
  async me(): Promise<Me> {
    const m = await this.get<Me>('/auth/me');
    this.csrf = m.csrf;
    return m;
  }
  async logout(): Promise<void> {
    await this.send<void>('POST', '/auth/logout');
    this.csrf = null;
  }

  totpEnrol(): Promise<TotpEnrolment> {
    return this.send('POST', '/auth/totp/enrol');
  }
  totpConfirm(code: string): Promise<{ recovery_codes: string[] }> {
    return this.send('POST', '/auth/totp/confirm', { code });
  }

  // --- the hub's own health ---------------------------------------------------------------------
  status(signal?: AbortSignal): Promise<HubStatus> {
    return this.get('/status', undefined, signal);
  }

  // --- devices ---------------------------------------------------------------------------------
  devices(q?: { site?: string; zone?: string; type?: string; status?: string }, signal?: AbortSignal): Promise<{ devices: DeviceView[] }> {
    return this.get('/devices', q, signal);
  }
  /** The map's viewport query: raw devices when few, grid clusters when many (bbox = w,s,e,n). */
  viewport(bbox: readonly [number, number, number, number], zoom: number, signal?: AbortSignal): Promise<ViewportAnswer> {
    return this.get('/devices', { bbox: bbox.map((v) => v.toFixed(6)).join(','), zoom }, signal);
  }
  device(id: string): Promise<DeviceView> {
    return this.get(`/devices/${encodeURIComponent(id)}`);
  }
  putDevice(id: string, body: Record<string, unknown>): Promise<DeviceView> {
    return this.send('PUT', `/devices/${encodeURIComponent(id)}`, body);
  }

  // --- events ----------------------------------------------------------------------------------
  events(f: EventFilters & { limit?: number; cursor?: string }, signal?: AbortSignal): Promise<EventPage> {
    return this.get('/events', { ...f }, signal);
  }
  histogram(f: EventFilters & { interval?: string }, signal?: AbortSignal): Promise<Histogram> {
    return this.get('/events/histogram', { ...f }, signal);
  }

  // --- alerts (SPEC §2.1, §3) ------------------------------------------------------------------
  alerts(f: AlertFilters, signal?: AbortSignal): Promise<{ alerts: AlertWire[] }> {
    return this.get('/alerts', { ...f }, signal);
  }
  alert(id: string): Promise<AlertWire> {
    return this.get(`/alerts/${encodeURIComponent(id)}`);
  }
  alertAction(id: string, action: 'ack' | 'resolve' | 'snooze' | 'assign' | 'comments', body: Record<string, unknown>): Promise<AlertWire> {
    return this.send('POST', `/alerts/${encodeURIComponent(id)}/${action}`, body);
  }
}
