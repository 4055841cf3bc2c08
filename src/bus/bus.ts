/**
 * The bus port: a typed in-process event bus (zigbee2mqtt style) whose adapters are memory/ now and
 * nats/ for scale-out (SPEC §7). Features add their topics by declaration merging:
 *
 *   declare module '../bus/bus.js' { interface BusTopics { 'alert.changed': Alert } }
 *
 * A listener's failure is contained: it is logged and never reaches the publisher or other listeners.
 */
import type { SafeEvent } from '../core/event.js';
import type { DeviceStatus } from '../core/device.js';

export interface StoredSafeEvent {
  readonly seq: number;
  readonly event: SafeEvent;
}

export interface BusTopics {
  /** Events just committed to the store, in seq order. */
  'events.stored': readonly StoredSafeEvent[];
  /** A device's derived status changed. */
  'device.status': { readonly device: string; readonly site: string; readonly status: DeviceStatus; readonly previous: DeviceStatus; readonly at: number };
}

export type BusTopic = keyof BusTopics;

/** How a message reached a subscriber. */
export interface Delivery {
  /**
   * Published by another process on the shared bus (NATS, SPEC §7) rather than by this one. A
   * subscriber that this process's own publisher already informed (the registry learns its own
   * commits' liveness from the pipeline) acts on remote messages only.
   */
  readonly remote: boolean;
}

export const LOCAL_DELIVERY: Delivery = Object.freeze({ remote: false });
export const REMOTE_DELIVERY: Delivery = Object.freeze({ remote: true });

export type BusHandler<T extends BusTopic> = (msg: BusTopics[T], delivery: Delivery) => void | Promise<void>;

export interface Bus {
  /** Delivers to every subscriber; resolves when all handlers have settled. */
  publish<T extends BusTopic>(topic: T, msg: BusTopics[T]): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe<T extends BusTopic>(topic: T, handler: BusHandler<T>): () => void;
  /**
   * A bus shared between processes (NATS): how far this process has handled the shared stream,
   * to resume from after a restart (`resumeAfter`). Absent on an in-process bus.
   */
  position?(): number;
  /**
   * A shared bus opened on hold: begin delivering other processes' messages (subscribers are wired
   * by now). No-op when already delivering; absent on an in-process bus.
   */
  start?(): void;
  /**
   * A shared bus: false while it has lost its server (a publish would wait, then fail). Absent on
   * an in-process bus, which is always reachable.
   */
  reachable?(): boolean;
  /**
   * Notices this process holds in the shared store for the serving node because the bus could not
   * take them (an ingest node's outbox, outbox.ts). Absent where nothing is ever held.
   */
  held?(): number;
  /**
   * Hands this process's subscribers a message another process published by another way (the
   * bus outbox in the shared store, outbox.ts), as a remote message. Absent on an in-process bus.
   */
  deliverRemote?<T extends BusTopic>(topic: T, msg: BusTopics[T]): Promise<void>;
  close(): Promise<void>;
}
