/**
 * A rules runtime driven by hand for tests: FakeClock, a small district of devices, a fake keyring
 * (one pseudonym per live epoch), recorded audit events and webhook posts. The store and bus
 * adapters are passed in by the test (only tests and hub.ts pick adapters, STYLE §2).
 */
import { createHash } from 'node:crypto';
import { FakeClock } from '../core/clock.js';
import { sealSafeEvent, type SafeEvent } from '../core/event.js';
import type { EventKind } from '../core/kinds.js';
import type { DeviceStatus } from '../core/device.js';
import type { Bus, StoredSafeEvent } from '../bus/bus.js';
import { testConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { AlertRecord, AlertStore } from '../store/alerts.js';
import type { HttpPost } from './delivery/webhooks.js';
import type { Rule } from './rule-schema.js';
import { createRulesRuntime, type RulesRuntime } from './runtime.js';
import type { DeviceInfo } from './subject.js';
import type { WatchAuditEvent } from './watchlists.js';

export interface KitDevice extends DeviceInfo {
  readonly site: string;
  readonly zone: string | null;
}

export const DISTRICT: Readonly<Record<string, KitDevice>> = {
  'cam-1': { type: 'camera', name: 'North gate camera', site: 'harbour', zone: 'gate-north' },
  'cam-2': { type: 'camera', name: 'Plaza camera', site: 'campus', zone: 'plaza' },
  'acc-1': { type: 'access', name: 'Lobby door controller', site: 'harbour', zone: 'lobby' },
  'fire-1': { type: 'fire', name: 'Fire panel A', site: 'harbour', zone: 'block-a' },
  'env-1': { type: 'env', name: 'Air sensor quay', site: 'harbour', zone: 'quay' },
  'lpr-1': { type: 'lpr', name: 'Gate plate reader', site: 'harbour', zone: 'gate-north' },
  'met-1': { type: 'meter', name: 'Water meter 1', site: 'harbour', zone: 'plant' },
};

export const fakePseudonym = (cls: string, raw: string, epoch: string): string =>
  `${cls}:${epoch}:${createHash('sha256').update(`${epoch}/${cls}/${raw.toUpperCase().replace(/[\s-]/g, '')}`).digest('base64url').slice(0, 22)}`;

export interface KitOptions {
  readonly store: AlertStore;
  readonly makeBus: () => Bus;
  readonly rules?: readonly Rule[];
  readonly alerts?: Partial<Config['alerts']>;
  readonly post?: HttpPost;
  readonly clock?: FakeClock;
}

export class RulesKit {
  readonly clock: FakeClock;
  readonly audit: WatchAuditEvent[] = [];
  /** Live key epochs of the fake keyring (SPEC §4.2). */
  epochs: string[] = ['20261126'];
  bus!: Bus;
  rt!: RulesRuntime;
  private seq = 0;

  constructor(private readonly o: KitOptions) {
    this.clock = o.clock ?? new FakeClock();
  }

  static async start(o: KitOptions): Promise<RulesKit> {
    const kit = new RulesKit(o);
    await kit.boot();
    return kit;
  }

  private async boot(): Promise<void> {
    this.bus = this.o.makeBus();
    const base = testConfig().alerts;
    this.rt = await createRulesRuntime({
      store: this.o.store,
      bus: this.bus,
      clock: this.clock,
      settings: { ...base, ...(this.o.alerts ?? {}) },
      log: { error: (obj, msg) => console.error(msg, obj), warn: () => undefined },
      devices: (id) => DISTRICT[id],
      watchlistKey: Buffer.alloc(32, 7),
      pseudonymsFor: (cls, raw) => this.epochs.map((e) => fakePseudonym(cls, raw, e)),
      audit: (e) => {
        this.audit.push(e);
      },
      ...(this.o.rules ? { builtin: this.o.rules } : {}),
      ...(this.o.post ? { post: this.o.post } : {}),
    });
  }

  /** Closes the runtime (state written) and starts a new one on the same store. */
  async restart(): Promise<void> {
    await this.rt.close();
    await this.bus.close();
    await this.boot();
  }

  event(kind: EventKind, data: Record<string, unknown>, over: { device?: string; ts?: number; id?: string } = {}): SafeEvent {
    const device = over.device ?? defaultDevice(kind);
    const d = DISTRICT[device];
    const ts = over.ts ?? this.clock.now();
    return sealSafeEvent({ id: over.id ?? null, ts, received_at: this.clock.now(), device, site: d?.site ?? 'harbour', zone: d?.zone ?? null, kind, data });
  }

  /** Publishes committed events as the pipeline does and waits for the alert changes. */
  async send(...events: SafeEvent[]): Promise<void> {
    const batch: StoredSafeEvent[] = events.map((event) => ({ seq: ++this.seq, event }));
    await this.bus.publish('events.stored', batch);
    await this.rt.settle();
  }

  async emit(kind: EventKind, data: Record<string, unknown> = {}, over: { device?: string; ts?: number } = {}): Promise<void> {
    await this.send(this.event(kind, data, over));
  }

  async status(device: string, status: DeviceStatus, previous: DeviceStatus = status === 'offline' ? 'online' : 'offline'): Promise<void> {
    await this.bus.publish('device.status', { device, site: DISTRICT[device]?.site ?? 'harbour', status, previous, at: this.clock.now() });
    await this.rt.settle();
  }

  /** Moves time and runs every timer once. */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.rt.tick();
    await this.rt.settle();
  }

  /** Unresolved alerts, optionally of one rule. */
  async unresolved(rule?: string): Promise<AlertRecord[]> {
    return (await this.o.store.unresolvedAlerts()).filter((a) => rule === undefined || a.rule === rule);
  }

  async all(rule?: string): Promise<AlertRecord[]> {
    return this.o.store.listAlerts({ limit: 1000, ...(rule ? { rule } : {}) });
  }

  /** The only unresolved alert of a rule (fails loudly otherwise). */
  async one(rule: string): Promise<AlertRecord> {
    const list = await this.unresolved(rule);
    if (list.length !== 1) throw new Error(`expected one unresolved ${rule} alert, found ${list.length}`);
    return list[0] as AlertRecord;
  }

  async close(): Promise<void> {
    await this.rt.close();
    await this.bus.close();
  }
}

function defaultDevice(kind: string): string {
  if (kind.startsWith('camera.')) return 'cam-1';
  if (kind.startsWith('access.')) return 'acc-1';
  if (kind.startsWith('fire.')) return 'fire-1';
  if (kind.startsWith('env.')) return 'env-1';
  if (kind.startsWith('lpr.')) return 'lpr-1';
  return 'met-1';
}
