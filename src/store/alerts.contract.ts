/** The one contract suite of the alerts section, run against every adapter (STYLE §3). */
import { describe, expect, it } from 'vitest';
import type { AlertChange, AlertRecord, AlertStore, WebhookDelivery } from './alerts.js';

export function sampleAlert(over: Partial<AlertRecord> = {}): AlertRecord {
  return {
    id: 'a1',
    rule: 'door-forced',
    dedup_key: 'door-forced:acc-1:d1',
    severity: 'major',
    priority: 20,
    state: 'open',
    snoozed_until: null,
    title: 'Door forced',
    site: 'harbour',
    zone: 'gate',
    device: 'acc-1',
    first_seen: 1000,
    last_seen: 1000,
    opened_at: 1000,
    occurrences: 1,
    evidence: [{ seq: 1, id: 'e1' }],
    assignee: null,
    procedure: 'Send a guard.',
    comments: [],
    acknowledged_by: null,
    acknowledged_at: null,
    resolved_by: null,
    resolved_at: null,
    resolution: null,
    condition: 'active',
    escalation_level: 0,
    recipients: 'control-room',
    history: [{ at: 1000, by: 'system', action: 'opened', detail: null }],
    ...over,
  };
}

const change = (n: number, alert: AlertRecord): AlertChange => ({ n, at: 1000 + n, action: 'opened', alert });

export function runAlertStoreContract(name: string, make: () => Promise<{ store: AlertStore; close: () => Promise<void> }>): void {
  describe(`AlertStore contract: ${name}`, () => {
    const withStore = async (fn: (s: AlertStore) => Promise<void>): Promise<void> => {
      const { store, close } = await make();
      try {
        await fn(store);
      } finally {
        await close();
      }
    };

    it('commits alerts with their changes and reads them back', () =>
      withStore(async (s) => {
        const a = sampleAlert();
        await s.commit([{ alert: a, change: change(1, a) }]);
        expect(await s.getAlert('a1')).toEqual(a);
        expect(await s.getAlert('nope')).toBeNull();
        const b = { ...a, occurrences: 2, last_seen: 2000 };
        await s.commit([{ alert: b, change: change(2, b) }]);
        expect((await s.getAlert('a1'))?.occurrences).toBe(2);
        expect(await s.lastChange()).toBe(2);
        expect(await s.firstChange()).toBe(1);
        expect((await s.changesAfter(1, 10)).map((c) => c.n)).toEqual([2]);
        expect((await s.changesAfter(0, 10))[0]?.alert.occurrences).toBe(1);
      }));

    it('lists with filters, site scope and keyset paging, newest first', () =>
      withStore(async (s) => {
        const items = [
          sampleAlert({ id: 'a1', first_seen: 1, site: 'harbour', severity: 'major' }),
          sampleAlert({ id: 'a2', first_seen: 2, site: 'campus', severity: 'minor', dedup_key: 'k2' }),
          sampleAlert({ id: 'a3', first_seen: 3, site: 'harbour', state: 'resolved', rule: 'fire-alarm', device: 'f-1' }),
        ];
        await s.commit(items.map((a, i) => ({ alert: a, change: change(i + 1, a) })));
        const ids = async (q: Parameters<AlertStore['listAlerts']>[0]): Promise<string[]> => (await s.listAlerts(q)).map((a) => a.id);
        expect(await ids({ limit: 10 })).toEqual(['a3', 'a2', 'a1']);
        expect(await ids({ limit: 10, state: 'open' })).toEqual(['a2', 'a1']);
        expect(await ids({ limit: 10, severity: 'minor' })).toEqual(['a2']);
        expect(await ids({ limit: 10, site: 'harbour' })).toEqual(['a3', 'a1']);
        expect(await ids({ limit: 10, sites: ['campus'] })).toEqual(['a2']);
        expect(await ids({ limit: 10, sites: [] })).toEqual([]);
        expect(await ids({ limit: 10, device: 'f-1' })).toEqual(['a3']);
        expect(await ids({ limit: 10, rule: 'fire-alarm' })).toEqual(['a3']);
        expect(await ids({ limit: 1 })).toEqual(['a3']);
        expect(await ids({ limit: 10, before: { first_seen: 3, id: 'a3' } })).toEqual(['a2', 'a1']);
        expect((await s.unresolvedAlerts()).map((a) => a.id).sort()).toEqual(['a1', 'a2']);
      }));

    it('prunes old changes but keeps the rest in order', () =>
      withStore(async (s) => {
        const a = sampleAlert();
        await s.commit([1, 2, 3, 4].map((n) => ({ alert: { ...a, occurrences: n }, change: change(n, { ...a, occurrences: n }) })));
        await s.pruneChanges(3);
        expect(await s.firstChange()).toBe(3);
        expect((await s.changesAfter(0, 10)).map((c) => c.n)).toEqual([3, 4]);
        expect((await s.changesAfter(0, 1)).map((c) => c.n)).toEqual([3]);
      }));

    it('saves and deletes rule state', () =>
      withStore(async (s) => {
        await s.saveRuleState([['t:r1:k', { ts: [1, 2] }], ['a:r2:d', { last: 5 }]], []);
        await s.saveRuleState([['a:r2:d', { last: 6 }]], ['t:r1:k']);
        expect(await s.loadRuleState()).toEqual([['a:r2:d', { last: 6 }]]);
      }));

    it('keeps rule definitions, watchlist entries and deliveries', () =>
      withStore(async (s) => {
        await s.putRuleDef({ id: 'r1', def: { id: 'r1', type: 'match' }, updated_at: 5, updated_by: 'ann' });
        await s.putRuleDef({ id: 'r1', def: { id: 'r1', type: 'absence' }, updated_at: 6, updated_by: 'bob' });
        expect(await s.listRuleDefs()).toEqual([{ id: 'r1', def: { id: 'r1', type: 'absence' }, updated_at: 6, updated_by: 'bob' }]);
        expect(await s.deleteRuleDef('r1')).toBe(true);
        expect(await s.deleteRuleDef('r1')).toBe(false);

        const w = { id: 'w1', list: 'plates', expires_at: 99, created_at: 1, sealed: 'xyz' };
        await s.putWatchEntry(w);
        expect(await s.listWatchEntries()).toEqual([w]);
        expect(await s.deleteWatchEntry('w1')).toBe(true);
        expect(await s.listWatchEntries()).toEqual([]);

        const d = (id: string, state: WebhookDelivery['state'], created_at: number): WebhookDelivery => ({
          id, webhook: 'ops', change: 1, alert_id: 'a1', state, attempts: 1, last_error: null, next_at: null, created_at, updated_at: created_at, payload: '{}',
        });
        await s.putDelivery(d('d1', 'failed', 1));
        await s.putDelivery(d('d2', 'delivered', 2));
        await s.putDelivery(d('d3', 'pending', 3));
        expect((await s.listDeliveries({ limit: 10 })).map((x) => x.id)).toEqual(['d3', 'd2', 'd1']);
        expect((await s.listDeliveries({ limit: 10, states: ['failed'] })).map((x) => x.id)).toEqual(['d1']);
        await s.pruneDeliveries(10);
        expect((await s.listDeliveries({ limit: 10 })).map((x) => x.id)).toEqual(['d3']);
      }));
  });
}
