/**
 * The device registry: devices kept in memory for the ingest hot path (resolve-device is a map
 * look-up), persisted through the store, with liveness updated atomically with each committed batch
 * and status changes published on the bus and stored as `device.status` events (issue 2 §6).
 */
import type { Clock } from '../core/clock.js';
import { normaliseDevice, type Device, type DeviceInput, type DeviceLiveness, type DeviceStatus, type DeviceView } from '../core/device.js';
import type { SafeEvent } from '../core/event.js';
import type { Bus, StoredSafeEvent } from '../bus/bus.js';
import type { DeviceRecord, DeviceStore, LivenessUpdate } from '../store/store.js';
import { deriveStatus } from './status.js';
import { DeviceTable, type Entry } from './device-table.js';
import type { Viewport, ViewportAnswer } from './viewport.js';
import { CATALOGUE } from '../core/kinds.js';
import { ParapetError } from '../core/errors.js';

const RESERVED_IDS = new Set(['token']);
const INTERNAL_KINDS = new Set([...CATALOGUE.values()].filter((k) => k.internal).map((k) => k.kind));

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
  /**
   * Announce status changes (bus `device.status`, recorded events). False on an ingest node
   * (config `node.role: ingest`): the serving node derives every device's status from the shared
   * stream, and a second announcer would report each change twice.
   */
  readonly announce?: boolean;
}

export class DeviceRegistry {
  /** Devices by id; the map's viewport index follows every change to them (device-table.ts). */
  private readonly entries: DeviceTable;
  /**
   * Liveness of appends that started but have not committed yet, newest per device. The next
   * append builds on it (appends overlap, stages/append.ts); a commit or a failure retires it.
   */
  private readonly pending = new Map<string, LivenessUpdate>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private recordStatus: ((changes: readonly StatusChange[]) => Promise<void>) | undefined;
  /** The store's devices revision this registry reflects (store.ts, DeviceStore.revision). */
  private knownRev = 0;
  /** Bumped by every put and delete of this registry, so a reload never undoes one in flight. */
  private ownWrites = 0;

  constructor(private readonly opts: DeviceRegistryOptions) {
    this.entries = new DeviceTable(opts.clock);
    this.recordStatus = opts.recordStatus;
  }

  /** Loads every device; status after a restart is derived from the persisted liveness. */
  async load(): Promise<void> {
    // The revision first: a change committed while the list is read shows as a newer revision.
    this.knownRev = await this.opts.store.revision();
    const now = this.opts.clock.now();
    for (const r of await this.opts.store.list()) this.entries.set(r.id, entryOf(r, now));
  }

  /**
   * Adopts registry changes this process did not make — `parapet device import` run beside the
   * running hub, another node on the same database — when the store's devices revision moved past
   * the one this registry reflects. Runs with every status sweep (`registry.status_sweep_ms`).
   * Devices added or changed elsewhere are taken as stored; liveness this process keeps in memory
   * stays (its own appends wrote it); devices deleted elsewhere go. True when it reloaded.
   */
  async sync(): Promise<boolean> {
    const rev = await this.opts.store.revision();
    if (rev === this.knownRev) return false;
    const writes = this.ownWrites;
    const records = await this.opts.store.list();
    // A put or delete of ours finished while the list was read: the list may predate it. Try again
    // at the next sweep rather than undo it.
    if (writes !== this.ownWrites) return false;
    const now = this.opts.clock.now();
    const seen = new Set<string>();
    for (const r of records) {
      seen.add(r.id);
      const prev = this.entries.get(r.id);
      if (!prev) {
        this.entries.set(r.id, entryOf(r, now));
        continue;
      }
      // The status is left for the sweep to re-derive and announce, as for any other change.
      const device = deviceOf(r);
      if (!sameDevice(prev.device, device)) prev.device = device;
    }
    for (const id of [...this.entries.keys()]) if (!seen.has(id)) this.entries.delete(id);
    this.knownRev = rev;
    return true;
  }

