/**
 * Throttling of failed logins (SPEC §5.4; OWASP ASVS 2.2.1): per account and per client address,
 * a sliding window of failures. Past the limit, further attempts answer 429 with Retry-After until
 * the oldest failure leaves the window — never a permanent lockout, so an attacker cannot lock a
 * person out for longer than one window. A successful login clears the account's failures.
 */
import type { Clock } from '../core/clock.js';
import { MINUTE } from '../core/clock.js';

export interface ThrottleLimit {
  /** Failures allowed inside the window. */
  readonly max: number;
  readonly windowMs: number;
}

export interface LoginThrottleOptions {
  readonly clock: Clock;
  readonly perAccount?: ThrottleLimit;
  readonly perAddress?: ThrottleLimit;
}

export const DEFAULT_ACCOUNT_LIMIT: ThrottleLimit = { max: 5, windowMs: 15 * MINUTE };
export const DEFAULT_ADDRESS_LIMIT: ThrottleLimit = { max: 20, windowMs: 15 * MINUTE };
/** Bounds the memory an attacker spraying names or addresses can make us hold. */
const MAX_KEYS = 50_000;

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly account: ThrottleLimit;
  private readonly address: ThrottleLimit;

  constructor(private readonly o: LoginThrottleOptions) {
    this.account = o.perAccount ?? DEFAULT_ACCOUNT_LIMIT;
    this.address = o.perAddress ?? DEFAULT_ADDRESS_LIMIT;
  }

  /** Milliseconds until another attempt is allowed; 0 when allowed now. */
  retryAfter(name: string, address: string): number {
    return Math.max(this.wait(`a:${name.toLowerCase()}`, this.account), this.wait(`ip:${address}`, this.address));
  }

  fail(name: string, address: string): void {
    this.push(`a:${name.toLowerCase()}`, this.account);
    this.push(`ip:${address}`, this.address);
  }

  succeed(name: string): void {
    this.failures.delete(`a:${name.toLowerCase()}`);
  }

  private recent(key: string, limit: ThrottleLimit): number[] {
    const since = this.o.clock.now() - limit.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  private wait(key: string, limit: ThrottleLimit): number {
    const list = this.recent(key, limit);
    if (list.length < limit.max) return 0;
    const oldestThatCounts = list[list.length - limit.max] ?? this.o.clock.now();
    return Math.max(1, oldestThatCounts + limit.windowMs - this.o.clock.now());
  }

  private push(key: string, limit: ThrottleLimit): void {
    const list = this.recent(key, limit);
    list.push(this.o.clock.now());
    // Keep only what can still matter.
    this.failures.set(key, list.slice(-limit.max));
    if (this.failures.size > MAX_KEYS) {
      const first = this.failures.keys().next();
      if (!first.done) this.failures.delete(first.value);
    }
  }
}
