/**
 * The device registry: devices kept in memory for the ingest hot path (resolve-device is a map
 * look-up), persisted through the store, with liveness updated atomically with each committed batch
 * and status changes published on the bus and stored as `device.status` events (issue 2 §6).
 */
import type { Clock } from '../core/clock.js';
import { normaliseDevice, type Device, type DeviceInput, type DeviceLiveness, type DeviceStatus, type DeviceView } from '../core/device.js';
import type { SafeEvent } from '../core/event.js';
import type { Bus } from '../bus/bus.js';
import type { DeviceStore, LivenessUpdate } from '../store/store.js';
import { deriveStatus } from './status.js';
import { CATALOGUE } from '../core/kinds.js';
import { ParapetError } from '../core/errors.js';

const RESERVED_IDS = new Set(['token']);
const INTERNAL_KINDS = new Set([...CATALOGUE.values()].filter((k) => k.internal).map((k) => k.kind));

interface Entry {
  device: Device;
  live: DeviceLiveness;
  status: DeviceStatus;
}

export interface StatusChange {
  readonly device: Device;
  readonly status: DeviceStatus;
  readonly previous: DeviceStatus;
  readonly at: number;
}

export interface DeviceRegistryOptions {
  readonly store: DeviceStore;
  readonly bus: Bus;
  readonly clock: Clock;
  /** Records a status change as an internal event (wired to the pipeline by the hub). */
  readonly recordStatus?: (changes: readonly StatusChange[]) => Promise<void>;
}

export class DeviceRegistry {
  private readonly entries = new Map<string, Entry>();
  /**
   * Liveness of appends that started but have not committed yet, newest per device. The next
   * append builds on it (appends overlap, stages/append.ts); a commit or a failure retires it.
   */
  private readonly pending = new Map<string, LivenessUpdate>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private recordStatus: ((changes: readonly StatusChange[]) => Promise<void>) | undefined;

  constructor(private readonly opts: DeviceRegistryOptions) {
    this.recordStatus = opts.recordStatus;
  }

  /** Loads every device; status after a restart is derived from the persisted liveness. */
  async load(): Promise<void> {
    const now = this.opts.clock.now();
    for (const r of await this.opts.store.list()) {
      const device: Device = { id: r.id, type: r.type, name: r.name, site: r.site, zone: r.zone, lat: r.lat, lon: r.lon, heartbeat_s: r.heartbeat_s };
      const live: DeviceLiveness = { last_seen: r.last_seen, fault_since: r.fault_since, fault_code: r.fault_code };
      this.entries.set(r.id, { device, live, status: deriveStatus(device, live, now) });
    }
  }

  setStatusRecorder(fn: (changes: readonly StatusChange[]) => Promise<void>): void {
    this.recordStatus = fn;
  }

