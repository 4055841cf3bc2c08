import { describe, expect, it } from 'vitest';
import { FakeClock, MINUTE } from '../core/clock.js';
import { LoginThrottle } from './login-throttle.js';

describe('login throttle', () => {
  it('blocks an account after 5 failures until the window passes, then allows again', () => {
    const clock = new FakeClock();
    const t = new LoginThrottle({ clock });
    for (let i = 0; i < 5; i++) {
      expect(t.retryAfter('Alice', '10.0.0.1')).toBe(0);
      t.fail('alice', `10.0.0.${i}`);
      clock.advance(MINUTE);
    }
    const wait = t.retryAfter('ALICE', '10.9.9.9');
    expect(wait).toBe(15 * MINUTE - 5 * MINUTE);
    clock.advance(wait);
    expect(t.retryAfter('alice', '10.9.9.9')).toBe(0);
  });

  it('blocks an address spraying many names, independently of the accounts', () => {
    const clock = new FakeClock();
    const t = new LoginThrottle({ clock, perAddress: { max: 3, windowMs: MINUTE } });
    for (let i = 0; i < 3; i++) t.fail(`user${i}`, '192.0.2.1');
    expect(t.retryAfter('fresh', '192.0.2.1')).toBeGreaterThan(0);
    expect(t.retryAfter('fresh', '192.0.2.2')).toBe(0);
    clock.advance(MINUTE);
    expect(t.retryAfter('fresh', '192.0.2.1')).toBe(0);
  });

  it("clears an account's failures at a successful login", () => {
    const t = new LoginThrottle({ clock: new FakeClock(), perAccount: { max: 2, windowMs: MINUTE } });
    t.fail('bob', 'a');
    t.succeed('bob');
    t.fail('bob', 'a');
    expect(t.retryAfter('bob', 'b')).toBe(0);
    t.fail('bob', 'a');
    expect(t.retryAfter('bob', 'b')).toBeGreaterThan(0);
  });

  it('holds a bounded number of keys under a spray of names', () => {
    const t = new LoginThrottle({ clock: new FakeClock() });
    for (let i = 0; i < 60_000; i++) t.fail(`n${i}`, 'x');
    expect((t as unknown as { failures: Map<string, number[]> }).failures.size).toBeLessThanOrEqual(50_001);
  });
});
