/**
 * Investigations (SPEC §4.5, issue 3 §6): looking up where one plate, credential or MAC was seen.
 * Investigator role, a case id and a reason, within retention only, and dual control: a request is
 * created pending; a DIFFERENT person holding the investigator or admin role approves it; only then
 * may the requester fetch the results, for a limited window. Every step is audited.
 *
 * The raw value lives only in the memory of the request call: it is turned at once into its
 * pseudonyms under the live epoch keys overlapping the period, and only those are kept (in `kv`).
 */
import { randomBytes } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import type { AuditRecordInput } from '../audit/audit-log.js';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { DAY, MINUTE } from '../core/clock.js';
import { ParapetError } from '../core/errors.js';
import type { StoredEvent } from '../core/event.js';
import type { IdentifierClass } from '../core/kinds.js';
import type { EventStore, KvStore } from '../store/store.js';
import type { Keyring } from './keyring.js';
import type { ExtraPurger } from './retention.js';
import { formatDuration } from './retention.js';
import { identifierDataRetentionMs, kindsWithIdentifier } from './retention-policy.js';

export const INVESTIGATION_PREFIX = 'investigation/';
/** An undecided request lapses after this long (its pseudonyms are then dropped by the purge). */
export const PENDING_TTL_MS = 30 * DAY;

export type InvestigationState = 'pending' | 'approved' | 'rejected';

export interface SightingsRequest {
  readonly class: IdentifierClass;
  /** The raw identifier: used once, never stored, logged or returned. */
  readonly value: string;
  readonly case_id: string;
  readonly reason: string;
  /** Period, epoch ms, [from, to). */
  readonly from: number;
  readonly to: number;
}

interface PersonRef {
  readonly id: string;
  readonly name: string;
  readonly kind: Principal['kind'];
}

/** The stored record: pseudonyms only (cleared once the results window ends). */
export interface InvestigationRecord {
  readonly v: 1;
  readonly id: string;
  readonly class: IdentifierClass;
  readonly case_id: string;
  readonly reason: string;
  readonly from: number;
  readonly to: number;
  readonly requester: PersonRef;
  /** The requester's site scope at request time; results never reach beyond it. */
  readonly sites: readonly string[];
  readonly created_at: number;
  readonly state: InvestigationState;
  readonly decided_by: PersonRef | null;
  readonly decided_at: number | null;
  readonly decision_note: string | null;
  readonly results_until: number | null;
  readonly pseudonyms: readonly string[];
  readonly results_viewed: number;
}

/** What the API shows: never the pseudonyms, never the value. */
export interface InvestigationView {
  readonly id: string;
  readonly class: IdentifierClass;
  readonly case_id: string;
  readonly reason: string;
  readonly from: string;
  readonly to: string;
  readonly state: InvestigationState;
  readonly requested_by: string;
  readonly requested_at: string;
  readonly decided_by: string | null;
  readonly decided_at: string | null;
  readonly decision_note: string | null;
  readonly results_until: string | null;
  readonly results_viewed: number;
}

export interface SightingsResult {
  readonly investigation: InvestigationView;
  readonly events: StoredEvent[];
  /** True when more matched than `maxResults`. */
  readonly truncated: boolean;
}

/** Where every step goes (the audit log's `record`); awaited, so a failed write fails the step. */
export type AuditSink = (e: AuditRecordInput) => unknown;

export interface InvestigationServiceOptions {
  readonly kv: KvStore;
  readonly events: Pick<EventStore, 'query'>;
  readonly keyring: Pick<Keyring, 'pseudonymsFor'>;
  readonly clock: Clock;
  readonly config: Readonly<Config>;
  readonly audit?: AuditSink;
  /** How long approved results can be fetched, ms (default 7 days). */
  readonly resultsWindowMs?: number;
  /** Most events returned by one results call (default 1000). */
  readonly maxResults?: number;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const ref = (p: Principal): PersonRef => ({ id: p.id, name: p.name, kind: p.kind });
/** Dual control: a second PERSON — neither the same principal nor another credential of the same name. */
const samePerson = (a: PersonRef, b: Principal): boolean => a.id === b.id || a.name === b.name;
/** An approver must see every site the request can reach (SPEC §5.3). */
const covers = (approver: Principal, sites: readonly string[]): boolean =>
  approver.sites.length === 0 || (sites.length > 0 && sites.every((s) => approver.sites.includes(s)));

export function toView(r: InvestigationRecord): InvestigationView {
  return {
    id: r.id,
    class: r.class,
    case_id: r.case_id,
    reason: r.reason,
    from: new Date(r.from).toISOString(),
    to: new Date(r.to).toISOString(),
    state: r.state,
    requested_by: r.requester.name,
    requested_at: new Date(r.created_at).toISOString(),
    decided_by: r.decided_by?.name ?? null,
    decided_at: iso(r.decided_at),
    decision_note: r.decision_note,
    results_until: iso(r.results_until),
    results_viewed: r.results_viewed,
  };
}

export class InvestigationService {
  private readonly resultsWindowMs: number;
  private readonly maxResults: number;

