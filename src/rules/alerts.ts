/**
 * The alert lifecycle (SPEC §2.1, issue 4 §3): one unresolved alert per (rule, dedup key) — a
 * repeat raises `occurrences` and `last_seen`; acknowledge, assign, comment, snooze, resolve with a
 * reason; auto-resolve when the condition clears; acknowledgement conditions; escalation of
 * unacknowledged alerts; full history. Every change gets a monotonic number, is committed with the
 * alert in one store transaction, kept in a bounded replay ring (SSE resume) and published on the
 * bus as `alert.changed`. All mutations run one at a time through a queue, so numbers, store order
 * and bus order agree.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { Bus } from '../bus/bus.js';
import { ParapetError } from '../core/errors.js';
import type { AlertAction, AlertChange, AlertQuery, AlertRecord, AlertStore } from '../store/alerts.js';
import { clearedAlert, escalatedAlert, openedAlert, repeatedAlert, resolvedAlert, SYSTEM, withHistory, type Actor } from './alert-transitions.js';
import { parseDuration } from './duration.js';
import type { Rule } from './rule-schema.js';
import type { ClearDeviceSignal, ClearSignal, RaiseSignal, Signal } from './signals.js';

declare module '../bus/bus.js' {
  interface BusTopics {
    /** An alert changed (SPEC §2.1); `n` is the monotonic change number (SSE `id:`). */
    'alert.changed': AlertChange;
  }
}

export { SYSTEM, MAX_EVIDENCE, MAX_HISTORY, type Actor } from './alert-transitions.js';

/** Longest snooze, ms: a snoozed alarm must come back within a shift or so. */
export const MAX_SNOOZE_MS = 7 * 24 * 3_600_000;

export interface AlertServiceOptions {
  readonly store: AlertStore;
  readonly bus: Bus;
  readonly clock: Clock;
  /** The rule definition in effect (enabled or not). */
  readonly rules: (id: string) => Rule | undefined;
  /** Changes kept in memory for SSE resume (default 2,000). */
  readonly replay?: number;
  /** Changes kept in the store for SSE resume beyond the ring (default 100,000). */
  readonly keepChanges?: number;
  readonly newId?: () => string;
}

interface Work {
  alert: AlertRecord;
  actions: AlertAction[];
}

const keyOf = (rule: string, key: string): string => `${rule}\u0000${key}`;

/** The action a batch's changes to one alert are published under. */
function headline(w: Work): AlertAction {
  if (w.actions.includes('opened') && w.alert.state !== 'resolved') return 'opened';
  return w.actions[w.actions.length - 1] ?? 'repeated';
}

export class AlertService {
  private readonly unresolved = new Map<string, AlertRecord>();
  private readonly byKey = new Map<string, string>();
  private ring: AlertChange[] = [];
  private n = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly replay: number;
  private readonly keepChanges: number;
  private readonly newId: () => string;

  constructor(private readonly o: AlertServiceOptions) {
    this.replay = o.replay ?? 2000;
    this.keepChanges = o.keepChanges ?? 100_000;
    this.newId = o.newId ?? randomUUID;
  }

  /** Loads unresolved alerts and the change counter (SPEC §2.1: open alerts survive a restart). */
  async start(): Promise<void> {
    this.unresolved.clear();
    this.byKey.clear();
    for (const a of await this.o.store.unresolvedAlerts()) this.index(a);
    this.n = await this.o.store.lastChange();
    this.ring = await this.o.store.changesAfter(Math.max(0, this.n - this.replay), this.replay);
  }

  get lastChange(): number {
    return this.n;
  }

  /** Applies engine signals (serialised with every other change). */
  apply(signals: readonly Signal[]): Promise<void> {
    return this.run(async () => {
      const work = new Map<string, Work>();
      const keys = new Map<string, string | null>();
      const lookup = (rule: string, key: string): AlertRecord | undefined => {
        const k = keyOf(rule, key);
        const local = keys.get(k);
        if (local === null) return undefined;
        const id = local ?? this.byKey.get(k);
        return id === undefined ? undefined : (work.get(id)?.alert ?? this.unresolved.get(id));
      };
      const put = (a: AlertRecord, action: AlertAction): void => {
        const w = work.get(a.id);
        if (w) {
          w.alert = a;
          w.actions.push(action);
        } else work.set(a.id, { alert: a, actions: [action] });
        keys.set(keyOf(a.rule, a.dedup_key), a.state === 'resolved' ? null : a.id);
      };
      for (const s of signals) {
        if (s.type === 'raise') this.raise(s, lookup(s.rule, s.key), put);
        else if (s.type === 'clear') {
          const a = lookup(s.rule, s.key);
          if (a) this.clear(a, s, put);
        } else this.clearDevice(s, work, put);
      }
      await this.commit([...work.values()].map((w) => ({ alert: w.alert, action: headline(w) })));
    });
  }

