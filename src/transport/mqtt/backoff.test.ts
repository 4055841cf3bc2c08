import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.js';
import { LoginBackoff } from './backoff.js';

const make = (clock: FakeClock, maxKeys = 100) => new LoginBackoff({ freeFailures: 2, baseMs: 1000, maxMs: 8000, maxKeys, now: () => clock.now() });

describe('LoginBackoff', () => {
  it('lets the first failures through, then doubles the wait up to the cap', () => {
    const clock = new FakeClock();
    const b = make(clock);
    b.failed('a');
    b.failed('a');
    expect(b.retryAfter('a')).toBe(0);
    b.failed('a');
    expect(b.retryAfter('a')).toBe(1000);
    b.failed('a');
    expect(b.retryAfter('a')).toBe(2000);
    for (let i = 0; i < 10; i++) b.failed('a');
    expect(b.retryAfter('a')).toBe(8000);
    expect(b.retryAfter('b')).toBe(0);
  });

  it('never locks out for good: the wait runs out and a success clears the record', () => {
    const clock = new FakeClock();
    const b = make(clock);
    for (let i = 0; i < 5; i++) b.failed('a');
    expect(b.retryAfter('a')).toBeGreaterThan(0);
    clock.advance(8000);
    expect(b.retryAfter('a')).toBe(0);
    b.succeeded('a');
    expect(b.size).toBe(0);
  });

  it('forgets an address that stayed quiet longer than the cap', () => {
    const clock = new FakeClock();
    const b = make(clock);
    b.failed('a');
    b.failed('a');
    clock.advance(8001);
    b.failed('a');
    expect(b.retryAfter('a')).toBe(0);
  });

  it('keeps the table bounded, evicting the oldest address', () => {
    const clock = new FakeClock();
    const b = make(clock, 3);
    for (const k of ['a', 'b', 'c', 'd']) for (let i = 0; i < 3; i++) b.failed(k);
    expect(b.size).toBe(3);
    expect(b.retryAfter('a')).toBe(0);
    expect(b.retryAfter('d')).toBe(1000);
  });
});
