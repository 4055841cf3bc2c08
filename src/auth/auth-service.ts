/**
 * People, machines and devices (SPEC §5): accounts with argon2id passwords and a TOTP second factor
 * for admin and investigator roles, bearer tokens, cookie sessions, device MQTT secrets and
 * single-use device enrolment tokens. Every secret is shown once and stored only hashed (or, for
 * TOTP seeds, sealed under a key derived from the master key).
 */
import type { Clock } from '../core/clock.js';
import { HOUR, MINUTE } from '../core/clock.js';
import { ParapetError } from '../core/errors.js';
import { ROLES, type KvStore, type PrincipalStore, type Role, type TokenRecord, type UserRecord } from '../store/store.js';
import type { Principal } from './principal.js';
import { hashPassword, randomBytesHex, randomId, randomPassword, randomSecret, sha256Hex, verifyPassword } from './secrets.js';
import { LoginThrottle } from './login-throttle.js';
import { SecondFactor } from './second-factor.js';
import { DeviceEnrolment } from './device-enrolment.js';
import type { SecretBox } from './secret-box.js';

export const TOKEN_PREFIX = 'ppt';
export const DEVICE_SECRET_PREFIX = 'ppd';
/** SPEC §5.4: idle and absolute session expiry. */
export const SESSION_IDLE_MS = 30 * MINUTE;
export const SESSION_ABSOLUTE_MS = 12 * HOUR;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** NIST SP 800-63B §5.1.1.2: at least 8 characters chosen by a person; we ask for 12. */
export const MIN_PASSWORD_LENGTH = 12;

export interface AuthServiceOptions {
  readonly store: PrincipalStore;
  readonly clock: Clock;
  /** Seals TOTP seeds and hashes recovery codes (hub.ts: createSecretBox(master key)). */
  readonly secrets?: SecretBox;
  /** Pending TOTP enrolments and device enrolment tokens. */
  readonly kv?: KvStore;
  readonly throttle?: LoginThrottle;
  /** Keep failed-login counts in `kv` (PostgreSQL: a standby taking over, or another node, sees them). */
  readonly shareThrottle?: boolean;
}

export interface NewSession {
  /** The cookie value (shown to the browser only). */
  readonly sessionId: string;
  readonly csrf: string;
  readonly expiresAt: number;
  readonly principal: Principal;
}

export interface UserPatch {
  readonly role?: string;
  readonly sites?: readonly string[];
  readonly disabled?: boolean;
}

/** A user as shown over the API: never a hash or a seed. */
export interface UserView {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly sites: readonly string[];
  readonly disabled: boolean;
  readonly totp: boolean;
  readonly created_at: number;
}

export type TokenView = Omit<TokenRecord, 'hash'>;

function checkRole(role: string): Role {
  if (!(ROLES as readonly string[]).includes(role)) throw new ParapetError('bad_request', `role must be one of ${ROLES.join(', ')}`);
  return role as Role;
}

function checkName(name: string): void {
  if (!NAME_RE.test(name)) throw new ParapetError('bad_request', 'name must be 1–64 letters, digits, . _ @ -');
}

export const userView = (u: UserRecord): UserView => ({ id: u.id, name: u.name, role: u.role, sites: u.sites, disabled: u.disabled, totp: u.totp !== null, created_at: u.created_at });
export const tokenView = ({ hash: _hash, ...rest }: TokenRecord): TokenView => rest;
const tokenPrincipal = (t: TokenRecord): Principal => ({ kind: 'token', id: t.id, name: t.name, role: t.role, sites: t.sites });

export class AuthService {
  /** Short cache of verified token hashes: the hot ingest path must not hit the store per request. */
  private readonly tokenCache = new Map<string, { principal: Principal; until: number; expires: number | null }>();
  readonly loginThrottle: LoginThrottle;
  readonly secondFactor: SecondFactor;
  readonly enrolment: DeviceEnrolment;

  constructor(private readonly o: AuthServiceOptions) {
    const kv = o.kv;
    const shared = o.shareThrottle && kv ? { kv, digest: (key: string) => this.keyDigest('login', key) } : undefined;
    this.loginThrottle = o.throttle ?? new LoginThrottle({ clock: o.clock, ...(shared ? { shared } : {}) });
    this.secondFactor = new SecondFactor({ store: o.store, kv: o.kv, clock: o.clock, box: o.secrets });
    this.enrolment = new DeviceEnrolment(o.kv, o.clock);
  }

