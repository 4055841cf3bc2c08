/**
 * The subscribers of one process, shared by every bus adapter: handlers run in subscription order,
 * and one that throws or rejects is reported and never stops the others or reaches the publisher.
 */
import { LOCAL_DELIVERY, type BusHandler, type BusTopic, type BusTopics, type Delivery } from './bus.js';

export class LocalHandlers {
  private readonly handlers = new Map<string, Set<BusHandler<BusTopic>>>();

  constructor(private readonly onError: (topic: string, err: unknown) => void) {}

  subscribe<T extends BusTopic>(topic: T, handler: BusHandler<T>): () => void {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    set.add(handler as BusHandler<BusTopic>);
    return () => set.delete(handler as BusHandler<BusTopic>);
  }

  /** Whether anyone listens to the topic (so a receiver can skip decoding a message nobody reads). */
  has(topic: string): boolean {
    return (this.handlers.get(topic)?.size ?? 0) > 0;
  }

  /** Calls every handler of the topic; the promise of those that returned one, else undefined. */
  deliver(topic: string, msg: unknown, delivery: Delivery = LOCAL_DELIVERY): Promise<void> | undefined {
    const set = this.handlers.get(topic);
    if (!set || set.size === 0) return undefined;
    const pending: Promise<void>[] = [];
    for (const h of set) {
      try {
        const r = h(msg as BusTopics[BusTopic], delivery);
        if (r instanceof Promise) pending.push(r.catch((err: unknown) => this.onError(topic, err)));
      } catch (err) {
        this.onError(topic, err);
      }
    }
    return pending.length ? Promise.all(pending).then(() => undefined) : undefined;
  }

  clear(): void {
    this.handlers.clear();
  }
}
