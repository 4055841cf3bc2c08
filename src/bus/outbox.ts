/**
 * The bus outbox (SPEC §7, docs/scale-out.md "When NATS is down"). An ingest node acknowledges an
 * event once it is committed; the serving node learns of it from the shared bus, and only then can
 * its rules alert on it. When the bus cannot take a notice — NATS down, or unreachable from this
 * node — the notice is not dropped: the ingest node holds it in the shared store (kv
 * `bus/outbox/<prefix>/<origin>/<number>`), and the serving node, which reads the store every
 * second, hands held notices to its subscribers (rules, registry) as if they had come over the bus,
 * then deletes them. A forced door taken while NATS is down still raises its alert, a second late.
 *
 * Order: once a node holds one notice it holds every later one too, until the serving node has
 * taken all it held and the bus is reachable again, so the serving node sees each node's commits in
 * commit order. Delivery stays at least once (as with the stream: a publish whose
 * acknowledgement was lost may have reached the stream as well).
 */
import type { Bus, BusHandler, BusTopic, BusTopics } from './bus.js';
import type { KvStore } from '../store/store.js';
import { ParapetError } from '../core/errors.js';

/** Where held notices of a bus prefix live (kv). */
export const outboxPrefix = (busPrefix: string): string => `bus/outbox/${busPrefix}/`;

/** A held notice, as kv keeps it (JSON). */
interface Held {
  readonly topic: string;
  /** When it was held, epoch ms. */
  readonly at: number;
  readonly msg: unknown;
}

/** Digits of a held notice's number: keys then sort in holding order. */
const NUMBER_DIGITS = 12;
/** How often a holding node checks whether it may publish again, and the serving node drains, ms. */
export const OUTBOX_POLL_MS = 1_000;

export interface HoldingBusOptions {
  readonly kv: Pick<KvStore, 'set' | 'list'>;
  readonly busPrefix: string;
  /** This node's name in the keys: unique per process (host, pid, random). */
  readonly origin: string;
  readonly now: () => number;
  readonly log: (m: string) => void;
  readonly pollMs?: number;
}

/**
 * An ingest node's bus: publishes through `inner` while it is reachable, holds notices in the store
 * while it is not (see above). Everything else is `inner`'s.
 */
export class HoldingBus implements Bus {
  private holding = false;
  private count = 0;
  private heldSince = 0;
  /** Held notices the serving node has not taken yet, as of this node's last look (or since). */
  private outstanding = 0;
  private timer: NodeJS.Timeout | null = null;
  private checking = false;
  private readonly own: string;

  constructor(
    private readonly inner: Bus,
    private readonly o: HoldingBusOptions,
  ) {
    this.own = `${outboxPrefix(o.busPrefix)}${o.origin}/`;
  }

  async publish<T extends BusTopic>(topic: T, msg: BusTopics[T]): Promise<void> {
    if (!this.holding && this.inner.reachable?.() !== false) {
      try {
        await this.inner.publish(topic, msg);
        return;
      } catch (err) {
        if (!(err instanceof ParapetError) || err.code !== 'unavailable') throw err;
        this.startHolding(err.detail);
      }
    } else if (!this.holding) {
      this.startHolding('the bus has lost its server');
    }
    await this.hold(topic, msg);
  }

  /** Notices this node holds in the store that the serving node has not taken yet (as of its last look, every second). */
  held(): number {
    return this.outstanding;
  }

  /** Whether this node holds its notices (rather than publishing them over the bus). */
  isHolding(): boolean {
    return this.holding;
  }

  /** `GET /metrics` lines (metric-sources.ts): notices held now, and ever. */
  metricLines(): string[] {
    return [
      '# HELP parapet_bus_outbox_holding Notices this ingest node holds in the store that the serving node has not taken yet.',
      '# TYPE parapet_bus_outbox_holding gauge',
      `parapet_bus_outbox_holding ${this.held()}`,
      '# HELP parapet_bus_outbox_held_total Notices this node held in the store because the bus could not take them.',
      '# TYPE parapet_bus_outbox_held_total counter',
      `parapet_bus_outbox_held_total ${this.count}`,
    ];
  }

