/**
 * The principals section on PostgreSQL (users, tokens, sessions, device secrets), one statement
 * per call. Only hashes are stored (SPEC §5.4) — this file never sees a secret in clear. A second
 * user of the same name, or any other key collision, is a 409 conflict as on SQLite.
 */
import type pg from 'pg';
import type { DeviceSecretRecord, PrincipalStore, Role, SessionRecord, TokenRecord, UserRecord } from '../store.js';
import { guard, Params } from './pg-sql.js';

interface UserRow {
  id: string;
  name: string;
  role: string;
  sites: string[];
  password_hash: string;
  totp: string | null;
  disabled: boolean;
  created_at: number;
}

interface TokenRow {
  id: string;
  name: string;
  role: string;
  sites: string[];
  hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

const USER_COLS = 'id, name, role, sites, password_hash, totp, disabled, created_at';
const TOKEN_COLS = 'id, name, role, sites, hash, created_at, expires_at, revoked_at, last_used_at';
const SESSION_COLS = 'id_hash, user_id, csrf, created_at, last_seen_at, expires_at';

const toUser = (r: UserRow): UserRecord => ({ ...r, role: r.role as Role });
const toToken = (r: TokenRow): TokenRecord => ({ ...r, role: r.role as Role });

export function createPgPrincipalStore(pool: pg.Pool, schema: string): PrincipalStore {
  const s = schema;
  const rows = async <R extends object>(sql: string, params: unknown[] = []) => (await pool.query<R & pg.QueryResultRow>(sql, params)).rows;
  const one = async <R extends object>(sql: string, params: unknown[]) => (await rows<R>(sql, params))[0] ?? null;
  const changed = async (sql: string, params: unknown[]) => ((await pool.query(sql, params)).rowCount ?? 0) > 0;
  const run = async (sql: string, params: unknown[]) => {
    await pool.query(sql, params);
  };

  return {
    createUser: (u) =>
      guard(run(`INSERT INTO ${s}.users (${USER_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [u.id, u.name, u.role, [...u.sites], u.password_hash, u.totp, u.disabled, u.created_at])),
    getUserByName: (name) => guard(one<UserRow>(`SELECT ${USER_COLS} FROM ${s}.users WHERE name = $1`, [name]).then((r) => (r ? toUser(r) : null))),
    getUser: (id) => guard(one<UserRow>(`SELECT ${USER_COLS} FROM ${s}.users WHERE id = $1`, [id]).then((r) => (r ? toUser(r) : null))),
    listUsers: () => guard(rows<UserRow>(`SELECT ${USER_COLS} FROM ${s}.users ORDER BY name`).then((list) => list.map(toUser))),
    updateUser: (id, patch) =>
      guard(
        (async () => {
          const p = new Params();
          const sets: string[] = [];
          if (patch.name !== undefined) sets.push(`name = ${p.add(patch.name)}`);
          if (patch.role !== undefined) sets.push(`role = ${p.add(patch.role)}`);
          if (patch.sites !== undefined) sets.push(`sites = ${p.add([...patch.sites])}`);
          if (patch.password_hash !== undefined) sets.push(`password_hash = ${p.add(patch.password_hash)}`);
          if (patch.totp !== undefined) sets.push(`totp = ${p.add(patch.totp)}`);
          if (patch.disabled !== undefined) sets.push(`disabled = ${p.add(patch.disabled)}`);
          if (sets.length === 0) return (await one(`SELECT 1 FROM ${s}.users WHERE id = $1`, [id])) !== null;
          return changed(`UPDATE ${s}.users SET ${sets.join(', ')} WHERE id = ${p.add(id)}`, p.values);
        })(),
      ),
    deleteUser: (id) => guard(changed(`DELETE FROM ${s}.users WHERE id = $1`, [id])),

    createToken: (t) =>
      guard(
        run(`INSERT INTO ${s}.tokens (${TOKEN_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
          t.id,
          t.name,
          t.role,
          [...t.sites],
          t.hash,
          t.created_at,
          t.expires_at,
          t.revoked_at,
          t.last_used_at,
        ]),
      ),
    getTokenByHash: (hash) => guard(one<TokenRow>(`SELECT ${TOKEN_COLS} FROM ${s}.tokens WHERE hash = $1`, [hash]).then((r) => (r ? toToken(r) : null))),
    listTokens: () => guard(rows<TokenRow>(`SELECT ${TOKEN_COLS} FROM ${s}.tokens ORDER BY created_at, id`).then((list) => list.map(toToken))),
    // False when no such token or it was already revoked (the first revocation time stands).
    revokeToken: (id, at) => guard(changed(`UPDATE ${s}.tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, [at, id])),
    touchToken: (id, at) => guard(run(`UPDATE ${s}.tokens SET last_used_at = $1 WHERE id = $2`, [at, id])),

    createSession: (x) =>
      guard(run(`INSERT INTO ${s}.sessions (${SESSION_COLS}) VALUES ($1, $2, $3, $4, $5, $6)`, [x.id_hash, x.user_id, x.csrf, x.created_at, x.last_seen_at, x.expires_at])),
    getSession: (idHash) => guard(one<SessionRecord>(`SELECT ${SESSION_COLS} FROM ${s}.sessions WHERE id_hash = $1`, [idHash])),
    touchSession: (idHash, at) => guard(run(`UPDATE ${s}.sessions SET last_seen_at = $1 WHERE id_hash = $2`, [at, idHash])),
    deleteSession: (idHash) => guard(run(`DELETE FROM ${s}.sessions WHERE id_hash = $1`, [idHash])),
    deleteSessionsOfUser: (userId) => guard(run(`DELETE FROM ${s}.sessions WHERE user_id = $1`, [userId])),

    setDeviceSecret: (r) =>
      guard(
        run(
          `INSERT INTO ${s}.device_secrets (device, hash, created_at) VALUES ($1, $2, $3)
           ON CONFLICT (device) DO UPDATE SET hash = excluded.hash, created_at = excluded.created_at`,
          [r.device, r.hash, r.created_at],
        ),
      ),
    getDeviceSecret: (device) => guard(one<DeviceSecretRecord>(`SELECT device, hash, created_at FROM ${s}.device_secrets WHERE device = $1`, [device])),
    deleteDeviceSecret: (device) => guard(run(`DELETE FROM ${s}.device_secrets WHERE device = $1`, [device])),
  };
}