  /** A revision our own write made: adopted when it directly follows the known one, else sync() reloads. */
  private ownRevision(rev: number): void {
    this.ownWrites++;
    if (rev === this.knownRev + 1) this.knownRev = rev;
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

  /**
   * The map's answer for a viewport over the devices of `sites` (null: every site), read from the
   * viewport index instead of a scan: the same answer as `viewportAnswer` over `scan()`, with
   * status as derived now (viewport-index.ts).
   */
  viewport(vp: Viewport, sites: readonly string[] | null): ViewportAnswer {
    return this.entries.index.answer(vp, sites, this.opts.clock.now(), (id) => this.view(id));
  }

  list(): DeviceView[] {
    return [...this.entries.values()].map((e) => this.toView(e));
  }

  async put(input: DeviceInput): Promise<{ created: boolean; device: DeviceView }> {
    // The MQTT username `token` means "an API token follows" (docs/mqtt.md), so no device may be called that.
    if (RESERVED_IDS.has(input.id.toLowerCase())) throw new ParapetError('invalid_device', `device id ${input.id} is reserved`);
    const device = normaliseDevice(input);
    const now = this.opts.clock.now();
    const { created, rev } = await this.opts.store.put(device, now);
    this.ownRevision(rev);
    const prev = this.entries.get(device.id);
    const live = prev?.live ?? { last_seen: null, fault_since: null, fault_code: null };
    const entry: Entry = { device, live, status: deriveStatus(device, live, now) };
    this.entries.set(device.id, entry);
    return { created, device: this.toView(entry) };
  }

  async delete(id: string): Promise<boolean> {
    const { existed, rev } = await this.opts.store.delete(id);
    if (existed) this.ownRevision(rev);
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
      next.set(e.device, afterEvent(next.get(e.device) ?? this.pending.get(e.device) ?? entry.live, e));
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
      // Another node's events may have been adopted meanwhile (observeRemote): last_seen never moves back.
      entry.live = { last_seen: later(entry.live.last_seen, u.last_seen), fault_since: u.fault_since, fault_code: u.fault_code };
      restatus(entry, now, changes);
    }
    await this.announce(changes);
  }

  /**
   * Events another node committed (bus `events.stored` delivered as remote; SPEC §7, several
   * ingest nodes on one store and bus). That node wrote their liveness to the shared store with
   * them; here it is adopted in memory and status changes are announced, as for our own commits.
   */
  async observeRemote(batch: readonly StoredSafeEvent[]): Promise<void> {
    const touched = new Set<Entry>();
    for (const { event } of batch) {
      if (INTERNAL_KINDS.has(event.kind)) continue;
      const entry = this.entries.get(event.device);
      // A device registered elsewhere a moment ago: the next sync() loads it with its stored liveness.
      if (!entry) continue;
      entry.live = afterEvent(entry.live, event);
      touched.add(entry);
    }
    const now = this.opts.clock.now();
    const changes: StatusChange[] = [];
    for (const entry of touched) restatus(entry, now, changes);
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
    await this.sync();
    const now = this.opts.clock.now();
    // The viewport index moves expired devices offline here too, so no map query pays for a backlog.
    this.entries.index.advance(now);
    const changes: StatusChange[] = [];
    for (const entry of this.entries.values()) restatus(entry, now, changes);
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

  /** Only sync() on a timer, no status sweep (an ingest node: the serving node sweeps). */
  startSyncing(intervalMs: number, onError: (err: unknown) => void): void {
    this.stopSweeping();
    this.sweepTimer = setInterval(() => {
      this.sync().catch(onError);
    }, intervalMs);
    this.sweepTimer.unref();
  }

  stopSweeping(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }

  private async announce(changes: readonly StatusChange[]): Promise<void> {
    if (changes.length === 0 || this.opts.announce === false) return;
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

function sameDevice(a: Device, b: Device): boolean {
  return (
    a.type === b.type && a.name === b.name && a.site === b.site && a.zone === b.zone && a.lat === b.lat && a.lon === b.lon && a.heartbeat_s === b.heartbeat_s
  );
}

/** A device's liveness after one more of its events: a fault opens on device.fault and clears on a later heartbeat. */
function afterEvent(cur: DeviceLiveness, e: SafeEvent): DeviceLiveness {
  let { fault_since, fault_code } = cur;
  if (e.kind === 'device.fault') {
    fault_since = fault_since ?? e.received_at;
    fault_code = typeof e.data.code === 'string' ? e.data.code : fault_code;
  } else if (e.kind === 'device.heartbeat' && fault_since !== null) {
    fault_since = null;
    fault_code = null;
  }
  return { last_seen: later(cur.last_seen, e.received_at), fault_since, fault_code };
}

function later(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

function deviceOf(r: DeviceRecord): Device {
  return { id: r.id, type: r.type, name: r.name, site: r.site, zone: r.zone, lat: r.lat, lon: r.lon, heartbeat_s: r.heartbeat_s };
}

/** A registry entry for a stored device, with its stored liveness and the status they give now. */
function entryOf(r: DeviceRecord, now: number): Entry {
  const device = deviceOf(r);
  const live: DeviceLiveness = { last_seen: r.last_seen, fault_since: r.fault_since, fault_code: r.fault_code };
  return { device, live, status: deriveStatus(device, live, now) };
}

/** Re-derives an entry's status; a change is noted in `changes` for announcing. */
function restatus(entry: Entry, now: number, changes: StatusChange[]): void {
  const status = deriveStatus(entry.device, entry.live, now);
  if (status === entry.status) return;
  changes.push({ device: entry.device, status, previous: entry.status, at: now });
  entry.status = status;
}
