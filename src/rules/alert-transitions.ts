/**
 * The pure steps of the alert lifecycle (SPEC §2.1): each takes an alert record and returns the
 * next one, with its history entry. The alert service (alerts.ts) decides when they apply and
 * keeps order, numbering and storage.
 */
import type { AlertAction, AlertHistoryEntry, AlertRecord, EvidenceRef } from '../store/alerts.js';
import { parseDuration } from './duration.js';
import type { Rule } from './rule-schema.js';
import type { RaiseSignal } from './signals.js';

export interface Actor {
  readonly id: string;
  readonly name: string;
}

export const SYSTEM: Actor = { id: 'system', name: 'system' };
export const DEFAULT_RECIPIENTS = 'control-room';
/** Evidence kept per alert: the first event and the most recent ones. */
export const MAX_EVIDENCE = 25;
/**
 * History entries kept per alert. An alert that flaps (cleared, active again …) for days must not
 * grow without bound: past the cap the oldest entries after the first (`opened`) are dropped.
 */
export const MAX_HISTORY = 500;
/** Priority step when an escalation step names no priority (lower is more urgent). */
export const ESCALATION_PRIORITY_STEP = 10;

/** Appends, keeping the first item and the most recent ones within `max`. */
function capped<T>(list: readonly T[], item: T, max: number): readonly T[] {
  const next = [...list, item];
  return next.length > max ? [next[0] as T, ...next.slice(next.length - max + 1)] : next;
}

export const withHistory = (list: readonly AlertHistoryEntry[], e: AlertHistoryEntry): readonly AlertHistoryEntry[] => capped(list, e, MAX_HISTORY);
export const withEvidence = (list: readonly EvidenceRef[], e: EvidenceRef | null): readonly EvidenceRef[] => (e ? capped(list, e, MAX_EVIDENCE) : list);

export function openedAlert(id: string, rule: Rule, s: RaiseSignal, now: number): AlertRecord {
  return {
    id,
    rule: s.rule,
    dedup_key: s.key,
    severity: rule.severity,
    priority: rule.priority,
    state: 'open',
    snoozed_until: null,
    title: s.title,
    site: s.site,
    zone: s.zone,
    device: s.device,
    first_seen: s.at,
    last_seen: s.at,
    opened_at: now,
    occurrences: 1,
    evidence: s.evidence ? [s.evidence] : [],
    assignee: null,
    procedure: rule.procedure,
    comments: [],
    acknowledged_by: null,
    acknowledged_at: null,
    resolved_by: null,
    resolved_at: null,
    resolution: null,
    condition: 'active',
    escalation_level: 0,
    recipients: rule.notify ?? DEFAULT_RECIPIENTS,
    history: [{ at: now, by: SYSTEM.name, action: 'opened', detail: s.title }],
  };
}

/** A repeat: one more occurrence; a cleared condition becomes active again. */
export function repeatedAlert(cur: AlertRecord, s: RaiseSignal, now: number): AlertRecord {
  return {
    ...cur,
    occurrences: cur.occurrences + 1,
    last_seen: Math.max(cur.last_seen, s.at),
    evidence: withEvidence(cur.evidence, s.evidence),
    condition: 'active',
    history: cur.condition === 'cleared' ? withHistory(cur.history, { at: now, by: SYSTEM.name, action: 'repeated', detail: 'condition active again' }) : cur.history,
  };
}

export function resolvedAlert(a: AlertRecord, actor: Actor, reason: string, now: number): AlertRecord {
  return {
    ...a,
    state: 'resolved',
    snoozed_until: null,
    resolved_by: actor.name,
    resolved_at: now,
    resolution: reason,
    history: withHistory(a.history, { at: now, by: actor.name, action: actor === SYSTEM ? 'auto_resolved' : 'resolved', detail: reason }),
  };
}

/** The condition went away: resolve now, or wait for the acknowledgement (ack.require_ack) or the operator (resolve.auto: false). */
export function clearedAlert(a: AlertRecord, rule: Rule | undefined, reason: string, now: number, evidence: EvidenceRef | null = null): { alert: AlertRecord; action: AlertAction } {
  const base: AlertRecord = {
    ...a,
    condition: 'cleared',
    evidence: withEvidence(a.evidence, evidence),
    history: withHistory(a.history, { at: now, by: SYSTEM.name, action: 'cleared', detail: reason }),
  };
  const auto = rule?.resolve?.auto !== false;
  const waitsForAck = rule?.ack?.require_ack === true && a.state !== 'acknowledged';
  if (auto && !waitsForAck) return { alert: resolvedAlert(base, SYSTEM, `auto: ${reason}`, now), action: 'auto_resolved' };
  return { alert: base, action: 'cleared' };
}

/** Applies every overdue escalation step of an open, unacknowledged, unsnoozed alert; null when none is due. */
export function escalatedAlert(a: AlertRecord, rule: Rule | undefined, now: number): AlertRecord | null {
  const steps = rule?.escalation ?? [];
  if (a.state !== 'open' || a.snoozed_until !== null || a.escalation_level >= steps.length) return null;
  let next = a;
  for (let level = a.escalation_level; level < steps.length; level++) {
    const step = steps[level];
    if (!step || now - a.opened_at < parseDuration(step.after)) break;
    const priority = Math.min(next.priority, step.priority ?? Math.max(1, next.priority - ESCALATION_PRIORITY_STEP));
    next = {
      ...next,
      escalation_level: level + 1,
      recipients: step.notify,
      priority,
      history: withHistory(next.history, { at: now, by: SYSTEM.name, action: 'escalated', detail: `not acknowledged after ${step.after}: notify ${step.notify}, priority ${priority}` }),
    };
  }
  return next === a ? null : next;
}