  async get(id: string): Promise<AlertRecord | null> {
    return this.unresolved.get(id) ?? (await this.o.store.getAlert(id));
  }

  list(q: AlertQuery): Promise<AlertRecord[]> {
    return this.o.store.listAlerts(q);
  }

  ack(id: string, actor: Actor, note?: string): Promise<AlertRecord> {
    return this.run(async () => {
      const a = await this.mustUnresolved(id);
      if (a.state === 'acknowledged') throw new ParapetError('conflict', `alert ${id} is already acknowledged`);
      const now = this.o.clock.now();
      const acked: AlertRecord = {
        ...a,
        state: 'acknowledged',
        acknowledged_by: actor.name,
        acknowledged_at: now,
        history: withHistory(a.history, { at: now, by: actor.name, action: 'acknowledged', detail: note ?? null }),
      };
      const items: Array<{ alert: AlertRecord; action: AlertAction }> = [{ alert: acked, action: 'acknowledged' }];
      // A cleared condition waiting only for acknowledgement resolves now (ack.require_ack).
      const rule = this.o.rules(a.rule);
      if (acked.condition === 'cleared' && rule?.resolve?.auto !== false && rule?.ack?.require_ack) {
        items.push({ alert: resolvedAlert(acked, SYSTEM, 'condition cleared and acknowledged', now), action: 'auto_resolved' });
      }
      await this.commit(items);
      return items[items.length - 1]?.alert ?? acked;
    });
  }

  assign(id: string, actor: Actor, assignee: string | null): Promise<AlertRecord> {
    return this.run(async () => {
      const a = await this.mustUnresolved(id);
      const now = this.o.clock.now();
      const next: AlertRecord = { ...a, assignee, history: withHistory(a.history, { at: now, by: actor.name, action: 'assigned', detail: assignee ?? 'unassigned' }) };
      await this.commit([{ alert: next, action: 'assigned' }]);
      return next;
    });
  }

  /** Comments are allowed on resolved alerts too (the post-incident note). */
  comment(id: string, actor: Actor, text: string): Promise<AlertRecord> {
    return this.run(async () => {
      const a = this.unresolved.get(id) ?? (await this.o.store.getAlert(id));
      if (!a) throw new ParapetError('not_found', `no alert ${id}`);
      const now = this.o.clock.now();
      const next: AlertRecord = {
        ...a,
        comments: [...a.comments, { at: now, by: actor.name, text }],
        history: withHistory(a.history, { at: now, by: actor.name, action: 'commented', detail: null }),
      };
      await this.commit([{ alert: next, action: 'commented' }]);
      return next;
    });
  }

  snooze(id: string, actor: Actor, until: number, note?: string): Promise<AlertRecord> {
    return this.run(async () => {
      const a = await this.mustUnresolved(id);
      const now = this.o.clock.now();
      if (until <= now) throw new ParapetError('unprocessable', 'snooze until a time in the future');
      if (until > now + MAX_SNOOZE_MS) throw new ParapetError('unprocessable', 'an alert can be snoozed for at most 7 days');
      const next: AlertRecord = {
        ...a,
        snoozed_until: until,
        history: withHistory(a.history, { at: now, by: actor.name, action: 'snoozed', detail: `until ${new Date(until).toISOString()}${note ? ': ' + note : ''}` }),
      };
      await this.commit([{ alert: next, action: 'snoozed' }]);
      return next;
    });
  }

  resolve(id: string, actor: Actor, reason: string): Promise<AlertRecord> {
    return this.run(async () => {
      const a = await this.mustUnresolved(id);
      const rule = this.o.rules(a.rule);
      if (rule?.ack?.require_clear && a.condition === 'active') {
        throw new ParapetError('conflict', `alert ${id} cannot be resolved while its condition is still active (${a.title}); it resolves once cleared`);
      }
      const next = resolvedAlert(a, actor, reason, this.o.clock.now());
      await this.commit([{ alert: next, action: 'resolved' }]);
      return next;
    });
  }

