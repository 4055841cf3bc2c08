import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, HOUR, MINUTE } from '../core/clock.js';
import { createMemoryStore } from '../store/memory/memory-store.js';
import type { Store } from '../store/store.js';
import { AuthService, SESSION_ABSOLUTE_MS, SESSION_IDLE_MS, tokenView, userView } from './auth-service.js';
import { createSecretBox } from './secret-box.js';
import { totpCode } from './totp.js';

let store: Store;
let clock: FakeClock;
let auth: AuthService;

beforeEach(() => {
  store = createMemoryStore();
  clock = new FakeClock();
  auth = new AuthService({ store: store.principals, clock, secrets: createSecretBox(randomBytes(32)), kv: store.kv });
});

describe('accounts', () => {
  it('bootstraps one admin with a random password, once', async () => {
    const first = await auth.bootstrapAdmin();
    expect(first?.name).toBe('admin');
    expect(first?.password.length).toBeGreaterThanOrEqual(24);
    expect(await auth.bootstrapAdmin()).toBeNull();
    const u = await store.principals.getUserByName('admin');
    expect(u?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await auth.verifyLogin('admin', first?.password ?? '')).not.toBeNull();
    expect(await auth.verifyLogin('admin', 'nope')).toBeNull();
    expect(await auth.verifyLogin('ghost', 'nope')).toBeNull();
  });

  it('refuses bad names, unknown roles, ingest people and duplicates', async () => {
    await expect(auth.createUser('bad name', 'operator', [])).rejects.toThrow(/name/);
    await expect(auth.createUser('x', 'root', [])).rejects.toThrow(/role/);
    await expect(auth.createUser('x', 'ingest', [])).rejects.toThrow(/machines/);
    await auth.createUser('x', 'operator', []);
    await expect(auth.createUser('x', 'operator', [])).rejects.toThrow(/exists/);
  });

  it('never lets the last active admin be demoted, disabled or deleted', async () => {
    const a = (await auth.createUser('a', 'admin', [])).user;
    await expect(auth.updateUser(a.id, { role: 'operator' })).rejects.toThrow(/last active admin/);
    await expect(auth.updateUser(a.id, { disabled: true })).rejects.toThrow(/last active admin/);
    await expect(auth.deleteUser(a.id)).rejects.toThrow(/last active admin/);
    await auth.createUser('b', 'admin', []);
    expect((await auth.updateUser(a.id, { role: 'auditor', sites: ['harbour'] })).role).toBe('auditor');
    await expect(auth.updateUser('usr_none', {})).rejects.toThrow(/no user/);
  });

  it('ends sessions when a user changes, is reset or deleted', async () => {
    const { user } = await auth.createUser('o', 'operator', []);
    const s1 = await auth.startSession(user);
    await auth.updateUser(user.id, { sites: ['harbour'] });
    expect(await auth.authenticateSession(s1.sessionId)).toBeNull();
    const s2 = await auth.startSession(user);
    const pw = await auth.resetPassword(user.id);
    expect(await auth.authenticateSession(s2.sessionId)).toBeNull();
    expect(await auth.verifyLogin('o', pw)).not.toBeNull();
    const s3 = await auth.startSession(user);
    expect(await auth.deleteUser(user.id)).toBe(true);
    expect(await auth.authenticateSession(s3.sessionId)).toBeNull();
    expect(await auth.deleteUser(user.id)).toBe(false);
  });

  it('changes a password only with the current one and a long enough new one', async () => {
    const { user, password } = await auth.createUser('p', 'operator', []);
    await expect(auth.changePassword(user, 'wrong', 'a-long-new-password')).rejects.toThrow(/current password/);
    await expect(auth.changePassword(user, password, 'short')).rejects.toThrow(/at least/);
    await expect(auth.changePassword(user, password, password)).rejects.toThrow(/differ/);
    await auth.changePassword(user, password, 'a-long-new-password');
    expect(await auth.verifyLogin('p', 'a-long-new-password')).not.toBeNull();
  });

  it('shows users and tokens without hashes or seeds', async () => {
    const { user } = await auth.createUser('v', 'operator', []);
    expect(JSON.stringify(userView(user))).not.toMatch(/argon2|password/);
    const { token } = await auth.createToken('t', 'ingest', []);
    expect(tokenView(token)).not.toHaveProperty('hash');
  });
});

