import type { Bus, BusHandler, BusTopic, BusTopics } from '../bus.js';

export interface BusErrorSink {
  (topic: string, err: unknown): void;
}

/** In-process bus: handlers run in subscription order; one failing never stops the others. */
export class MemoryBus implements Bus {
  private readonly handlers = new Map<string, Set<BusHandler<BusTopic>>>();

  constructor(private readonly onError: BusErrorSink) {}

  async publish<T extends BusTopic>(topic: T, msg: BusTopics[T]): Promise<void> {
    const set = this.handlers.get(topic);
    if (!set || set.size === 0) return;
    const pending: Promise<void>[] = [];
    for (const h of set) {
      try {
        const r = (h as BusHandler<T>)(msg);
        if (r instanceof Promise) pending.push(r.catch((err: unknown) => this.onError(topic, err)));
      } catch (err) {
        this.onError(topic, err);
      }
    }
    if (pending.length) await Promise.all(pending);
  }

  subscribe<T extends BusTopic>(topic: T, handler: BusHandler<T>): () => void {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    set.add(handler as BusHandler<BusTopic>);
    return () => set.delete(handler as BusHandler<BusTopic>);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
