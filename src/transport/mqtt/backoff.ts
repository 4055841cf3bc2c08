/**
 * In-memory backoff for failed MQTT logins, per client address (SPEC §5.4: throttled, never a
 * permanent lockout). The first few failures are free; after that each further failure doubles
 * the wait, capped. An address that stays quiet for the cap is forgotten. The table is bounded so
 * a flood of addresses cannot grow it without limit (oldest entries go first).
 */

export interface BackoffOptions {
  /** Failures allowed before any wait applies. */
  readonly freeFailures: number;
  /** Wait after the first counted failure, ms; doubles per further failure. */
  readonly baseMs: number;
  /** Longest wait, ms; also how long a quiet address is remembered. */
  readonly maxMs: number;
  /** Most addresses tracked at once. */
  readonly maxKeys: number;
  readonly now: () => number;
}

interface Entry {
  failures: number;
  /** No attempt accepted before this time, epoch ms. */
  until: number;
  last: number;
}

export const DEFAULT_BACKOFF: Omit<BackoffOptions, 'now'> = { freeFailures: 5, baseMs: 1_000, maxMs: 60_000, maxKeys: 10_000 };

export class LoginBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly o: BackoffOptions) {}

  /** Milliseconds this address must still wait; 0 when it may try now. */
  retryAfter(key: string): number {
    const e = this.live(key);
    if (!e) return 0;
    return Math.max(0, e.until - this.o.now());
  }

  failed(key: string): void {
    const now = this.o.now();
    const e = this.live(key) ?? { failures: 0, until: 0, last: now };
    e.failures++;
    e.last = now;
    const over = e.failures - this.o.freeFailures;
    if (over > 0) e.until = now + Math.min(this.o.maxMs, this.o.baseMs * 2 ** Math.min(over - 1, 30));
    // Re-insert so Map order is least-recently-failed first, the eviction order.
    this.entries.delete(key);
    this.entries.set(key, e);
    while (this.entries.size > this.o.maxKeys) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  succeeded(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && this.o.now() - e.last > this.o.maxMs && this.o.now() >= e.until) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }
}
