/** In-memory alerts section (tests, `store: memory`). Values are cloned in and out like a database would. */
import type {
  AlertChange,
  AlertQuery,
  AlertRecord,
  AlertStore,
  RuleDefRecord,
  SealedWatchEntry,
  WebhookDelivery,
} from '../alerts.js';

const clone = <T>(v: T): T => structuredClone(v);

/** Newest first by (first_seen, id) — the keyset order of AlertQuery. */
function newerFirst(a: AlertRecord, b: AlertRecord): number {
  return b.first_seen - a.first_seen || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export function matchesQuery(a: AlertRecord, q: AlertQuery): boolean {
  if (q.state !== undefined && a.state !== q.state) return false;
  if (q.severity !== undefined && a.severity !== q.severity) return false;
  if (q.site !== undefined && a.site !== q.site) return false;
  if (q.sites !== undefined && !q.sites.includes(a.site)) return false;
  if (q.device !== undefined && a.device !== q.device) return false;
  if (q.rule !== undefined && a.rule !== q.rule) return false;
  if (q.before && (a.first_seen > q.before.first_seen || (a.first_seen === q.before.first_seen && a.id >= q.before.id))) return false;
  return true;
}

export function createMemoryAlertStore(): AlertStore {
  const alerts = new Map<string, AlertRecord>();
  const changes: AlertChange[] = [];
  const ruleState = new Map<string, unknown>();
  const ruleDefs = new Map<string, RuleDefRecord>();
  const watch = new Map<string, SealedWatchEntry>();
  const deliveries = new Map<string, WebhookDelivery>();

  return {
    async commit(items) {
      for (const { alert, change } of items) {
        const last = changes[changes.length - 1];
        if (last && change.n <= last.n) throw new Error(`change ${change.n} is not after ${last.n}`);
        alerts.set(alert.id, clone(alert));
        changes.push(clone(change));
      }
    },
    async getAlert(id) {
      const a = alerts.get(id);
      return a ? clone(a) : null;
    },
    async listAlerts(q) {
      return [...alerts.values()].filter((a) => matchesQuery(a, q)).sort(newerFirst).slice(0, q.limit).map(clone);
    },
    async unresolvedAlerts() {
      return [...alerts.values()].filter((a) => a.state !== 'resolved').map(clone);
    },
    async changesAfter(after, limit) {
      // Changes are ascending: binary search the first n > after.
      let lo = 0;
      let hi = changes.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((changes[mid]?.n ?? 0) <= after) lo = mid + 1;
        else hi = mid;
      }
      return changes.slice(lo, lo + limit).map(clone);
    },
    async lastChange() {
      return changes[changes.length - 1]?.n ?? 0;
    },
    async firstChange() {
      return changes[0]?.n ?? 0;
    },
    async pruneChanges(keepFrom) {
      const idx = changes.findIndex((c) => c.n >= keepFrom);
      changes.splice(0, idx === -1 ? changes.length : idx);
    },

    async loadRuleState() {
      return [...ruleState].map(([k, v]) => [k, clone(v)]);
    },
    async saveRuleState(puts, deletes) {
      for (const k of deletes) ruleState.delete(k);
      for (const [k, v] of puts) ruleState.set(k, clone(v));
    },

    async listRuleDefs() {
      return [...ruleDefs.values()].map(clone);
    },
    async putRuleDef(r) {
      ruleDefs.set(r.id, clone(r));
    },
    async deleteRuleDef(id) {
      return ruleDefs.delete(id);
    },

    async putWatchEntry(e) {
      watch.set(e.id, clone(e));
    },
    async listWatchEntries() {
      return [...watch.values()].map(clone);
    },
    async deleteWatchEntry(id) {
      return watch.delete(id);
    },

    async putDelivery(d) {
      deliveries.set(d.id, clone(d));
    },
    async listDeliveries(q) {
      return [...deliveries.values()]
        .filter((d) => !q.states || q.states.includes(d.state))
        .sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1))
        .slice(0, q.limit)
        .map(clone);
    },
    async pruneDeliveries(before) {
      for (const [id, d] of deliveries) if (d.state !== 'pending' && d.updated_at < before) deliveries.delete(id);
    },
  };
}
