/**
 * The transparency report (SPEC §4.8, issue 3 §7): for a period, the items that surveillance-
 * technology ordinances (Oakland, Seattle, New York's POST Act) ask for — sensors by type and site,
 * data categories collected, retention per category, events stored and purged, investigations run
 * and approved, watchlist hits, exports and their recipients, policy violations. Built from the
 * store, the purge log and the audit log; it holds counts only, never an identifier or pseudonym.
 * `report-html.ts` renders it for people.
 */
import type { Config } from '../config/schema.js';
import { CATALOGUE, identifierFields, type RetentionCategory } from '../core/kinds.js';
import type { DeviceStore, EventStore, KvStore } from '../store/store.js';
import type { AuditEntry, AuditQuery } from '../store/audit.js';
import type { InvestigationService } from './investigations.js';
import { formatDuration, purgeLog } from './retention.js';
import { retentionMsFor } from './retention-policy.js';

export const PROHIBITED_CATEGORIES = [
  'ethnicity or race',
  'religion or beliefs',
  'political opinion',
  'sexual orientation',
  'health',
  'attractiveness',
  'gender',
  'age estimates of persons',
  'face images, embeddings or templates',
  'gait signatures',
  'IMSI, IMEI, MSISDN',
  'national ID numbers',
  'person names',
] as const;

export interface TransparencyReport {
  readonly title: string;
  readonly period: { readonly from: string; readonly to: string };
  readonly generated_at: string;
  readonly sensors: { readonly total: number; readonly by_type_and_site: Array<{ site: string; type: string; count: number }> };
  readonly data_categories: Array<{ family: string; kinds: string[]; fields: string[]; pseudonymised_fields: string[] }>;
  readonly refused_categories: readonly string[];
  readonly wifi_mode: 'counts' | 'dwell';
  readonly k_anonymity: number;
  readonly retention: Array<{ category: RetentionCategory; retention: string; retention_ms: number; kinds: string[] }>;
  readonly events: {
    /** Events of the period still stored when the report was made, per kind. */
    readonly stored: Record<string, number>;
    /** Events deleted by purge runs during the period, per kind. */
    readonly purged: Record<string, number>;
    readonly purge_runs: number;
    readonly keys_destroyed: number;
  };
  readonly investigations: { requested: number; approved: number; rejected: number; pending: number; by_class: Record<string, number> } | null;
  readonly watchlist_hits: number | null;
  readonly exports: Array<{ recipient: string; count: number }> | null;
  readonly policy_violations: { readonly total: number; readonly by_device: Array<{ device: string; count: number }> };
}

export interface ReportSources {
  readonly config: Readonly<Config>;
  readonly devices: Pick<DeviceStore, 'list'>;
  readonly events: Pick<EventStore, 'count' | 'query'>;
  readonly kv: KvStore;
  readonly investigations?: Pick<InvestigationService, 'summary'>;
  /** Audit entries: exports are those whose action starts with `export.` (recipient in detail.recipient). */
  readonly audit?: { query(q: AuditQuery): Promise<AuditEntry[]> };
  /** Watchlist hits in [from, to); by default the `watchlist.hit` entries of the audit log. */
  readonly watchlistHits?: (from: number, to: number) => Promise<number>;
}

const byKey = <T>(xs: T[], key: (x: T) => string): T[] => xs.sort((a, b) => key(a).localeCompare(key(b)));

function dataCategories(): TransparencyReport['data_categories'] {
  const families = new Map<string, { kinds: string[]; fields: Set<string>; ids: Set<string> }>();
  for (const spec of CATALOGUE.values()) {
    const f = families.get(spec.family) ?? { kinds: [], fields: new Set<string>(), ids: new Set<string>() };
    f.kinds.push(spec.kind);
    for (const name of Object.keys(spec.fields)) f.fields.add(name);
    for (const [name] of identifierFields(spec)) f.ids.add(name);
    families.set(spec.family, f);
  }
  return [...families].map(([family, f]) => ({ family, kinds: f.kinds, fields: [...f.fields].sort(), pseudonymised_fields: [...f.ids].sort() }));
}