  /**
   * A keyed digest naming a caller in state shared through the store (rate limits): HMAC under a
   * key derived from the master key, so the store never holds an address or a name, nor a plain
   * hash of one (an IPv4 address's SHA-256 is reversed by trying all 2^32).
   */
  keyDigest(purpose: string, value: string): string {
    if (!this.o.secrets) throw new ParapetError('internal', 'keyDigest needs the secret box (hub.ts: createSecretBox)');
    return this.o.secrets.mac(`${purpose}\u0000${value}`);
  }

  private userPrincipal(u: UserRecord): Principal {
    const p: Principal = { kind: 'user', id: u.id, name: u.name, role: u.role, sites: u.sites };
    return this.secondFactor.isRestricted(u) ? { ...p, restricted: 'totp_enrolment' } : p;
  }

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

  getUser(id: string): Promise<UserRecord | null> {
    return this.o.store.getUser(id);
  }

  listUsers(): Promise<UserRecord[]> {
    return this.o.store.listUsers();
  }

  /** Role, sites or disabled; any change ends the user's sessions so it applies at once. */
  async updateUser(id: string, patch: UserPatch): Promise<UserRecord> {
    const user = await this.o.store.getUser(id);
    if (!user) throw new ParapetError('not_found', `no user ${id}`);
    const next: { role?: Role; sites?: string[]; disabled?: boolean } = {};
    if (patch.role !== undefined) {
      next.role = checkRole(patch.role);
      if (next.role === 'ingest') throw new ParapetError('bad_request', 'the ingest role is for machines');
    }
    if (patch.sites !== undefined) next.sites = [...patch.sites];
    if (patch.disabled !== undefined) next.disabled = patch.disabled;
    if (user.role === 'admin' && (next.role !== undefined && next.role !== 'admin' || next.disabled === true)) await this.keepOneAdmin(id);
    await this.o.store.updateUser(id, next);
    await this.o.store.deleteSessionsOfUser(id);
    return { ...user, ...next };
  }

  /** A new random password (shown once); the user's sessions end. */
  async resetPassword(id: string): Promise<string> {
    const user = await this.o.store.getUser(id);
    if (!user) throw new ParapetError('not_found', `no user ${id}`);
    const password = randomPassword();
    await this.o.store.updateUser(id, { password_hash: await hashPassword(password) });
    await this.o.store.deleteSessionsOfUser(id);
    return password;
  }

  async changePassword(user: UserRecord, current: string, next: string): Promise<void> {
    if (!(await verifyPassword(user.password_hash, current))) throw new ParapetError('invalid_credentials', 'the current password is wrong');
    if (next.length < MIN_PASSWORD_LENGTH) throw new ParapetError('bad_request', `a password has at least ${MIN_PASSWORD_LENGTH} characters`);
    if (next === current) throw new ParapetError('bad_request', 'the new password must differ from the current one');
    await this.o.store.updateUser(user.id, { password_hash: await hashPassword(next) });
  }

  async deleteUser(id: string): Promise<boolean> {
    const user = await this.o.store.getUser(id);
    if (!user) return false;
    if (user.role === 'admin') await this.keepOneAdmin(id);
    await this.o.store.deleteSessionsOfUser(id);
    return this.o.store.deleteUser(id);
  }

  private async keepOneAdmin(leaving: string): Promise<void> {
    const admins = (await this.o.store.listUsers()).filter((u) => u.role === 'admin' && !u.disabled && u.id !== leaving);
    if (admins.length === 0) throw new ParapetError('conflict', 'this is the last active admin; create another admin first');
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

  listTokens(): Promise<TokenRecord[]> {
    return this.o.store.listTokens();
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

  /** Password check; the login route throttles and audits. Returns null on any mismatch. */
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
    return { sessionId, csrf, expiresAt, principal: this.userPrincipal(user) };
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
    return { principal: this.userPrincipal(user), csrf: s.csrf, idHash };
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

  /** SPEC §5.5: a single-use token (≤ 30 min) the device exchanges for its MQTT secret. */
  createEnrolmentToken(device: string, ttlMs?: number): Promise<{ token: string; expires_at: number }> {
    return this.enrolment.create(device, ttlMs);
  }

  /** Spends the token and returns the device with its new secret; a second use fails. */
  async redeemEnrolmentToken(token: string): Promise<{ device: string; secret: string }> {
    const device = await this.enrolment.redeem(token);
    return { device, secret: await this.rotateDeviceSecret(device) };
  }
}

/** A valid argon2id hash of a random string, used to equalise timing for unknown names. */
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$K0cTHaTMBvN4u5fPBkDkPlPMnF2ph0kCkwY4hPfR0pI';
