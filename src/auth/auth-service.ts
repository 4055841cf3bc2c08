/**
 * People, machines and devices (SPEC §5): accounts with argon2id passwords, bearer tokens, cookie
 * sessions and device MQTT secrets. Every secret is shown once and stored only hashed.
 */
import type { Clock } from '../core/clock.js';
import { HOUR, MINUTE } from '../core/clock.js';
import { ParapetError } from '../core/errors.js';
import { ROLES, type PrincipalStore, type Role, type TokenRecord, type UserRecord } from '../store/store.js';
import type { Principal } from './principal.js';
import { hashPassword, randomBytesHex, randomId, randomPassword, randomSecret, sha256Hex, verifyPassword } from './secrets.js';

export const TOKEN_PREFIX = 'ppt';
export const DEVICE_SECRET_PREFIX = 'ppd';
export const SESSION_IDLE_MS = 30 * MINUTE;
export const SESSION_ABSOLUTE_MS = 12 * HOUR;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export interface AuthServiceOptions {
  readonly store: PrincipalStore;
  readonly clock: Clock;
}

export interface NewSession {
  /** The cookie value (shown to the browser only). */
  readonly sessionId: string;
  readonly csrf: string;
  readonly expiresAt: number;
  readonly principal: Principal;
}

function checkRole(role: string): Role {
  if (!(ROLES as readonly string[]).includes(role)) throw new ParapetError('bad_request', `role must be one of ${ROLES.join(', ')}`);
  return role as Role;
}

function checkName(name: string): void {
  if (!NAME_RE.test(name)) throw new ParapetError('bad_request', 'name must be 1–64 letters, digits, . _ @ -');
}

const userPrincipal = (u: UserRecord): Principal => ({ kind: 'user', id: u.id, name: u.name, role: u.role, sites: u.sites });
const tokenPrincipal = (t: TokenRecord): Principal => ({ kind: 'token', id: t.id, name: t.name, role: t.role, sites: t.sites });

export class AuthService {
  /** Short cache of verified token hashes: the hot ingest path must not hit the store per request. */
  private readonly tokenCache = new Map<string, { principal: Principal; until: number; expires: number | null }>();

  constructor(private readonly o: AuthServiceOptions) {}

  async hasUsers(): Promise<boolean> {
    return (await this.o.store.listUsers()).length > 0;
  }

  /** First start (SPEC §5.2): an admin with a random password, returned once, never stored in clear. */
  async bootstrapAdmin(): Promise<{ name: string; password: string } | null> {
    if (await this.hasUsers()) return null;
    const { password } = await this.createUser('admin', 'admin', []);
    return { name: 'admin', password };
  }

  async createUser(name: string, role: string, sites: readonly string[]): Promise<{ user: UserRecord; password: string }> {
    checkName(name);
    const r = checkRole(role);
    if (r === 'ingest') throw new ParapetError('bad_request', 'the ingest role is for machines: create a token instead');
    if (await this.o.store.getUserByName(name)) throw new ParapetError('conflict', `user ${name} already exists`);
    const password = randomPassword();
    const user: UserRecord = {
      id: randomId('usr'),
      name,
      role: r,
      sites: [...sites],
      password_hash: await hashPassword(password),
      totp: null,
      disabled: false,
      created_at: this.o.clock.now(),
    };
    await this.o.store.createUser(user);
    return { user, password };
  }

  async createToken(name: string, role: string, sites: readonly string[], expiresAt: number | null = null): Promise<{ token: TokenRecord; secret: string }> {
    checkName(name);
    const r = checkRole(role);
    const secret = randomSecret(TOKEN_PREFIX);
    const token: TokenRecord = {
      id: randomId('tok'),
      name,
      role: r,
      sites: [...sites],
      hash: sha256Hex(secret),
      created_at: this.o.clock.now(),
      expires_at: expiresAt,
      revoked_at: null,
      last_used_at: null,
    };
    await this.o.store.createToken(token);
    return { token, secret };
  }