describe('tokens', () => {
  it('authenticates a token until it is revoked or expires', async () => {
    const { token, secret } = await auth.createToken('feed', 'ingest', ['harbour'], clock.now() + HOUR);
    expect(await auth.authenticateBearer(secret)).toMatchObject({ kind: 'token', role: 'ingest', sites: ['harbour'] });
    expect(await auth.authenticateBearer(secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A'))).toBeNull();
    expect(await auth.authenticateBearer('nope')).toBeNull();
    clock.advance(HOUR);
    expect(await auth.authenticateBearer(secret)).toBeNull();
    const other = await auth.createToken('feed2', 'ingest', []);
    expect(await auth.authenticateBearer(other.secret)).not.toBeNull();
    expect(await auth.revokeToken(other.token.id)).toBe(true);
    expect(await auth.authenticateBearer(other.secret)).toBeNull();
    expect(token.hash).not.toContain(secret);
  });
});

describe('sessions', () => {
  it('expires after 30 idle minutes and after 12 hours in any case', async () => {
    const { user } = await auth.createUser('s', 'operator', []);
    const idle = await auth.startSession(user);
    clock.advance(SESSION_IDLE_MS);
    expect(await auth.authenticateSession(idle.sessionId)).toBeNull();
    const busy = await auth.startSession(user);
    for (let t = 0; t < SESSION_ABSOLUTE_MS - 20 * MINUTE; t += 20 * MINUTE) {
      clock.advance(20 * MINUTE);
      expect(await auth.authenticateSession(busy.sessionId)).not.toBeNull();
    }
    clock.advance(20 * MINUTE);
    expect(await auth.authenticateSession(busy.sessionId)).toBeNull();
    expect(await auth.authenticateSession('junk')).toBeNull();
  });
});

describe('second factor', () => {
  it('limits an admin without TOTP to enrolment, then requires and consumes codes', async () => {
    const { user } = await auth.createUser('adm', 'admin', []);
    const s = await auth.startSession(user);
    expect(s.principal.restricted).toBe('totp_enrolment');
    expect(await auth.secondFactor.check(user, undefined)).toBe('restricted');
    const { uri, secret } = await auth.secondFactor.begin(user);
    expect(uri).toContain(`secret=${secret}`);
    await expect(auth.secondFactor.confirm(user, '000000' === totpCode(secret, clock.now()) ? '111111' : '000000')).rejects.toThrow(/does not match/);
    const { recovery_codes } = await auth.secondFactor.confirm(user, totpCode(secret, clock.now()));
    const enrolled = await auth.getUser(user.id);
    if (!enrolled) throw new Error('user vanished');
    expect((await auth.authenticateSession(s.sessionId))?.principal.restricted).toBeUndefined();
    await expect(auth.secondFactor.begin(enrolled)).rejects.toThrow(/already enrolled/);
    expect(await auth.secondFactor.check(enrolled, undefined)).toBe('required');
    // The confirming code's step is used: the same code is refused.
    expect(await auth.secondFactor.check(enrolled, totpCode(secret, clock.now()))).toBe('invalid');
    clock.advance(30_000);
    expect(await auth.secondFactor.check((await auth.getUser(user.id)) ?? enrolled, totpCode(secret, clock.now()))).toBe('ok');
    const rc = recovery_codes[3] ?? '';
    expect(await auth.secondFactor.check((await auth.getUser(user.id)) ?? enrolled, rc.toUpperCase())).toBe('ok');
    expect(await auth.secondFactor.check((await auth.getUser(user.id)) ?? enrolled, rc)).toBe('invalid');
    expect((await auth.getUser(user.id))?.totp).not.toContain(secret);
    await auth.secondFactor.reset(user.id);
    expect((await auth.getUser(user.id))?.totp).toBeNull();
  });

  it('asks nothing of operators, and lets a pending enrolment expire', async () => {
    const { user } = await auth.createUser('op', 'operator', []);
    expect(await auth.secondFactor.check(user, undefined)).toBe('ok');
    const inv = (await auth.createUser('inv', 'investigator', [])).user;
    const { secret } = await auth.secondFactor.begin(inv);
    clock.advance(11 * MINUTE);
    await expect(auth.secondFactor.confirm(inv, totpCode(secret, clock.now()))).rejects.toThrow(/no enrolment in progress/);
  });

  it('is unavailable without the master key rather than storing seeds in clear', async () => {
    const bare = new AuthService({ store: store.principals, clock, kv: store.kv });
    const { user } = await bare.createUser('adm2', 'admin', []);
    await expect(bare.secondFactor.begin(user)).rejects.toThrow(/master key/);
  });
});

describe('keyed digests for shared state', () => {
  it('names a caller by a digest only the deployment can recompute, apart per purpose', () => {
    const other = new AuthService({ store: store.principals, clock, secrets: createSecretBox(randomBytes(32)), kv: store.kv });
    const d = auth.keyDigest('ratelimit', 'ip:203.0.113.9');
    expect(d).toMatch(/^[0-9a-f]{64}$/);
    expect(auth.keyDigest('ratelimit', 'ip:203.0.113.9')).toBe(d);
    expect(other.keyDigest('ratelimit', 'ip:203.0.113.9')).not.toBe(d);
    expect(auth.keyDigest('login', 'ip:203.0.113.9')).not.toBe(d);
    expect(() => new AuthService({ store: store.principals, clock, kv: store.kv }).keyDigest('ratelimit', 'x')).toThrow(/secret box/);
  });
});

describe('device enrolment', () => {
  it('exchanges a single-use token once, within 30 minutes, for a device secret', async () => {
    const { token, expires_at } = await auth.createEnrolmentToken('cam-1');
    expect(expires_at - clock.now()).toBe(30 * MINUTE);
    const { device, secret } = await auth.redeemEnrolmentToken(token);
    expect(device).toBe('cam-1');
    expect(await auth.verifyDeviceSecret('cam-1', secret)).toBe(true);
    await expect(auth.redeemEnrolmentToken(token)).rejects.toThrow(/already used/);
    await expect(auth.createEnrolmentToken('cam-1', 31 * MINUTE)).rejects.toThrow(/30 minutes/);
    const short = await auth.createEnrolmentToken('cam-2', 5 * MINUTE);
    clock.advance(5 * MINUTE);
    await expect(auth.redeemEnrolmentToken(short.token)).rejects.toThrow(/expired/);
    await expect(auth.redeemEnrolmentToken('ppt_not-an-enrolment-token')).rejects.toThrow();
  });

  it('refuses a concurrent second use of the same token', async () => {
    const { token } = await auth.createEnrolmentToken('cam-3');
    const results = await Promise.allSettled([auth.redeemEnrolmentToken(token), auth.redeemEnrolmentToken(token)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('drops expired enrolment records when new ones are made', async () => {
    await auth.createEnrolmentToken('cam-4', MINUTE);
    clock.advance(2 * MINUTE);
    await auth.createEnrolmentToken('cam-5');
    expect(await store.kv.list('auth/enrolment/')).toHaveLength(1);
  });

  it('rejects wrong device secrets, also for unknown devices', async () => {
    expect(await auth.verifyDeviceSecret('ghost', 'ppd_x')).toBe(false);
    await auth.rotateDeviceSecret('cam-9');
    expect(await auth.verifyDeviceSecret('cam-9', 'ppd_wrong')).toBe(false);
  });
});

describe('second factor under concurrency', () => {
  it('accepts a code once even when two logins race with it', async () => {
    const { user } = await auth.createUser('race', 'admin', []);
    const { secret } = await auth.secondFactor.begin(user);
    await auth.secondFactor.confirm(user, totpCode(secret, clock.now()));
    clock.advance(30_000);
    const enrolled = (await auth.getUser(user.id)) ?? user;
    const code = totpCode(secret, clock.now());
    const results = await Promise.all([auth.secondFactor.check(enrolled, code), auth.secondFactor.check(enrolled, code), auth.secondFactor.check(enrolled, code)]);
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
  });
});
