/**
 * Rate limits counted across nodes (docs/scale-out.md): a store for @fastify/rate-limit that counts
 * each credential's requests in fixed windows (one per `timeWindow`, aligned to the epoch so every
 * node agrees on them) in the shared store's kv, with `kv.add`.
 *
 * A request never waits for the store. Each node answers from what it knows — the window's total
 * as last read from the store plus its own requests not yet added — and adds its new requests to
 * the store every `syncMs`, reading back the total every node has added. So a credential spread
 * over N nodes gets the limit once, not N times, give or take what the other nodes took within the
 * last sync (at most `syncMs` of their traffic). If the store cannot be reached, each node goes on
 * counting alone (the limit per node, as before), and says so once.
 *
 * Fixed windows let a client spend its limit at the end of one window and again at the start of the
 * next; that is the price of windows every node can name without talking to the others.
 */
import type { KvStore } from '../store/store.js';

export const RATE_PREFIX = 'ratelimit/';

interface Counter {
  /** Start of the window these counts belong to, epoch ms. */
  window: number;
  /** Requests this node counted in the window. */
  local: number;
  /** Of those, how many are not yet added to the store. */
  unsynced: number;
  /** The window's total in the store as last read (every node's requests added so far). */
  shared: number;
}

export interface SharedRateOptions {
  readonly kv: KvStore;
  /**
   * Keyed digest of a counter's key (credential id, client address) as the store names it: an
   * unkeyed hash of an IPv4 address is reversed by trying all 2^32 (hub: HMAC under a key derived
   * from the deployment's master key, shared by its nodes).
   */
  readonly digest: (key: string) => string;
  readonly now?: () => number;
  /** How often counts are added to the store and totals read back, ms. */
  readonly syncMs?: number;
  readonly onError?: (err: unknown) => void;
}

type Callback = (err: Error | null, result?: { current: number; ttl: number }) => void;

/** The counting shared by a store and its route children (one sync loop per app). */
export class SharedRateCounts {
  private readonly counters = new Map<string, Counter>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  private failing = false;
  /** The latest window whose older siblings were deleted from the store. */
  private swept = 0;
  /** The plugin's window length, for the background sync. */
  private windowMs = 60_000;
  private stopped = false;

  constructor(private readonly o: SharedRateOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Counts one request of `key`; answers the plugin's { current, ttl } at once. */
  incr(key: string, timeWindow: number): { current: number; ttl: number } {
    const now = this.now();
    const window = Math.floor(now / timeWindow) * timeWindow;
    let c = this.counters.get(key);
    if (!c || c.window !== window) {
      c = { window, local: 0, unsynced: 0, shared: 0 };
      this.counters.set(key, c);
    }
    c.local++;
    c.unsynced++;
    this.schedule();
    return { current: Math.max(c.local, c.shared + c.unsynced), ttl: window + timeWindow - now };
  }

  /** Adds every counter's new requests to the store and reads back the totals; one at a time. */
  sync(timeWindow: number): Promise<void> {
    if (!this.syncing) this.syncing = this.syncOnce(timeWindow).finally(() => (this.syncing = null));
    return this.syncing;
  }

  /** Stops syncing (the app is closing; the store may close next). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.sync(this.windowMs);
    }, this.o.syncMs ?? 1_000);
    this.timer.unref();
  }

  /** Remembers the window length the plugin uses, for the background sync. */
  useWindow(timeWindow: number): void {
    this.windowMs = timeWindow;
  }

  private async syncOnce(timeWindow: number): Promise<void> {
    if (this.stopped) return;
    const current = Math.floor(this.now() / timeWindow) * timeWindow;
    try {
      for (const [key, c] of [...this.counters]) {
        if (c.window < current) {
          // A past window: its last requests still count for it, nowhere else.
          this.counters.delete(key);
          if (c.unsynced > 0) await this.o.kv.add(this.nameOf(c.window, key), c.unsynced);
          continue;
        }
        const delta = c.unsynced;
        const total = delta > 0 ? await this.o.kv.add(this.nameOf(c.window, key), delta) : ((await this.o.kv.get<number>(this.nameOf(c.window, key))) ?? 0);
        c.unsynced -= delta;
        c.shared = total;
      }
      if (this.swept < current) {
        this.swept = current;
        // Windows before the previous one can no longer be asked about: delete them (any node may).
        for (const [name] of await this.o.kv.list(RATE_PREFIX)) {
          const w = Number(name.slice(RATE_PREFIX.length, name.indexOf('/', RATE_PREFIX.length)));
          if (!(w >= current - timeWindow)) await this.o.kv.delete(name);
        }
      }
      if (this.failing) this.failing = false;
    } catch (err) {
      // Counting goes on locally; the unsynced requests are added at the next successful sync.
      if (!this.failing) this.o.onError?.(err);
      this.failing = true;
    }
    // Keys still active keep their totals fresh, so other nodes' requests are seen.
    if (this.counters.size > 0) this.schedule();
  }

  /** The store never holds a caller's address or token id, only a keyed digest of the key. */
  private nameOf(window: number, key: string): string {
    return `${RATE_PREFIX}${window}/${this.o.digest(key).slice(0, 32)}`;
  }
}


/** A @fastify/rate-limit store class over one SharedRateCounts (routes with their own limits get their own keys). */
export function sharedRateStore(counts: SharedRateCounts): new (options: unknown) => { incr(key: string, cb: Callback, timeWindow: number, max: number): void; child(o: { routeInfo?: { url?: string } }): unknown } {
  class Store {
    constructor(
      _options: unknown,
      private readonly prefix = '',
    ) {}

    incr(key: string, cb: Callback, timeWindow: number): void {
      counts.useWindow(timeWindow);
      cb(null, counts.incr(this.prefix + key, timeWindow));
    }

    child(o: { routeInfo?: { url?: string } }): Store {
      return new Store(undefined, `${this.prefix}${o.routeInfo?.url ?? 'route'}|`);
    }
  }
  return Store;
}