  async revokeToken(id: string): Promise<boolean> {
    const ok = await this.o.store.revokeToken(id, this.o.clock.now());
    this.tokenCache.clear();
    return ok;
  }

  async authenticateBearer(secret: string): Promise<Principal | null> {
    if (!secret.startsWith(`${TOKEN_PREFIX}_`) || secret.length > 128) return null;
    const now = this.o.clock.now();
    const h = sha256Hex(secret);
    const cached = this.tokenCache.get(h);
    if (cached && cached.until > now && (cached.expires === null || cached.expires > now)) return cached.principal;
    const t = await this.o.store.getTokenByHash(h);
    if (!t || t.revoked_at !== null || (t.expires_at !== null && t.expires_at <= now)) return null;
    const principal = tokenPrincipal(t);
    this.tokenCache.set(h, { principal, until: now + 5_000, expires: t.expires_at });
    if (this.tokenCache.size > 10_000) this.tokenCache.clear();
    return principal;
  }

  /** Password check; callers throttle (security layer) and audit. Returns null on any mismatch. */
  async verifyLogin(name: string, password: string): Promise<UserRecord | null> {
    const user = await this.o.store.getUserByName(name);
    if (!user || user.disabled) {
      // Spend the same time as a real check so names cannot be probed by timing.
      await verifyPassword(DUMMY_HASH, password);
      return null;
    }
    return (await verifyPassword(user.password_hash, password)) ? user : null;
  }

  async startSession(user: UserRecord): Promise<NewSession> {
    const now = this.o.clock.now();
    const sessionId = randomSecret('pps');
    const csrf = randomBytesHex(32);
    const expiresAt = now + SESSION_ABSOLUTE_MS;
    await this.o.store.createSession({ id_hash: sha256Hex(sessionId), user_id: user.id, csrf, created_at: now, last_seen_at: now, expires_at: expiresAt });
    return { sessionId, csrf, expiresAt, principal: userPrincipal(user) };
  }

  /** A live session's principal and CSRF token; idle and absolute expiry enforced (SPEC §5.4). */
  async authenticateSession(sessionId: string): Promise<{ principal: Principal; csrf: string; idHash: string } | null> {
    if (!sessionId.startsWith('pps_') || sessionId.length > 128) return null;
    const now = this.o.clock.now();
    const idHash = sha256Hex(sessionId);
    const s = await this.o.store.getSession(idHash);
    if (!s) return null;
    if (s.expires_at <= now || s.last_seen_at + SESSION_IDLE_MS <= now) {
      await this.o.store.deleteSession(idHash);
      return null;
    }
    const user = await this.o.store.getUser(s.user_id);
    if (!user || user.disabled) return null;
    if (now - s.last_seen_at > 10_000) await this.o.store.touchSession(idHash, now);
    return { principal: userPrincipal(user), csrf: s.csrf, idHash };
  }

  async endSession(sessionId: string): Promise<void> {
    await this.o.store.deleteSession(sha256Hex(sessionId));
  }

  /** A new MQTT secret for a device (SPEC §3), replacing any previous one; shown once. */
  async rotateDeviceSecret(device: string): Promise<string> {
    const secret = randomSecret(DEVICE_SECRET_PREFIX);
    await this.o.store.setDeviceSecret({ device, hash: await hashPassword(secret), created_at: this.o.clock.now() });
    return secret;
  }

  async verifyDeviceSecret(device: string, secret: string): Promise<boolean> {
    const rec = await this.o.store.getDeviceSecret(device);
    if (!rec) {
      await verifyPassword(DUMMY_HASH, secret);
      return false;
    }
    return verifyPassword(rec.hash, secret);
  }
}

/** A valid argon2id hash of a random string, used to equalise timing for unknown names. */
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$K0cTHaTMBvN4u5fPBkDkPlPMnF2ph0kCkwY4hPfR0pI';
