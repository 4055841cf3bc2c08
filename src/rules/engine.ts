/**
 * The rule engine (SPEC §2.1, issue 4 §2). It consumes committed events (bus `events.stored`) and
 * registry status changes (bus `device.status`) and emits raise/clear signals to the alert
 * service. Rules are indexed by catalogue kind, so an event touches only the rules that name its
 * kind (most events touch none or one). Evaluation is synchronous and allocation-light; timers
 * (absence, pending sequences, window expiry) run on `tick()` with the injected clock's time, and
 * rule state is persisted on `flush()` so it survives a restart.
 */
import type { Clock } from '../core/clock.js';
import type { StoredSafeEvent } from '../bus/bus.js';
import type { AlertStore } from '../store/alerts.js';
import type { Rule } from './rule-schema.js';
import type { Signal } from './signals.js';
import type { DeviceLookup } from './subject.js';
import type { CompiledRule, EventHandler, RuleContext, StatusMessage, WatchMatcher } from './kinds/compiled.js';
import { compileMatch } from './kinds/match.js';
import { compileThreshold } from './kinds/threshold.js';
import { compileAbsence } from './kinds/absence.js';
import { compileSequence } from './kinds/sequence.js';
import { compileWatchlist } from './kinds/watchlist.js';

export type { WatchMatcher, StatusMessage };

export interface EngineOptions {
  readonly clock: Clock;
  /** Where rule state is persisted (only the rule-state methods are used). */
  readonly store: Pick<AlertStore, 'loadRuleState' | 'saveRuleState'>;
  readonly devices?: DeviceLookup;
  readonly watch?: WatchMatcher;
  readonly onWatchHit?: RuleContext['onWatchHit'];
  /** Receives every non-empty list of signals, in order. */
  readonly sink?: (signals: Signal[]) => void;
  /** A rule's failure is contained here and never stops the others (STYLE: zigbee2mqtt). */
  readonly onError?: (rule: string, err: unknown) => void;
}

const SEP = '|';

function compile(rule: Rule, ctx: RuleContext): CompiledRule {
  switch (rule.type) {
    case 'match':
      return compileMatch(rule, ctx);
    case 'threshold':
      return compileThreshold(rule, ctx);
    case 'absence':
      return compileAbsence(rule, ctx);
    case 'sequence':
      return compileSequence(rule, ctx);
    case 'watchlist':
      return compileWatchlist(rule, ctx);
  }
}

interface Entry {
  readonly compiled: CompiledRule;
  readonly json: string;
}

export class RuleEngine {
  private readonly rules = new Map<string, Entry>();
  private byKind = new Map<string, Array<{ rule: string; h: EventHandler }>>();
  private statusRules: CompiledRule[] = [];
  private tickRules: CompiledRule[] = [];
  private readonly dirty = new Set<string>();
  private flushing: Promise<void> | null = null;
  private flushAgain = false;
  private readonly devices: DeviceLookup;
  private readonly watch: WatchMatcher;
  /** Persisted state of rules not (yet) loaded, kept until setRules says whether they exist. */
  private orphanState = new Map<string, Array<[string, unknown]>>();

  constructor(private readonly opts: EngineOptions) {
    this.devices = opts.devices ?? (() => undefined);
    this.watch = opts.watch ?? { match: () => null };
  }

  /**
   * Installs the enabled rules. A rule whose definition did not change keeps its compiled form and
   * state; a changed or removed rule loses its state (its windows meant something else).
   */
  setRules(rules: readonly Rule[]): void {
    const next = new Map<string, Entry>();
    for (const rule of rules) {
      if (rule.enabled === false) continue;
      const json = JSON.stringify(rule);
      const prev = this.rules.get(rule.id);
      if (prev && prev.json === json) {
        next.set(rule.id, prev);
        continue;
      }
      if (prev) this.dropState(prev.compiled);
      const compiled = compile(rule, this.contextFor(rule.id));
      const saved = this.orphanState.get(rule.id);
      if (saved) {
        for (const [sub, v] of saved) compiled.restore(sub, v);
        this.orphanState.delete(rule.id);
      }
      next.set(rule.id, { compiled, json });
    }
    for (const [id, prev] of this.rules) if (!next.has(id)) this.dropState(prev.compiled);
    this.rules.clear();
    for (const [id, e] of next) this.rules.set(id, e);
    this.reindex();
  }

  /** Restores persisted state; call before setRules (state of unknown rules is deleted on flush). */
  async load(): Promise<void> {
    this.orphanState.clear();
    for (const [key, value] of await this.opts.store.loadRuleState()) {
      const at = key.indexOf(SEP);
      if (at <= 0) continue;
      const id = key.slice(0, at);
      const sub = key.slice(at + 1);
      const live = this.rules.get(id);
      if (live) live.compiled.restore(sub, value);
      else {
        let list = this.orphanState.get(id);
        if (!list) this.orphanState.set(id, (list = []));
        list.push([sub, value]);
      }
    }
  }

