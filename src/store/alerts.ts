/**
 * The alerts section of the store port (STYLE §2–3): alerts and their change log (SSE replay,
 * SPEC §3), rule state that must survive a restart (SPEC §2.1), rules set through the API,
 * sealed watchlist entries (SPEC §4.6) and the webhook delivery log. Adapters: memory/alerts.ts and
 * sqlite/alerts.ts; both run the one contract suite in alerts.contract.ts. Times are epoch ms.
 */

export const SEVERITIES = ['critical', 'major', 'minor', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** What the operator sees happening to an alert (history entries and change actions). */
export type AlertAction =
  | 'opened'
  | 'repeated'
  | 'acknowledged'
  | 'assigned'
  | 'commented'
  | 'snoozed'
  | 'unsnoozed'
  | 'escalated'
  | 'cleared'
  | 'resolved'
  | 'auto_resolved';

export interface AlertHistoryEntry {
  readonly at: number;
  /** Principal name, or 'system' for the engine and timers. */
  readonly by: string;
  readonly action: AlertAction;
  readonly detail: string | null;
}

export interface AlertComment {
  readonly at: number;
  readonly by: string;
  readonly text: string;
}

/** An event that contributed to the alert: its server seq and client id (SPEC §2.1 `evidence`). */
export interface EvidenceRef {
  readonly seq: number;
  readonly id: string | null;
}

/** The stored alert (SPEC §2.1) plus the lifecycle fields the engine needs. */
export interface AlertRecord {
  readonly id: string;
  readonly rule: string;
  /** Rendered dedup key; at most one unresolved alert per (rule, dedup_key). */
  readonly dedup_key: string;
  readonly severity: Severity;
  /** 1–255, lower is more urgent. */
  readonly priority: number;
  readonly state: AlertState;
  readonly snoozed_until: number | null;
  readonly title: string;
  readonly site: string;
  readonly zone: string | null;
  readonly device: string | null;
  readonly first_seen: number;
  readonly last_seen: number;
  /** Clock time the alert opened (escalation counts from here; first_seen is event time). */
  readonly opened_at: number;
  readonly occurrences: number;
  readonly evidence: readonly EvidenceRef[];
  readonly assignee: string | null;
  readonly procedure: string;
  readonly comments: readonly AlertComment[];
  readonly acknowledged_by: string | null;
  readonly acknowledged_at: number | null;
  readonly resolved_by: string | null;
  readonly resolved_at: number | null;
  readonly resolution: string | null;
  /** Whether the triggering condition still holds (door still open, device still offline). */
  readonly condition: 'active' | 'cleared';
  /** 0 = not escalated; n = the n-th escalation step of the rule was applied. */
  readonly escalation_level: number;
  /** The recipient group currently notified. */
  readonly recipients: string;
  readonly history: readonly AlertHistoryEntry[];
}

/** One change of one alert; `n` is the monotonic change number (SSE `id:`). */
export interface AlertChange {
  readonly n: number;
  readonly at: number;
  readonly action: AlertAction;
  readonly alert: AlertRecord;
}

export interface AlertQuery {
  readonly state?: AlertState;
  readonly severity?: Severity;
  readonly site?: string;
  /** The caller's site scope; undefined = every site. */
  readonly sites?: readonly string[];
  readonly device?: string;
  readonly rule?: string;
  readonly limit: number;
  /** Keyset: continue after this (first_seen, id), newest first. */
  readonly before?: { readonly first_seen: number; readonly id: string };
}

/** A rule definition stored through `PUT /rules/:id` (validated before it gets here). */
export interface RuleDefRecord {
  readonly id: string;
  readonly def: unknown;
  readonly updated_at: number;
  readonly updated_by: string;
}

/**
 * A watchlist entry at rest (SPEC §4.6): everything that names a person or vehicle is inside
 * `sealed` (AES-256-GCM, see rules/watchlist-crypto.ts); only what the purge and listing need is
 * in clear.
 */
export interface SealedWatchEntry {
  readonly id: string;
  readonly list: string;
  readonly expires_at: number;
  readonly created_at: number;
  readonly sealed: string;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

/** One webhook notification and its attempts (visible at GET /alerts/webhooks). */
export interface WebhookDelivery {
  readonly id: string;
  readonly webhook: string;
  readonly change: number;
  readonly alert_id: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly last_error: string | null;
  /** Next attempt time while pending. */
  readonly next_at: number | null;
  readonly created_at: number;
  readonly updated_at: number;
  /** The JSON body to send (an alert change: no raw identifiers). */
  readonly payload: string;
}

export interface AlertStore {
  /** Writes alerts and their changes in one transaction; changes are appended in `n` order. */
  commit(items: ReadonlyArray<{ readonly alert: AlertRecord; readonly change: AlertChange }>): Promise<void>;
  getAlert(id: string): Promise<AlertRecord | null>;
  listAlerts(q: AlertQuery): Promise<AlertRecord[]>;
  /** Every alert not yet resolved (loaded at start). */
  unresolvedAlerts(): Promise<AlertRecord[]>;
  /** Changes with n > after, ascending, at most `limit`. */
  changesAfter(after: number, limit: number): Promise<AlertChange[]>;
  /** Highest change number (0 when none). */
  lastChange(): Promise<number>;
  /** Lowest retained change number (0 when none). */
  firstChange(): Promise<number>;
  /** Deletes changes with n < keepFrom (the replay log is bounded). */
  pruneChanges(keepFrom: number): Promise<void>;

  /** Rule engine state, key → JSON value. */
  loadRuleState(): Promise<Array<[string, unknown]>>;
  saveRuleState(puts: ReadonlyArray<readonly [string, unknown]>, deletes: readonly string[]): Promise<void>;

  listRuleDefs(): Promise<RuleDefRecord[]>;
  putRuleDef(r: RuleDefRecord): Promise<void>;
  deleteRuleDef(id: string): Promise<boolean>;

  putWatchEntry(e: SealedWatchEntry): Promise<void>;
  listWatchEntries(): Promise<SealedWatchEntry[]>;
  deleteWatchEntry(id: string): Promise<boolean>;

  putDelivery(d: WebhookDelivery): Promise<void>;
  /** Newest first; `states` restricts (e.g. only failed). */
  listDeliveries(q: { readonly states?: readonly DeliveryState[]; readonly limit: number }): Promise<WebhookDelivery[]>;
  /** Deletes settled deliveries updated before `before`. */
  pruneDeliveries(before: number): Promise<void>;
}