  constructor(private readonly o: InvestigationServiceOptions) {
    this.resultsWindowMs = o.resultsWindowMs ?? 7 * DAY;
    this.maxResults = o.maxResults ?? 1000;
  }

  /** `sites`: the request's (SPEC §5.3); by default the actor's, which a new request takes as its own. */
  private async audit(
    actor: Principal,
    action: string,
    target: string | null,
    outcome: AuditRecordInput['outcome'],
    detail: Record<string, unknown>,
    sites: readonly string[] = actor.sites,
  ): Promise<void> {
    await this.o.audit?.({ actor, action: `investigation.${action}`, target, outcome, detail, sites });
  }

  private async load(id: string): Promise<InvestigationRecord> {
    const r = /^inv_[A-Za-z0-9_-]{1,32}$/.test(id) ? await this.o.kv.get<InvestigationRecord>(INVESTIGATION_PREFIX + id) : null;
    if (r === null) throw new ParapetError('not_found', 'no such investigation');
    return r;
  }

  private async save(r: InvestigationRecord): Promise<void> {
    await this.o.kv.set(INVESTIGATION_PREFIX + r.id, r);
  }

  /** Creates a request (pending under dual control). The value is pseudonymised here and forgotten. */
  async request(p: Principal, input: SightingsRequest): Promise<InvestigationView> {
    const now = this.o.clock.now();
    const retention = identifierDataRetentionMs(input.class, this.o.config);
    const earliest = now - retention;
    if (!(input.to > input.from)) throw new ParapetError('invalid_query', 'to must be after from');
    if (input.to > now + MINUTE) throw new ParapetError('unprocessable', 'an investigation looks at the past only; to must not be in the future');
    if (input.from < earliest) {
      await this.audit(p, 'request', null, 'denied', { case_id: input.case_id, class: input.class, reason: 'outside retention' });
      throw new ParapetError(
        'unprocessable',
        `from is outside the retention of ${input.class} data (${formatDuration(retention)}); the earliest possible is ${new Date(earliest).toISOString()}`,
      );
    }
    const range = { from: input.from, to: input.to };
    const sites = p.sites;
    const pseudonyms =
      input.class === 'mac' && sites.length > 0
        ? sites.flatMap((s) => this.o.keyring.pseudonymsFor('mac', input.value, s, range))
        : this.o.keyring.pseudonymsFor(input.class, input.value, undefined, range);
    const dual = this.o.config.privacy.dual_control;
    const record: InvestigationRecord = {
      v: 1,
      id: `inv_${randomBytes(12).toString('base64url')}`,
      class: input.class,
      case_id: input.case_id,
      reason: input.reason,
      from: input.from,
      to: input.to,
      requester: ref(p),
      sites: [...sites],
      created_at: now,
      state: dual ? 'pending' : 'approved',
      decided_by: dual ? null : ref(p),
      decided_at: dual ? null : now,
      decision_note: dual ? null : 'dual control is switched off (privacy.dual_control)',
      results_until: dual ? null : now + this.resultsWindowMs,
      pseudonyms: [...new Set(pseudonyms)],
      results_viewed: 0,
    };
    await this.save(record);
    await this.audit(p, 'request', record.id, 'success', {
      case_id: record.case_id,
      reason: record.reason,
      class: record.class,
      from: toView(record).from,
      to: toView(record).to,
      epochs: record.pseudonyms.length,
      dual_control: dual,
    });
    return toView(record);
  }

  /** Own requests, plus every request the caller could approve (investigator or admin within scope). */
  async list(p: Principal, state?: InvestigationState): Promise<InvestigationView[]> {
    const approver = p.role === 'investigator' || p.role === 'admin';
    const all = (await this.o.kv.list<InvestigationRecord>(INVESTIGATION_PREFIX)).map(([, r]) => r);
    return all
      .filter((r) => r.requester.id === p.id || (approver && covers(p, r.sites)))
      .filter((r) => state === undefined || r.state === state)
      .sort((a, b) => b.created_at - a.created_at)
      .map(toView);
  }

  async get(p: Principal, id: string): Promise<InvestigationView> {
    const r = await this.load(id);
    if (r.requester.id !== p.id && !covers(p, r.sites)) throw new ParapetError('not_found', 'no such investigation');
    return toView(r);
  }