  get(id: string): Device | undefined {
    return this.entries.get(id)?.device;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  get size(): number {
    return this.entries.size;
  }

  view(id: string): DeviceView | undefined {
    const e = this.entries.get(id);
    return e ? this.toView(e) : undefined;
  }

  /**
   * Every device with its live status, without building views (bulk readers such as the map's
   * viewport query over 100,000 devices, where most devices only count towards a cluster).
   * `keep` filters on the record before any status is derived.
   */
  scan(keep: (d: Device) => boolean = () => true): Array<{ readonly device: Device; readonly status: DeviceStatus }> {
    const now = this.opts.clock.now();
    const out: Array<{ readonly device: Device; readonly status: DeviceStatus }> = [];
    for (const e of this.entries.values()) if (keep(e.device)) out.push({ device: e.device, status: deriveStatus(e.device, e.live, now) });
    return out;
  }

  list(): DeviceView[] {
    return [...this.entries.values()].map((e) => this.toView(e));
  }

  async put(input: DeviceInput): Promise<{ created: boolean; device: DeviceView }> {
    // The MQTT username `token` means "an API token follows" (docs/mqtt.md), so no device may be called that.
    if (RESERVED_IDS.has(input.id.toLowerCase())) throw new ParapetError('invalid_device', `device id ${input.id} is reserved`);
    const device = normaliseDevice(input);
    const now = this.opts.clock.now();
    const { created } = await this.opts.store.put(device, now);
    const prev = this.entries.get(device.id);
    const live = prev?.live ?? { last_seen: null, fault_since: null, fault_code: null };
    const entry: Entry = { device, live, status: deriveStatus(device, live, now) };
    this.entries.set(device.id, entry);
    return { created, device: this.toView(entry) };
  }

  async delete(id: string): Promise<boolean> {
    const existed = await this.opts.store.delete(id);
    this.entries.delete(id);
    return existed;
  }

  /**
   * Liveness after this batch, to be written in the same transaction as its events. A fault opens
   * on device.fault and clears on a later heartbeat (the device reports itself healthy again).
   */
  livenessFor(events: readonly SafeEvent[]): LivenessUpdate[] {
    const next = new Map<string, DeviceLiveness>();
    for (const e of events) {
      // Hub-made events (device.status, policy.violation) say nothing about the device being alive.
      if (INTERNAL_KINDS.has(e.kind)) continue;
      const entry = this.entries.get(e.device);
      if (!entry) continue;
      const cur = next.get(e.device) ?? this.pending.get(e.device) ?? entry.live;
      let { fault_since, fault_code } = cur;
      if (e.kind === 'device.fault') {
        fault_since = fault_since ?? e.received_at;
        fault_code = typeof e.data.code === 'string' ? e.data.code : fault_code;
      } else if (e.kind === 'device.heartbeat' && fault_since !== null) {
        fault_since = null;
        fault_code = null;
      }
      const last_seen = cur.last_seen === null ? e.received_at : Math.max(cur.last_seen, e.received_at);
      next.set(e.device, { last_seen, fault_since, fault_code });
    }
    const updates: LivenessUpdate[] = [];
    for (const [device, l] of next) {
      const u: LivenessUpdate = { device, last_seen: l.last_seen, fault_since: l.fault_since, fault_code: l.fault_code };
      this.pending.set(device, u);
      updates.push(u);
    }
    return updates;
  }

  /** After the batch committed: adopt its liveness and announce status changes. */
  async committed(updates: readonly LivenessUpdate[]): Promise<void> {
    const now = this.opts.clock.now();
    const changes: StatusChange[] = [];
    for (const u of updates) {
      this.retire(u);
      const entry = this.entries.get(u.device);
      if (!entry) continue;
      entry.live = { last_seen: u.last_seen, fault_since: u.fault_since, fault_code: u.fault_code };
      const status = deriveStatus(entry.device, entry.live, now);
      if (status !== entry.status) {
        changes.push({ device: entry.device, status, previous: entry.status, at: now });
        entry.status = status;
      }
    }
    await this.announce(changes);
  }

  /**
   * The append carrying these updates failed. A later append that already built on them keeps
   * them (its own events did arrive after); otherwise the device falls back to its committed state.
   */
  abandoned(updates: readonly LivenessUpdate[]): void {
    for (const u of updates) this.retire(u);
  }

  private retire(u: LivenessUpdate): void {
    if (this.pending.get(u.device) === u) this.pending.delete(u.device);
  }

  /** Re-derives every status (heartbeat deadlines pass without any event arriving). */
  async sweep(): Promise<StatusChange[]> {
    const now = this.opts.clock.now();
    const changes: StatusChange[] = [];
    for (const entry of this.entries.values()) {
      const status = deriveStatus(entry.device, entry.live, now);
      if (status !== entry.status) {
        changes.push({ device: entry.device, status, previous: entry.status, at: now });
        entry.status = status;
      }
    }
    await this.announce(changes);
    return changes;
  }

  startSweeping(intervalMs: number, onError: (err: unknown) => void): void {
    this.stopSweeping();
    this.sweepTimer = setInterval(() => {
      this.sweep().catch(onError);
    }, intervalMs);
    this.sweepTimer.unref();
  }

  stopSweeping(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }

  private async announce(changes: readonly StatusChange[]): Promise<void> {
    if (changes.length === 0) return;
    if (this.recordStatus) await this.recordStatus(changes);
    for (const c of changes) {
      await this.opts.bus.publish('device.status', { device: c.device.id, site: c.device.site, status: c.status, previous: c.previous, at: c.at });
    }
  }

  /** Status is derived at read time, so a read exactly at the deadline is exact (not one sweep late). */
  private toView(e: Entry): DeviceView {
    return { ...e.device, status: deriveStatus(e.device, e.live, this.opts.clock.now()), last_seen: e.live.last_seen === null ? null : new Date(e.live.last_seen).toISOString() };
  }
}
