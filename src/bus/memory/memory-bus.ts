import type { Bus, BusHandler, BusTopic, BusTopics } from '../bus.js';
import { LocalHandlers } from '../local-handlers.js';

export interface BusErrorSink {
  (topic: string, err: unknown): void;
}

/** In-process bus: handlers run in subscription order; one failing never stops the others. */
export class MemoryBus implements Bus {
  private readonly local: LocalHandlers;

  constructor(onError: BusErrorSink) {
    this.local = new LocalHandlers(onError);
  }

  async publish<T extends BusTopic>(topic: T, msg: BusTopics[T]): Promise<void> {
    const pending = this.local.deliver(topic, msg);
    if (pending) await pending;
  }

  subscribe<T extends BusTopic>(topic: T, handler: BusHandler<T>): () => void {
    return this.local.subscribe(topic, handler);
  }

  async close(): Promise<void> {
    this.local.clear();
  }
}