  /** Timers: snooze expiry, quiet auto-resolve, escalation. Call about once a second. */
  tick(): Promise<void> {
    return this.run(async () => {
      const now = this.o.clock.now();
      const items: Array<{ alert: AlertRecord; action: AlertAction }> = [];
      for (const a0 of this.unresolved.values()) {
        let a = a0;
        const rule = this.o.rules(a.rule);
        if (a.snoozed_until !== null && a.snoozed_until <= now) {
          a = { ...a, snoozed_until: null, history: withHistory(a.history, { at: now, by: SYSTEM.name, action: 'unsnoozed', detail: null }) };
          items.push({ alert: a, action: 'unsnoozed' });
        }
        const quiet = rule?.resolve?.quiet;
        if (quiet !== undefined && a.condition === 'active' && a.last_seen + parseDuration(quiet) <= now) {
          const cleared = clearedAlert(a, rule, `no new event for ${quiet}`, now);
          items.push(cleared);
          if (cleared.alert.state === 'resolved') continue;
          a = cleared.alert;
        }
        const escalated = escalatedAlert(a, rule, now);
        if (escalated) items.push({ alert: escalated, action: 'escalated' });
      }
      await this.commit(items);
    });
  }

  /**
   * Changes after `after` for SSE resume: from the ring, else the store. `gap` is true when
   * changes the client missed are no longer kept (it should reload the list).
   */
  async changesSince(after: number, limit = 1000): Promise<{ changes: AlertChange[]; gap: boolean }> {
    if (after >= this.n) return { changes: [], gap: false };
    const first = this.ring[0];
    if (first && first.n <= after + 1) {
      const from = this.ring.findIndex((c) => c.n > after);
      return { changes: from === -1 ? [] : this.ring.slice(from, from + limit), gap: false };
    }
    const oldest = await this.o.store.firstChange();
    const changes = await this.o.store.changesAfter(after, limit);
    return { changes, gap: oldest === 0 || oldest > after + 1 };
  }

  /** Waits for queued work (tests, shutdown). */
  async idle(): Promise<void> {
    await this.queue.catch(() => undefined);
  }

  // ------------------------------------------------------------------ internals

  private run<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** 404 for an unknown alert, 409 for one already resolved. */
  private async mustUnresolved(id: string): Promise<AlertRecord> {
    const a = this.unresolved.get(id);
    if (a) return a;
    if (await this.o.store.getAlert(id)) throw new ParapetError('conflict', `alert ${id} is already resolved`);
    throw new ParapetError('not_found', `no alert ${id}`);
  }

  private index(a: AlertRecord): void {
    const k = keyOf(a.rule, a.dedup_key);
    if (a.state === 'resolved') {
      this.unresolved.delete(a.id);
      if (this.byKey.get(k) === a.id) this.byKey.delete(k);
    } else {
      this.unresolved.set(a.id, a);
      this.byKey.set(k, a.id);
    }
  }

  private raise(s: RaiseSignal, cur: AlertRecord | undefined, put: (a: AlertRecord, action: AlertAction) => void): void {
    const now = this.o.clock.now();
    if (cur) {
      put(repeatedAlert(cur, s, now), 'repeated');
      return;
    }
    const rule = this.o.rules(s.rule);
    if (rule) put(openedAlert(this.newId(), rule, s, now), 'opened'); // else the rule was removed meanwhile
  }

  private clear(a: AlertRecord, s: ClearSignal | ClearDeviceSignal, put: (a: AlertRecord, action: AlertAction) => void): void {
    if (a.condition === 'cleared') return;
    const next = clearedAlert(a, this.o.rules(a.rule), s.reason, this.o.clock.now(), s.type === 'clear' ? s.evidence : null);
    put(next.alert, next.action);
  }

  private clearDevice(s: ClearDeviceSignal, work: Map<string, Work>, put: (a: AlertRecord, action: AlertAction) => void): void {
    const candidates = new Map<string, AlertRecord>();
    for (const a of this.unresolved.values()) if (a.rule === s.rule && a.device === s.device) candidates.set(a.id, a);
    for (const w of work.values()) {
      if (w.alert.rule !== s.rule || w.alert.device !== s.device) continue;
      if (w.alert.state === 'resolved') candidates.delete(w.alert.id);
      else candidates.set(w.alert.id, w.alert);
    }
    for (const a of candidates.values()) this.clear(a, s, put);
  }

  private async commit(items: ReadonlyArray<{ alert: AlertRecord; action: AlertAction }>): Promise<void> {
    if (items.length === 0) return;
    const at = this.o.clock.now();
    const base = this.n;
    const entries = items.map((it, i) => ({ alert: it.alert, change: { n: base + i + 1, at, action: it.action, alert: it.alert } satisfies AlertChange }));
    await this.o.store.commit(entries);
    this.n = base + entries.length;
    for (const e of entries) {
      this.index(e.alert);
      this.ring.push(e.change);
    }
    if (this.ring.length > this.replay) this.ring = this.ring.slice(this.ring.length - this.replay);
    if (Math.floor(this.n / 1000) > Math.floor(base / 1000) && this.n > this.keepChanges) {
      await this.o.store.pruneChanges(this.n - this.keepChanges);
    }
    for (const e of entries) await this.o.bus.publish('alert.changed', e.change);
  }
}
