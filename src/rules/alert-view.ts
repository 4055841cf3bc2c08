/**
 * The wire shape of an alert (SPEC §2.1) for the API, SSE, MQTT and webhooks: times as RFC 3339,
 * everything else as stored. Alerts never carry raw identifiers (titles are checked at rule
 * validation, watchlist hits carry the entry's label), so this is a pure format change.
 */
import type { AlertChange, AlertRecord } from '../store/alerts.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export interface AlertView {
  readonly id: string;
  readonly rule: string;
  readonly severity: AlertRecord['severity'];
  readonly priority: number;
  readonly state: AlertRecord['state'];
  readonly snoozed_until: string | null;
  readonly title: string;
  readonly site: string;
  readonly zone: string | null;
  readonly device: string | null;
  readonly first_seen: string;
  readonly last_seen: string;
  readonly occurrences: number;
  readonly evidence: AlertRecord['evidence'];
  readonly assignee: string | null;
  readonly procedure: string;
  readonly comments: ReadonlyArray<{ at: string; by: string; text: string }>;
  readonly acknowledged_by: string | null;
  readonly acknowledged_at: string | null;
  readonly resolved_by: string | null;
  readonly resolved_at: string | null;
  readonly resolution: string | null;
  readonly condition: AlertRecord['condition'];
  readonly escalation_level: number;
  readonly recipients: string;
  readonly dedup_key: string;
  readonly opened_at: string;
  readonly history: ReadonlyArray<{ at: string; by: string; action: string; detail: string | null }>;
}

export function alertView(a: AlertRecord): AlertView {
  return {
    id: a.id,
    rule: a.rule,
    severity: a.severity,
    priority: a.priority,
    state: a.state,
    snoozed_until: isoOrNull(a.snoozed_until),
    title: a.title,
    site: a.site,
    zone: a.zone,
    device: a.device,
    first_seen: iso(a.first_seen),
    last_seen: iso(a.last_seen),
    occurrences: a.occurrences,
    evidence: a.evidence,
    assignee: a.assignee,
    procedure: a.procedure,
    comments: a.comments.map((c) => ({ at: iso(c.at), by: c.by, text: c.text })),
    acknowledged_by: a.acknowledged_by,
    acknowledged_at: isoOrNull(a.acknowledged_at),
    resolved_by: a.resolved_by,
    resolved_at: isoOrNull(a.resolved_at),
    resolution: a.resolution,
    condition: a.condition,
    escalation_level: a.escalation_level,
    recipients: a.recipients,
    dedup_key: a.dedup_key,
    opened_at: iso(a.opened_at),
    history: a.history.map((h) => ({ at: iso(h.at), by: h.by, action: h.action, detail: h.detail })),
  };
}

export interface AlertChangeView {
  readonly n: number;
  readonly at: string;
  readonly action: AlertChange['action'];
  readonly alert: AlertView;
}

export function changeView(c: AlertChange): AlertChangeView {
  return { n: c.n, at: iso(c.at), action: c.action, alert: alertView(c.alert) };
}
