import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeClock, MINUTE } from '../core/clock.js';
import { memoryKv } from '../privacy/test-support.js';
import { createSecretBox } from './secret-box.js';
import { LOGIN_FAIL_PREFIX, LoginThrottle, type LoginThrottleOptions } from './login-throttle.js';

const box = createSecretBox(randomBytes(32));
const shared = (kv = memoryKv()): NonNullable<LoginThrottleOptions['shared']> => ({ kv, digest: (key) => box.mac(`login\u0000${key}`) });

type Sharing = () => LoginThrottleOptions['shared'];
const memoryOnly: Sharing = () => undefined;
const inStore: Sharing = () => shared();

describe.each([
  ['in memory', memoryOnly],
  ['in the store', inStore],
] as const)('login throttle, %s', (_where, sharing) => {
  const make = (o: Omit<LoginThrottleOptions, 'shared'>): LoginThrottle => {
    const s = sharing();
    return new LoginThrottle({ ...o, ...(s ? { shared: s } : {}) });
  };

  it('blocks an account after 5 failures until the window passes, then allows again', async () => {
    const clock = new FakeClock();
    const t = make({ clock });
    for (let i = 0; i < 5; i++) {
      expect(await t.retryAfter('Alice', '10.0.0.1')).toBe(0);
      await t.fail('alice', `10.0.0.${i}`);
      clock.advance(MINUTE);
    }
    const wait = await t.retryAfter('ALICE', '10.9.9.9');
    expect(wait).toBe(15 * MINUTE - 5 * MINUTE);
    clock.advance(wait);
    expect(await t.retryAfter('alice', '10.9.9.9')).toBe(0);
  });

  it('blocks an address spraying many names, independently of the accounts', async () => {
    const clock = new FakeClock();
    const t = make({ clock, perAddress: { max: 3, windowMs: MINUTE } });
    for (let i = 0; i < 3; i++) await t.fail(`user${i}`, '192.0.2.1');
    expect(await t.retryAfter('fresh', '192.0.2.1')).toBeGreaterThan(0);
    expect(await t.retryAfter('fresh', '192.0.2.2')).toBe(0);
    clock.advance(MINUTE);
    expect(await t.retryAfter('fresh', '192.0.2.1')).toBe(0);
  });

  it("clears an account's failures at a successful login", async () => {
    const t = make({ clock: new FakeClock(), perAccount: { max: 2, windowMs: MINUTE } });
    await t.fail('bob', 'a');
    await t.succeed('bob');
    await t.fail('bob', 'a');
    expect(await t.retryAfter('bob', 'b')).toBe(0);
    await t.fail('bob', 'a');
    expect(await t.retryAfter('bob', 'b')).toBeGreaterThan(0);
  });
});

describe('login throttle', () => {
  it('holds a bounded number of keys in memory under a spray of names', async () => {
    const t = new LoginThrottle({ clock: new FakeClock() });
    for (let i = 0; i < 60_000; i++) await t.fail(`n${i}`, 'x');
    expect((t as unknown as { log: { failures: Map<string, number[]> } }).log.failures.size).toBeLessThanOrEqual(50_001);
  });

  it('shares failures through the store between nodes (a standby taking over), naming no account or address there', async () => {
    const clock = new FakeClock();
    const s = shared();
    const a = new LoginThrottle({ clock, shared: s });
    const b = new LoginThrottle({ clock, shared: s });
    for (let i = 0; i < 3; i++) await a.fail('alice', '203.0.113.9');
    for (let i = 0; i < 2; i++) await b.fail('alice', '203.0.113.9');
    expect(await a.retryAfter('alice', '198.51.100.1')).toBeGreaterThan(0);
    expect(await b.retryAfter('alice', '198.51.100.1')).toBeGreaterThan(0);
    const stored = await s.kv.list<number[]>(LOGIN_FAIL_PREFIX);
    expect(stored.map(([, times]) => times.length).sort()).toEqual([5, 5]);
    expect(JSON.stringify(stored)).not.toMatch(/alice|203\.0/i);
    // Past the window, the next failure anywhere sweeps what no window needs any more.
    clock.advance(15 * MINUTE);
    await a.fail('carol', '198.51.100.7');
    expect((await s.kv.list<number[]>(LOGIN_FAIL_PREFIX)).map(([, times]) => times)).toEqual([[clock.now()], [clock.now()]]);
  });
});
