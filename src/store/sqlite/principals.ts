/**
 * The principals section on SQLite (users, tokens, sessions, device secrets): synchronous
 * statements on one connection; reads on the main thread, writes on the writer worker. Only
 * hashes are stored (SPEC §5.4) — this file never sees a secret in clear.
 */
import type { DeviceSecretRecord, Role, SessionRecord, TokenRecord, UserRecord } from '../store.js';
import type { Db, Statement } from './connection.js';

interface UserRow {
  id: string;
  name: string;
  role: string;
  sites: string;
  password_hash: string;
  totp: string | null;
  disabled: number;
  created_at: number;
}

interface TokenRow {
  id: string;
  name: string;
  role: string;
  sites: string;
  hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

const USER_COLS = 'id, name, role, sites, password_hash, totp, disabled, created_at';
const TOKEN_COLS = 'id, name, role, sites, hash, created_at, expires_at, revoked_at, last_used_at';
const SESSION_COLS = 'id_hash, user_id, csrf, created_at, last_seen_at, expires_at';

const toUser = (r: UserRow): UserRecord => ({ ...r, role: r.role as Role, sites: JSON.parse(r.sites) as string[], disabled: r.disabled === 1 });
const toToken = (r: TokenRow): TokenRecord => ({ ...r, role: r.role as Role, sites: JSON.parse(r.sites) as string[] });

type Patch = Partial<Omit<UserRecord, 'id' | 'created_at'>>;

export class SqlitePrincipals {
  private readonly st: Record<string, Statement>;

  constructor(private readonly db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.st = {
      createUser: p(`INSERT INTO users (${USER_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      userByName: p(`SELECT ${USER_COLS} FROM users WHERE name = ?`),
      user: p(`SELECT ${USER_COLS} FROM users WHERE id = ?`),
      users: p(`SELECT ${USER_COLS} FROM users ORDER BY name`),
      deleteUser: p('DELETE FROM users WHERE id = ?'),
      createToken: p(`INSERT INTO tokens (${TOKEN_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      tokenByHash: p(`SELECT ${TOKEN_COLS} FROM tokens WHERE hash = ?`),
      tokens: p(`SELECT ${TOKEN_COLS} FROM tokens ORDER BY created_at, id`),
      revokeToken: p('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      touchToken: p('UPDATE tokens SET last_used_at = ? WHERE id = ?'),
      createSession: p(`INSERT INTO sessions (${SESSION_COLS}) VALUES (?, ?, ?, ?, ?, ?)`),
      session: p(`SELECT ${SESSION_COLS} FROM sessions WHERE id_hash = ?`),
      touchSession: p('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?'),
      deleteSession: p('DELETE FROM sessions WHERE id_hash = ?'),
      deleteSessionsOfUser: p('DELETE FROM sessions WHERE user_id = ?'),
      setSecret: p(
        'INSERT INTO device_secrets (device, hash, created_at) VALUES (?, ?, ?) ON CONFLICT (device) DO UPDATE SET hash = excluded.hash, created_at = excluded.created_at',
      ),
      secret: p('SELECT device, hash, created_at FROM device_secrets WHERE device = ?'),
      deleteSecret: p('DELETE FROM device_secrets WHERE device = ?'),
    };
  }

  private s(name: string): Statement {
    const st = this.st[name];
    if (!st) throw new Error(`no statement ${name}`);
    return st;
  }

  createUser(u: UserRecord): void {
    this.s('createUser').run(u.id, u.name, u.role, JSON.stringify(u.sites), u.password_hash, u.totp, u.disabled ? 1 : 0, u.created_at);
  }
  getUserByName(name: string): UserRecord | null {
    const r = this.s('userByName').get(name) as UserRow | undefined;
    return r ? toUser(r) : null;
  }
  getUser(id: string): UserRecord | null {
    const r = this.s('user').get(id) as UserRow | undefined;
    return r ? toUser(r) : null;
  }
  listUsers(): UserRecord[] {
    return (this.s('users').all() as UserRow[]).map(toUser);
  }
  updateUser(id: string, patch: Patch): boolean {
    const sets: string[] = [];
    const params: unknown[] = [];
    const put = (col: string, v: unknown) => {
      sets.push(`${col} = ?`);
      params.push(v);
    };
    if (patch.name !== undefined) put('name', patch.name);
    if (patch.role !== undefined) put('role', patch.role);
    if (patch.sites !== undefined) put('sites', JSON.stringify(patch.sites));
    if (patch.password_hash !== undefined) put('password_hash', patch.password_hash);
    if (patch.totp !== undefined) put('totp', patch.totp);
    if (patch.disabled !== undefined) put('disabled', patch.disabled ? 1 : 0);
    if (sets.length === 0) return this.getUser(id) !== null;
    return this.db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`).run(...params, id).changes > 0;
  }
  deleteUser(id: string): boolean {
    return this.s('deleteUser').run(id).changes > 0;
  }

  createToken(t: TokenRecord): void {
    this.s('createToken').run(t.id, t.name, t.role, JSON.stringify(t.sites), t.hash, t.created_at, t.expires_at, t.revoked_at, t.last_used_at);
  }
  getTokenByHash(hash: string): TokenRecord | null {
    const r = this.s('tokenByHash').get(hash) as TokenRow | undefined;
    return r ? toToken(r) : null;
  }
  listTokens(): TokenRecord[] {
    return (this.s('tokens').all() as TokenRow[]).map(toToken);
  }
  /** False when no such token or it was already revoked (the first revocation time stands). */
  revokeToken(id: string, at: number): boolean {
    return this.s('revokeToken').run(at, id).changes > 0;
  }
  touchToken(id: string, at: number): void {
    this.s('touchToken').run(at, id);
  }

  createSession(x: SessionRecord): void {
    this.s('createSession').run(x.id_hash, x.user_id, x.csrf, x.created_at, x.last_seen_at, x.expires_at);
  }
  getSession(idHash: string): SessionRecord | null {
    return (this.s('session').get(idHash) as SessionRecord | undefined) ?? null;
  }
  touchSession(idHash: string, at: number): void {
    this.s('touchSession').run(at, idHash);
  }
  deleteSession(idHash: string): void {
    this.s('deleteSession').run(idHash);
  }
  deleteSessionsOfUser(userId: string): void {
    this.s('deleteSessionsOfUser').run(userId);
  }

  setDeviceSecret(r: DeviceSecretRecord): void {
    this.s('setSecret').run(r.device, r.hash, r.created_at);
  }
  getDeviceSecret(device: string): DeviceSecretRecord | null {
    return (this.s('secret').get(device) as DeviceSecretRecord | undefined) ?? null;
  }
  deleteDeviceSecret(device: string): void {
    this.s('deleteSecret').run(device);
  }
}