  /** Evaluates one committed batch; returns (and sinks) the signals in event order. */
  process(batch: readonly StoredSafeEvent[]): Signal[] {
    const out: Signal[] = [];
    const byKind = this.byKind;
    for (let i = 0; i < batch.length; i++) {
      const s = batch[i];
      if (s === undefined) continue;
      const hs = byKind.get(s.event.kind);
      if (hs === undefined) continue;
      for (let j = 0; j < hs.length; j++) {
        const h = hs[j];
        if (h === undefined) continue;
        try {
          h.h(s.event, s.seq, out);
        } catch (err) {
          this.opts.onError?.(h.rule, err);
        }
      }
    }
    this.emit(out);
    return out;
  }

  /** A registry status change (bus `device.status`). */
  onStatus(msg: StatusMessage): Signal[] {
    const out: Signal[] = [];
    for (const r of this.statusRules) {
      try {
        r.onStatus?.(msg, out);
      } catch (err) {
        this.opts.onError?.(r.rule.id, err);
      }
    }
    this.emit(out);
    return out;
  }

  /** Runs the rules' timers at the clock's current time. */
  tick(): Signal[] {
    const out: Signal[] = [];
    const now = this.opts.clock.now();
    for (const r of this.tickRules) {
      try {
        r.tick?.(now, out);
      } catch (err) {
        this.opts.onError?.(r.rule.id, err);
      }
    }
    this.emit(out);
    return out;
  }

  /** Persists changed state; concurrent calls coalesce into at most one more write. */
  async flush(): Promise<void> {
    if (this.flushing) {
      this.flushAgain = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      try {
        do {
          this.flushAgain = false;
          await this.writeDirty();
        } while (this.flushAgain);
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  /** Ids of the rules being evaluated. */
  activeRules(): string[] {
    return [...this.rules.keys()];
  }

  /** How many rules evaluate events of this kind (for tests and the benchmark). */
  rulesForKind(kind: string): number {
    return new Set((this.byKind.get(kind) ?? []).map((h) => h.rule)).size;
  }

  private emit(out: Signal[]): void {
    if (out.length && this.opts.sink) this.opts.sink(out);
  }

  private contextFor(id: string): RuleContext {
    return {
      devices: this.devices,
      watch: this.watch,
      markDirty: (sub) => this.dirty.add(id + SEP + sub),
      now: () => this.opts.clock.now(),
      ...(this.opts.onWatchHit ? { onWatchHit: this.opts.onWatchHit } : {}),
    };
  }

  private dropState(c: CompiledRule): void {
    for (const sub of c.stateKeys()) this.dirty.add(c.rule.id + SEP + sub);
  }

  private reindex(): void {
    const byKind = new Map<string, Array<{ rule: string; h: EventHandler }>>();
    const status: CompiledRule[] = [];
    const ticks: CompiledRule[] = [];
    // Ascending priority: the most urgent rule's signal comes first within an event.
    const ordered = [...this.rules.values()].map((e) => e.compiled).sort((a, b) => a.rule.priority - b.rule.priority);
    for (const c of ordered) {
      for (const [kind, h] of c.handlers) {
        let list = byKind.get(kind);
        if (!list) byKind.set(kind, (list = []));
        list.push({ rule: c.rule.id, h });
      }
      if (c.onStatus) status.push(c);
      if (c.tick) ticks.push(c);
    }
    this.byKind = byKind;
    this.statusRules = status;
    this.tickRules = ticks;
  }

  private async writeDirty(): Promise<void> {
    // State of rules that no longer exist is deleted.
    const deletes: string[] = [];
    for (const [id, list] of this.orphanState) for (const [sub] of list) deletes.push(id + SEP + sub);
    this.orphanState.clear();
    if (this.dirty.size === 0 && deletes.length === 0) return;
    const puts: Array<[string, unknown]> = [];
    const keys = [...this.dirty];
    this.dirty.clear();
    for (const key of keys) {
      const at = key.indexOf(SEP);
      const entry = this.rules.get(key.slice(0, at));
      const value = entry?.compiled.snapshot(key.slice(at + 1));
      if (value === undefined) deletes.push(key);
      else puts.push([key, value]);
    }
    try {
      await this.opts.store.saveRuleState(puts, deletes);
    } catch (err) {
      // Keep them dirty: the next flush retries.
      for (const k of keys) this.dirty.add(k);
      throw err;
    }
  }
}