  /** The second person's decision. The requester can never decide their own request. */
  async decide(p: Principal, id: string, approve: boolean, note: string | null): Promise<InvestigationView> {
    const r = await this.load(id);
    if (!covers(p, r.sites)) throw new ParapetError('not_found', 'no such investigation');
    const action = approve ? 'approve' : 'reject';
    if (samePerson(r.requester, p)) {
      await this.audit(p, action, r.id, 'denied', { case_id: r.case_id, reason: 'requester cannot decide their own request' }, r.sites);
      throw new ParapetError('forbidden', 'dual control: a second person must decide this request (SPEC §4.5)');
    }
    if (r.state !== 'pending') throw new ParapetError('conflict', `the request is already ${r.state}`);
    const now = this.o.clock.now();
    if (now - r.created_at >= PENDING_TTL_MS) throw new ParapetError('conflict', 'the request expired undecided; file a new request');
    const decided: InvestigationRecord = {
      ...r,
      state: approve ? 'approved' : 'rejected',
      decided_by: ref(p),
      decided_at: now,
      decision_note: note,
      results_until: approve ? now + this.resultsWindowMs : null,
      pseudonyms: approve ? r.pseudonyms : [],
    };
    await this.save(decided);
    await this.audit(p, action, r.id, 'success', { case_id: r.case_id, requester: r.requester.name, note }, r.sites);
    return toView(decided);
  }

  /** The sightings, for the requester only, once approved and while the results window is open. */
  async results(p: Principal, id: string): Promise<SightingsResult> {
    const r = await this.load(id);
    if (r.requester.id !== p.id) {
      if (!covers(p, r.sites)) throw new ParapetError('not_found', 'no such investigation');
      await this.audit(p, 'results', r.id, 'denied', { case_id: r.case_id, reason: 'not the requester' }, r.sites);
      throw new ParapetError('forbidden', 'only the investigator who filed the request may see its results');
    }
    const now = this.o.clock.now();
    const refuse = async (why: string): Promise<never> => {
      await this.audit(p, 'results', r.id, 'denied', { case_id: r.case_id, reason: why }, r.sites);
      throw new ParapetError('conflict', why);
    };
    if (r.state === 'pending') return refuse('the request awaits approval by a second person');
    if (r.state === 'rejected') return refuse('the request was rejected');
    if (r.results_until === null || now >= r.results_until) return refuse('the results window of this request has ended; file a new request');

    const { events, truncated } = await this.search(r);
    await this.save({ ...r, results_viewed: r.results_viewed + 1 });
    await this.audit(p, 'results', r.id, 'success', { case_id: r.case_id, results: events.length, truncated }, r.sites);
    return { investigation: toView({ ...r, results_viewed: r.results_viewed + 1 }), events, truncated };
  }

  private async search(r: InvestigationRecord): Promise<{ events: StoredEvent[]; truncated: boolean }> {
    const wanted = new Set(r.pseudonyms);
    const out: StoredEvent[] = [];
    if (wanted.size === 0) return { events: out, truncated: false };
    for (const { kind, field } of kindsWithIdentifier(r.class)) {
      let after: { ts: number; seq: number } | undefined;
      for (;;) {
        const page = await this.o.events.query({
          kind,
          from: r.from,
          to: r.to,
          ...(r.sites.length > 0 ? { sites: r.sites } : {}),
          limit: 500,
          order: 'asc',
          ...(after ? { after } : {}),
        });
        for (const e of page.events) {
          if (!wanted.has(e.data[field] as string)) continue;
          if (out.length === this.maxResults) return { events: out, truncated: true };
          out.push(e);
        }
        if (page.next === null) break;
        after = page.next;
      }
    }
    out.sort((a, b) => a.ts.localeCompare(b.ts) || a.seq - b.seq);
    return { events: out, truncated: false };
  }

  /** Counts for the transparency report (SPEC §4.8): requests filed in [from, to) and their outcome. */
  async summary(from: number, to: number): Promise<{ requested: number; approved: number; rejected: number; pending: number; by_class: Record<string, number> }> {
    const rs = (await this.o.kv.list<InvestigationRecord>(INVESTIGATION_PREFIX)).map(([, r]) => r).filter((r) => r.created_at >= from && r.created_at < to);
    const by_class: Record<string, number> = {};
    for (const r of rs) by_class[r.class] = (by_class[r.class] ?? 0) + 1;
    const n = (s: InvestigationState): number => rs.filter((r) => r.state === s).length;
    return { requested: rs.length, approved: n('approved'), rejected: n('rejected'), pending: n('pending'), by_class };
  }

  /**
   * Retention of investigation records: pseudonyms are dropped when the results window ends (or
   * when an undecided request lapses), records themselves after the system retention.
   */
  purger(): ExtraPurger {
    return {
      name: 'investigations',
      retentionMs: (c) => c.privacy.retention.system_days * DAY,
      purge: async (before) => {
        const now = this.o.clock.now();
        let deleted = 0;
        for (const [key, r] of await this.o.kv.list<InvestigationRecord>(INVESTIGATION_PREFIX)) {
          if (r.created_at < before) {
            await this.o.kv.delete(key);
            deleted++;
            continue;
          }
          const closed = (r.results_until !== null && now >= r.results_until) || (r.state === 'pending' && now - r.created_at >= PENDING_TTL_MS);
          if (closed && r.pseudonyms.length > 0) await this.o.kv.set(key, { ...r, pseudonyms: [] });
        }
        return deleted;
      },
    };
  }
}
