/**
 * Throttling of failed logins (SPEC §5.4; OWASP ASVS 2.2.1): per account and per client address,
 * a sliding window of failures. Past the limit, further attempts answer 429 with Retry-After until
 * the oldest failure leaves the window — never a permanent lockout, so an attacker cannot lock a
 * person out for longer than one window. A successful login clears the account's failures.
 *
 * The failures live in this process's memory, or — on a PostgreSQL store, where a standby can take
 * over and nodes share state — in the store's kv (`shared`), named by a keyed digest of the account
 * or address, so a take-over does not hand an attacker a fresh allowance, and the store never holds
 * a name or an address. Entries past the longest window are swept at most once a minute.
 */
import type { Clock } from '../core/clock.js';
import { MINUTE } from '../core/clock.js';
import type { KvStore } from '../store/store.js';

export interface ThrottleLimit {
  /** Failures allowed inside the window. */
  readonly max: number;
  readonly windowMs: number;
}

export interface LoginThrottleOptions {
  readonly clock: Clock;
  readonly perAccount?: ThrottleLimit;
  readonly perAddress?: ThrottleLimit;
  /** Keep the failures in the store's kv instead of memory (PostgreSQL deployments). */
  readonly shared?: { readonly kv: KvStore; readonly digest: (key: string) => string };
}

export const DEFAULT_ACCOUNT_LIMIT: ThrottleLimit = { max: 5, windowMs: 15 * MINUTE };
export const DEFAULT_ADDRESS_LIMIT: ThrottleLimit = { max: 20, windowMs: 15 * MINUTE };
/** Bounds the memory an attacker spraying names or addresses can make us hold. */
const MAX_KEYS = 50_000;
export const LOGIN_FAIL_PREFIX = 'loginfail/';

/** Where failure times are kept, per key. */
interface FailureLog {
  get(key: string): Promise<number[]>;
  set(key: string, times: number[]): Promise<void>;
  delete(key: string): Promise<void>;
}

class MemoryLog implements FailureLog {
  readonly failures = new Map<string, number[]>();

  async get(key: string): Promise<number[]> {
    return this.failures.get(key) ?? [];
  }

  async set(key: string, times: number[]): Promise<void> {
    if (times.length === 0) {
      this.failures.delete(key);
      return;
    }
    this.failures.set(key, times);
    if (this.failures.size > MAX_KEYS) {
      const first = this.failures.keys().next();
      if (!first.done) this.failures.delete(first.value);
    }
  }

  async delete(key: string): Promise<void> {
    this.failures.delete(key);
  }
}

class KvLog implements FailureLog {
  private sweptAt = 0;

  constructor(
    private readonly s: NonNullable<LoginThrottleOptions['shared']>,
    private readonly clock: Clock,
    private readonly longestWindow: number,
  ) {}

  private name(key: string): string {
    return `${LOGIN_FAIL_PREFIX}${this.s.digest(key).slice(0, 32)}`;
  }

  async get(key: string): Promise<number[]> {
    return (await this.s.kv.get<number[]>(this.name(key))) ?? [];
  }

  async set(key: string, times: number[]): Promise<void> {
    if (times.length === 0) await this.s.kv.delete(this.name(key));
    else await this.s.kv.set(this.name(key), times);
    await this.sweep();
  }

  async delete(key: string): Promise<void> {
    await this.s.kv.delete(this.name(key));
  }

  /** Deletes entries whose newest failure has left every window (at most once a minute). */
  private async sweep(): Promise<void> {
    const now = this.clock.now();
    if (now - this.sweptAt < MINUTE) return;
    this.sweptAt = now;
    for (const [name, times] of await this.s.kv.list<number[]>(LOGIN_FAIL_PREFIX)) {
      if (!Array.isArray(times) || (times.at(-1) ?? 0) <= now - this.longestWindow) await this.s.kv.delete(name);
    }
  }
}

export class LoginThrottle {
  private readonly account: ThrottleLimit;
  private readonly address: ThrottleLimit;
  private readonly log: FailureLog;

  constructor(private readonly o: LoginThrottleOptions) {
    this.account = o.perAccount ?? DEFAULT_ACCOUNT_LIMIT;
    this.address = o.perAddress ?? DEFAULT_ADDRESS_LIMIT;
    this.log = o.shared ? new KvLog(o.shared, o.clock, Math.max(this.account.windowMs, this.address.windowMs)) : new MemoryLog();
  }

  /** Milliseconds until another attempt is allowed; 0 when allowed now. */
  async retryAfter(name: string, address: string): Promise<number> {
    const [a, b] = await Promise.all([this.wait(`a:${name.toLowerCase()}`, this.account), this.wait(`ip:${address}`, this.address)]);
    return Math.max(a, b);
  }

  async fail(name: string, address: string): Promise<void> {
    await this.push(`a:${name.toLowerCase()}`, this.account);
    await this.push(`ip:${address}`, this.address);
  }

  async succeed(name: string): Promise<void> {
    await this.log.delete(`a:${name.toLowerCase()}`);
  }

  private async recent(key: string, limit: ThrottleLimit): Promise<number[]> {
    const since = this.o.clock.now() - limit.windowMs;
    const all = await this.log.get(key);
    const list = all.filter((t) => t > since);
    if (list.length === 0 && all.length > 0) await this.log.delete(key);
    return list;
  }

  private async wait(key: string, limit: ThrottleLimit): Promise<number> {
    const list = await this.recent(key, limit);
    if (list.length < limit.max) return 0;
    const oldestThatCounts = list[list.length - limit.max] ?? this.o.clock.now();
    return Math.max(1, oldestThatCounts + limit.windowMs - this.o.clock.now());
  }

  private async push(key: string, limit: ThrottleLimit): Promise<void> {
    const list = await this.recent(key, limit);
    list.push(this.o.clock.now());
    // Keep only what can still matter.
    await this.log.set(key, list.slice(-limit.max));
  }
}
