/**
 * The principals section of the store contract (users, tokens, sessions, device secrets), run by
 * runStoreContract in store.contract.ts against every adapter.
 */
import { describe, expect, it } from 'vitest';
import { ParapetError } from '../core/errors.js';
import type { Store, TokenRecord, UserRecord } from './store.js';

export function user(o: Partial<UserRecord> = {}): UserRecord {
  return {
    id: 'u1',
    name: 'ana',
    role: 'operator',
    sites: ['harbour'],
    password_hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    totp: null,
    disabled: false,
    created_at: 1000,
    ...o,
  };
}

export function token(o: Partial<TokenRecord> = {}): TokenRecord {
  return {
    id: 't1',
    name: 'gateway',
    role: 'ingest',
    sites: [],
    hash: 'a'.repeat(64),
    created_at: 1000,
    expires_at: null,
    revoked_at: null,
    last_used_at: null,
    ...o,
  };
}

export function runPrincipalsContract(store: () => Store): void {
  describe('principals', () => {
    it('creates, finds, updates and deletes users', async () => {
      const p = store().principals;
      await p.createUser(user());
      await p.createUser(user({ id: 'u2', name: 'bruno', role: 'admin', sites: [], totp: 'sealed-secret', disabled: true }));
      expect(await p.getUser('u1')).toEqual(user());
      expect(await p.getUserByName('bruno')).toEqual(user({ id: 'u2', name: 'bruno', role: 'admin', sites: [], totp: 'sealed-secret', disabled: true }));
      expect(await p.getUserByName('nobody')).toBeNull();
      expect((await p.listUsers()).map((u) => u.name).sort()).toEqual(['ana', 'bruno']);
      expect(await p.updateUser('u1', { role: 'investigator', sites: ['a', 'b'], disabled: true, totp: 'x' })).toBe(true);
      expect(await p.getUser('u1')).toEqual(user({ role: 'investigator', sites: ['a', 'b'], disabled: true, totp: 'x' }));
      expect(await p.updateUser('u1', { totp: null, disabled: false })).toBe(true);
      expect(await p.getUser('u1')).toMatchObject({ totp: null, disabled: false, role: 'investigator' });
      expect(await p.updateUser('nobody', { role: 'admin' })).toBe(false);
      expect(await p.deleteUser('u1')).toBe(true);
      expect(await p.deleteUser('u1')).toBe(false);
      expect(await p.getUser('u1')).toBeNull();
    });

    it('refuses a second user of the same name as a conflict', async () => {
      const p = store().principals;
      await p.createUser(user());
      const err = await p.createUser(user({ id: 'u9' })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ParapetError);
      expect((err as ParapetError).code).toBe('conflict');
      expect((await p.listUsers()).map((u) => u.id)).toEqual(['u1']);
    });

    it('finds tokens by hash, revokes once and records use', async () => {
      const p = store().principals;
      await p.createToken(token());
      await p.createToken(token({ id: 't2', hash: 'b'.repeat(64), sites: ['harbour'], expires_at: 9000, role: 'operator' }));
      expect(await p.getTokenByHash('b'.repeat(64))).toEqual(token({ id: 't2', hash: 'b'.repeat(64), sites: ['harbour'], expires_at: 9000, role: 'operator' }));
      expect(await p.getTokenByHash('c'.repeat(64))).toBeNull();
      expect((await p.listTokens()).map((t) => t.id).sort()).toEqual(['t1', 't2']);
      expect(await p.revokeToken('t1', 5000)).toBe(true);
      expect(await p.revokeToken('t1', 6000)).toBe(false);
      expect(await p.revokeToken('nope', 6000)).toBe(false);
      await p.touchToken('t2', 7000);
      expect(await p.getTokenByHash('a'.repeat(64))).toMatchObject({ revoked_at: 5000 });
      expect(await p.getTokenByHash('b'.repeat(64))).toMatchObject({ last_used_at: 7000, revoked_at: null });
    });

    it('keeps sessions by id hash, touches and deletes them, also per user', async () => {
      const p = store().principals;
      const s = (id_hash: string, user_id: string) => ({ id_hash, user_id, csrf: `csrf-${id_hash}`, created_at: 1, last_seen_at: 1, expires_at: 100 });
      await p.createSession(s('h1', 'u1'));
      await p.createSession(s('h2', 'u1'));
      await p.createSession(s('h3', 'u2'));
      expect(await p.getSession('h1')).toEqual(s('h1', 'u1'));
      await p.touchSession('h1', 50);
      expect(await p.getSession('h1')).toMatchObject({ last_seen_at: 50, created_at: 1 });
      await p.deleteSession('h3');
      expect(await p.getSession('h3')).toBeNull();
      await p.deleteSessionsOfUser('u1');
      expect(await p.getSession('h1')).toBeNull();
      expect(await p.getSession('h2')).toBeNull();
    });

    it('sets, replaces and deletes device secrets', async () => {
      const p = store().principals;
      expect(await p.getDeviceSecret('cam-1')).toBeNull();
      await p.setDeviceSecret({ device: 'cam-1', hash: 'h-1', created_at: 1 });
      await p.setDeviceSecret({ device: 'cam-1', hash: 'h-2', created_at: 2 });
      expect(await p.getDeviceSecret('cam-1')).toEqual({ device: 'cam-1', hash: 'h-2', created_at: 2 });
      await p.deleteDeviceSecret('cam-1');
      expect(await p.getDeviceSecret('cam-1')).toBeNull();
    });
  });
}
