/**
 * The shape every rule type compiles to, and the parts all types share: raising with the rule's
 * title and dedup templates, and clearing through `resolve.kinds` / `resolve.status`.
 */
import type { BusTopics } from '../../bus/bus.js';
import type { EvidenceRef } from '../../store/alerts.js';
import { compileTemplate, type Template } from '../paths.js';
import { dedupTemplate, expandKinds } from '../rule-validate.js';
import type { Rule } from '../rule-schema.js';
import type { RaiseSignal, Signal } from '../signals.js';
import type { DeviceLookup, Extras, Subject } from '../subject.js';
import { compileWhere } from '../where.js';

export type StatusMessage = BusTopics['device.status'];
export type EventHandler = (e: Subject, seq: number | null, out: Signal[]) => void;

/** A watchlist hit: the entry's id and label, never its identifier (SPEC §4.6). */
export interface WatchHit {
  readonly id: string;
  readonly label: string;
}

export interface WatchMatcher {
  /** The live (unexpired) entry of the list whose pseudonyms include this one, at event time `at`. */
  match(list: 'plates' | 'credentials', pseudonym: string, at: number): WatchHit | null;
}

export interface RuleContext {
  readonly devices: DeviceLookup;
  readonly watch: WatchMatcher;
  /** Marks a piece of this rule's state as changed, to be persisted at the next flush. */
  readonly markDirty: (sub: string) => void;
  /** Clock time, epoch ms (absence is about now, not about event time). */
  readonly now: () => number;
  /** A watchlist hit on a stored event (kept longer than ordinary reads, SPEC §4.7). */
  readonly onWatchHit?: (e: Subject, seq: number | null, hit: WatchHit, list: string) => void;
}

export interface CompiledRule {
  readonly rule: Rule;
  /** (catalogue kind, handler) pairs: triggers and clears. */
  readonly handlers: ReadonlyArray<readonly [string, EventHandler]>;
  onStatus?(msg: StatusMessage, out: Signal[]): void;
  /** Timers: called about once a second with the clock time. */
  tick?(now: number, out: Signal[]): void;
  /** State persistence (SPEC §2.1: survives a restart), by sub-key. */
  stateKeys(): Iterable<string>;
  snapshot(sub: string): unknown;
  restore(sub: string, value: unknown): void;
}

export const evidenceOf = (e: Subject, seq: number | null): EvidenceRef | null => (seq === null ? null : { seq, id: e.id });

export interface Raiser {
  readonly dedup: Template;
  readonly raise: (e: Subject, seq: number | null, x: Extras | undefined, at?: number) => RaiseSignal;
}

export function raiser(rule: Rule, ctx: RuleContext): Raiser {
  const title = compileTemplate(rule.title, rule.id, ctx.devices);
  const dedup = compileTemplate(dedupTemplate(rule), rule.id, ctx.devices);
  return {
    dedup,
    raise: (e, seq, x, at) => ({
      type: 'raise',
      rule: rule.id,
      key: dedup(e, x),
      at: at ?? e.ts,
      title: title(e, x),
      site: e.site,
      zone: e.zone,
      device: e.device,
      evidence: evidenceOf(e, seq),
    }),
  };
}

/** Handlers for `resolve.kinds`: the clearing event's key picks the alert to clear. */
export function clearHandlers(rule: Rule, ctx: RuleContext): Array<readonly [string, EventHandler]> {
  const rs = rule.resolve;
  if (!rs?.kinds) return [];
  const where = compileWhere(rs.where, ctx.devices);
  const key = compileTemplate(rs.key ?? dedupTemplate(rule), rule.id, ctx.devices);
  const handler: EventHandler = (e, seq, out) => {
    if (!where(e, undefined)) return;
    out.push({ type: 'clear', rule: rule.id, key: key(e, undefined), at: e.ts, reason: `${e.kind} from ${e.device}`, evidence: evidenceOf(e, seq) });
  };
  return expandKinds(rs.kinds).map((k) => [k.kind, handler] as const);
}

/** `resolve.status`: a status in the list clears the rule's alerts on that device. */
export function statusClear(rule: Rule): ((msg: StatusMessage, out: Signal[]) => void) | undefined {
  const statuses = rule.resolve?.status;
  if (!statuses) return undefined;
  const set = new Set<string>(statuses);
  return (msg, out) => {
    if (set.has(msg.status)) out.push({ type: 'clear_device', rule: rule.id, device: msg.device, at: msg.at, reason: `device ${msg.status}` });
  };
}

export function triggerHandlers(patterns: readonly string[], h: EventHandler): Array<readonly [string, EventHandler]> {
  return expandKinds(patterns).map((k) => [k.kind, h] as const);
}

/** Rules without state. */
export const stateless = {
  stateKeys: (): Iterable<string> => [],
  snapshot: (): unknown => undefined,
  restore: (): void => undefined,
};
