import { REMOTE_DELIVERY, type Bus, type BusHandler, type BusTopic, type BusTopics } from '../bus.js';
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

  /** As a shared bus's (bus.ts): lets tests drive the outbox drain (outbox.ts) on one process. */
  async deliverRemote<T extends BusTopic>(topic: T, msg: BusTopics[T]): Promise<void> {
    await this.local.deliver(topic, msg, REMOTE_DELIVERY);
  }

  async close(): Promise<void> {
    this.local.clear();
  }
}
