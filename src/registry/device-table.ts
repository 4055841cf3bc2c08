/**
 * The registry's devices by id, with the map's viewport index (viewport-index.ts) kept in step by
 * construction: setting or deleting an entry, and replacing an entry's `device` or `live`, all reach
 * the index. So every registry path that changes a device — put, delete, load, sync from the store,
 * committed liveness, another node's events — moves the map with it, without each remembering to.
 * `set` keeps a tracked copy of the entry it is given: change an entry through `get`, as the
 * registry does (a literal kept aside after `set` is no longer the table's).
 */
import type { Clock } from '../core/clock.js';
import type { Device, DeviceLiveness, DeviceStatus } from '../core/device.js';
import { deriveStatus, heartbeatDeadline } from './status.js';
import { ViewportIndex } from './viewport-index.js';

export interface Entry {
  device: Device;
  live: DeviceLiveness;
  /** The status last announced (registry.ts); the index derives its own from `live` and the clock. */
  status: DeviceStatus;
}

/** An entry whose `device` and `live` update the index when replaced, until it leaves the table. */
class TrackedEntry implements Entry {
  status: DeviceStatus;
  private d: Device;
  private l: DeviceLiveness;
  private current = true;

  constructor(
    e: Entry,
    private readonly table: DeviceTable,
  ) {
    this.d = e.device;
    this.l = e.live;
    this.status = e.status;
  }

  get device(): Device {
    return this.d;
  }
  set device(d: Device) {
    this.d = d;
    this.track();
  }
  get live(): DeviceLiveness {
    return this.l;
  }
  set live(l: DeviceLiveness) {
    this.l = l;
    this.track();
  }

  track(): void {
    if (this.current) this.table.track(this.d, this.l);
  }

  /** Replaced or deleted: a caller still holding it can no longer move the index. */
  retire(): void {
    this.current = false;
  }
}

export class DeviceTable extends Map<string, Entry> {
  readonly index = new ViewportIndex();

  constructor(private readonly clock: Clock) {
    super();
  }

  override set(id: string, e: Entry): this {
    const prev = super.get(id);
    if (prev === e && e instanceof TrackedEntry) {
      e.track();
      return this;
    }
    if (prev instanceof TrackedEntry) prev.retire();
    const entry = new TrackedEntry(e, this);
    super.set(id, entry);
    entry.track();
    return this;
  }

  override delete(id: string): boolean {
    const prev = super.get(id);
    if (prev instanceof TrackedEntry) prev.retire();
    this.index.remove(id);
    return super.delete(id);
  }

  override clear(): void {
    for (const id of [...this.keys()]) this.delete(id);
  }

  /** The index's view of a device: status as derived now, and when it goes offline by itself. */
  track(d: Device, l: DeviceLiveness): void {
    const now = this.clock.now();
    this.index.set(d, deriveStatus(d, l, now), heartbeatDeadline(d, l), now);
  }
}