function retention(config: Readonly<Config>): TransparencyReport['retention'] {
  const cats = new Map<RetentionCategory, string[]>();
  for (const spec of CATALOGUE.values()) cats.set(spec.retention, [...(cats.get(spec.retention) ?? []), spec.kind]);
  return [...cats].map(([category, kinds]) => {
    const ms = retentionMsFor(category, config);
    return { category, retention: formatDuration(ms), retention_ms: ms, kinds };
  });
}

async function auditEntries(audit: NonNullable<ReportSources['audit']>, q: Omit<AuditQuery, 'limit' | 'before'>): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await audit.query({ ...q, limit: 500, ...(before !== undefined ? { before } : {}) });
    out.push(...page);
    const last = page[page.length - 1];
    if (page.length < 500 || !last) return out;
    before = last.seq;
  }
}

async function exportsOf(audit: NonNullable<ReportSources['audit']>, from: number, to: number): Promise<Array<{ recipient: string; count: number }>> {
  const counts = new Map<string, number>();
  for (const e of await auditEntries(audit, { from, to, action: 'export.*', outcome: 'success' })) {
    const r = e.detail?.recipient;
    const recipient = typeof r === 'string' && r !== '' ? r : (e.target ?? 'unspecified');
    counts.set(recipient, (counts.get(recipient) ?? 0) + 1);
  }
  return byKey([...counts].map(([recipient, count]) => ({ recipient, count })), (x) => x.recipient);
}

async function violations(events: ReportSources['events'], from: number, to: number): Promise<TransparencyReport['policy_violations']> {
  const counts = new Map<string, number>();
  let after: { ts: number; seq: number } | undefined;
  for (;;) {
    const page = await events.query({ kind: 'policy.violation', from, to, limit: 1000, order: 'asc', ...(after ? { after } : {}) });
    for (const e of page.events) counts.set(e.device, (counts.get(e.device) ?? 0) + 1);
    if (page.next === null) break;
    after = page.next;
  }
  const by_device = byKey([...counts].map(([device, count]) => ({ device, count })), (x) => x.device);
  return { total: by_device.reduce((a, b) => a + b.count, 0), by_device };
}

export async function buildTransparencyReport(src: ReportSources, from: number, to: number, now: number): Promise<TransparencyReport> {
  const devices = await src.devices.list();
  const sensors = new Map<string, { site: string; type: string; count: number }>();
  for (const d of devices) {
    const key = `${d.site}\u0000${d.type}`;
    const cur = sensors.get(key) ?? { site: d.site, type: d.type, count: 0 };
    sensors.set(key, { ...cur, count: cur.count + 1 });
  }
  const stored: Record<string, number> = {};
  for (const kind of CATALOGUE.keys()) {
    const n = await src.events.count({ kind, from, to });
    if (n > 0) stored[kind] = n;
  }
  const purged: Record<string, number> = {};
  const runs = await purgeLog(src.kv, from, to);
  for (const r of runs) for (const [kind, n] of Object.entries(r.deleted)) purged[kind] = (purged[kind] ?? 0) + n;
  return {
    title: 'Parapet transparency report',
    period: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    generated_at: new Date(now).toISOString(),
    sensors: {
      total: devices.length,
      by_type_and_site: [...sensors.values()].sort((a, b) => a.site.localeCompare(b.site) || a.type.localeCompare(b.type)),
    },
    data_categories: dataCategories(),
    refused_categories: PROHIBITED_CATEGORIES,
    wifi_mode: src.config.privacy.wifi_mode,
    k_anonymity: src.config.privacy.k_anonymity,
    retention: retention(src.config),
    events: { stored, purged, purge_runs: runs.length, keys_destroyed: runs.reduce((a, r) => a + r.keys_destroyed.length, 0) },
    investigations: src.investigations ? await src.investigations.summary(from, to) : null,
    watchlist_hits: src.watchlistHits
      ? await src.watchlistHits(from, to)
      : src.audit
        ? (await auditEntries(src.audit, { from, to, action: 'watchlist.hit' })).length
        : null,
    exports: src.audit ? await exportsOf(src.audit, from, to) : null,
    policy_violations: await violations(src.events, from, to),
  };
}