  subscribe<T extends BusTopic>(topic: T, handler: BusHandler<T>): () => void {
    return this.inner.subscribe(topic, handler);
  }

  position(): number {
    return this.inner.position?.() ?? 0;
  }

  start(): void {
    this.inner.start?.();
  }

  reachable(): boolean {
    return this.inner.reachable?.() ?? true;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inner.close();
  }

  private startHolding(why: string): void {
    this.holding = true;
    this.heldSince = this.count;
    this.o.log(`bus outbox: the bus cannot take notices (${why}); holding them in the store for the serving node`);
    this.timer ??= setInterval(() => void this.check(), this.o.pollMs ?? OUTBOX_POLL_MS);
    this.timer.unref();
  }

  private async hold(topic: string, msg: unknown): Promise<void> {
    const key = `${this.own}${String(++this.count).padStart(NUMBER_DIGITS, '0')}`;
    const held: Held = { topic, at: this.o.now(), msg };
    await this.o.kv.set(key, held);
    this.outstanding++;
  }

  /** Back to the bus once the serving node has taken everything held and the bus is reachable. */
  private async check(): Promise<void> {
    if (this.checking || !this.holding) return;
    this.checking = true;
    try {
      const left = await this.o.kv.list(this.own);
      this.outstanding = left.length;
      if (left.length > 0 || !this.holding || this.inner.reachable?.() === false) return;
      this.o.log(`bus outbox: the serving node has taken the ${this.count - this.heldSince} notices held; publishing over the bus again`);
      this.holding = false;
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
    } catch {
      // The store did not answer: still holding; the next check asks again.
    } finally {
      this.checking = false;
    }
  }
}

export interface OutboxDrain {
  /** Takes what is held now (tests call it; the timer does the same). Resolves to how many were delivered. */
  drainOnce(): Promise<number>;
  /** `GET /metrics` lines: notices delivered from the outbox so far. */
  metricLines(): string[];
  stop(): Promise<void>;
}

/**
 * The serving node's side: every `pollMs`, hands every held notice of the prefix to this process's
 * subscribers (`bus.deliverRemote`) in holding order per node, and deletes it once they settled.
 */
export function drainOutbox(
  bus: Bus,
  kv: Pick<KvStore, 'list' | 'delete'>,
  o: { readonly busPrefix: string; readonly log: (m: string) => void; readonly pollMs?: number },
): OutboxDrain {
  const deliver = bus.deliverRemote?.bind(bus);
  let running: Promise<number> = Promise.resolve(0);
  let failing = false;
  let total = 0;
  const once = async (): Promise<number> => {
    if (!deliver) return 0;
    let delivered = 0;
    try {
      const held = await kv.list<Held>(outboxPrefix(o.busPrefix));
      held.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [key, h] of held) {
        if (h && typeof h.topic === 'string' && h.msg !== undefined) {
          await deliver(h.topic as BusTopic, h.msg as BusTopics[BusTopic]);
          delivered++;
          total++;
        } else {
          o.log(`bus outbox: ${key} is not a held notice; deleted`);
        }
        await kv.delete(key);
      }
      if (delivered > 0) o.log(`bus outbox: delivered ${delivered} notices other nodes held while the bus could not take them`);
      failing = false;
    } catch (err) {
      if (!failing) o.log(`bus outbox: could not drain: ${err instanceof Error ? err.message : String(err)}; trying again`);
      failing = true;
    }
    return delivered;
  };
  const drainOnce = (): Promise<number> => (running = running.then(once, once));
  const timer = setInterval(() => void drainOnce(), o.pollMs ?? OUTBOX_POLL_MS);
  timer.unref();
  return {
    drainOnce,
    metricLines: () => [
      '# HELP parapet_bus_outbox_delivered_total Notices other nodes held in the store that this serving node delivered to its rules and registry.',
      '# TYPE parapet_bus_outbox_delivered_total counter',
      `parapet_bus_outbox_delivered_total ${total}`,
    ],
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
