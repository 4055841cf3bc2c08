/**
 * Watchlists of plates and credentials (SPEC §4.6, issue 4 §5). Entries are stored sealed
 * (watchlist-crypto.ts), each with a label, a reason, a legal basis and a mandatory expiry. The raw
 * value lives only in memory, to compute its pseudonyms under every live key epoch (the keyring's
 * `pseudonymsFor`); events are matched by pseudonym, so a read that hits nothing leaves no trace.
 * An expired entry stops matching at once and is purged by `tick()`. Every change is reported to
 * the audit callback; hits too (the transparency report counts them, SPEC §4.8). Responses never
 * carry the value: only id, label, reason, legal basis and dates.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { ParapetError } from '../core/errors.js';
import type { AlertStore, SealedWatchEntry } from '../store/alerts.js';
import type { WatchHit, WatchMatcher } from './kinds/compiled.js';
import type { WatchlistName } from './rule-schema.js';
import { checkKey, open, seal } from './watchlist-crypto.js';

export const LIST_ID_CLASS = { plates: 'plate', credentials: 'credential' } as const;
export type WatchIdClass = (typeof LIST_ID_CLASS)[WatchlistName];

/** The keyring's pseudonyms of one raw identifier under every live epoch (src/privacy/keyring.ts). */
export type PseudonymsFor = (idClass: WatchIdClass, raw: string) => string[];

export interface WatchAuditEvent {
  readonly action: 'watchlist.add' | 'watchlist.remove' | 'watchlist.expire' | 'watchlist.hit';
  readonly actor: string;
  readonly list: WatchlistName;
  readonly entry: string;
  readonly label: string;
  readonly at: number;
  /** For hits: the device that read it. Never the identifier. */
  readonly detail: string | null;
}

export type WatchAudit = (e: WatchAuditEvent) => void | Promise<void>;

export interface WatchEntryInput {
  readonly value: string;
  readonly label: string;
  readonly reason: string;
  readonly legal_basis: string;
  /** Epoch ms; mandatory (SPEC §4.6). */
  readonly expires_at: number;
}

/** What leaves the service: no value. */
export interface WatchEntryView {
  readonly id: string;
  readonly list: WatchlistName;
  readonly label: string;
  readonly reason: string;
  readonly legal_basis: string;
  readonly expires_at: string;
  readonly created_at: string;
  readonly created_by: string;
}

interface Plain {
  readonly value: string;
  readonly label: string;
  readonly reason: string;
  readonly legal_basis: string;
  readonly created_by: string;
}

interface Live extends Plain {
  readonly id: string;
  readonly list: WatchlistName;
  readonly expires_at: number;
  readonly created_at: number;
}

export interface WatchlistOptions {
  readonly store: Pick<AlertStore, 'putWatchEntry' | 'listWatchEntries' | 'deleteWatchEntry'>;
  readonly clock: Clock;
  /** AES-256 key for entries at rest (32 bytes), derived by the hub from the master key. */
  readonly key: Buffer;
  readonly pseudonymsFor: PseudonymsFor;
  readonly audit: WatchAudit;
  /** Longest allowed expiry from now, ms (default 365 days). */
  readonly maxExpiryMs?: number;
  readonly onError?: (msg: string, err: unknown) => void;
}

/** How often pseudonyms are recomputed without a change, ms (new and destroyed key epochs). */
const REFRESH_MS = 3_600_000;

const isList = (s: string): s is WatchlistName => s === 'plates' || s === 'credentials';
const squash = (s: string): string => s.normalize('NFKC').toUpperCase().replace(/[^\p{L}\p{N}]/gu, '');

export function parseList(s: string): WatchlistName {
  if (!isList(s)) throw new ParapetError('not_found', `no watchlist ${s}; lists are plates and credentials`);
  return s;
}

export class Watchlists implements WatchMatcher {
  private readonly entries = new Map<string, Live>();
  private index = new Map<string, string>();
  /** Pseudonym prefixes (class and epoch) the index covers, and those already tried. */
  private covered = new Set<string>();
  private readonly tried = new Set<string>();
  private readonly maxExpiryMs: number;
  private rebuiltAt = 0;

  constructor(private readonly o: WatchlistOptions) {
    checkKey(o.key);
    this.maxExpiryMs = o.maxExpiryMs ?? 365 * 86_400_000;
  }

  async load(): Promise<void> {
    this.entries.clear();
    for (const s of await this.o.store.listWatchEntries()) {
      if (!isList(s.list)) continue;
      try {
        const p = open(this.o.key, s, s.sealed) as Plain;
        this.entries.set(s.id, { ...p, id: s.id, list: s.list, expires_at: s.expires_at, created_at: s.created_at });
      } catch (err) {
        this.o.onError?.(`watchlist entry ${s.id} cannot be opened (wrong key or altered); it is ignored`, err);
      }
    }
    this.rebuild();
  }

  list(list: WatchlistName): WatchEntryView[] {
    const now = this.o.clock.now();
    return [...this.entries.values()]
      .filter((e) => e.list === list && e.expires_at > now)
      .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1))
      .map(view);
  }

  async add(list: WatchlistName, input: WatchEntryInput, actor: string): Promise<WatchEntryView> {
    const now = this.o.clock.now();
    if (!(input.expires_at > now)) throw new ParapetError('unprocessable', 'expires_at must be in the future');
    if (input.expires_at > now + this.maxExpiryMs) throw new ParapetError('unprocessable', `expires_at may be at most ${Math.round(this.maxExpiryMs / 86_400_000)} days ahead`);
    const v = squash(input.value);
    if (v.length >= 3 && squash(input.label).includes(v)) throw new ParapetError('unprocessable', 'the label must not contain the identifier itself (SPEC §4): it is shown to operators and sent in alerts');
    // Throws invalid_field when the value normalises to nothing (never echoing it). No pseudonym
    // yet is fine: epoch keys are made on first use, and the first read under one rebuilds the index.
    this.o.pseudonymsFor(LIST_ID_CLASS[list], input.value);
    const entry: Live = {
      id: randomUUID(),
      list,
      value: input.value,
      label: input.label,
      reason: input.reason,
      legal_basis: input.legal_basis,
      created_by: actor,
      expires_at: input.expires_at,
      created_at: now,
    };
    const plain: Plain = { value: entry.value, label: entry.label, reason: entry.reason, legal_basis: entry.legal_basis, created_by: actor };
    const sealed: SealedWatchEntry = { id: entry.id, list, expires_at: entry.expires_at, created_at: now, sealed: seal(this.o.key, entry, plain) };
    await this.o.store.putWatchEntry(sealed);
    this.entries.set(entry.id, entry);
    this.rebuild();
    await this.o.audit({ action: 'watchlist.add', actor, list, entry: entry.id, label: entry.label, at: now, detail: `reason: ${entry.reason}; legal basis: ${entry.legal_basis}; expires ${new Date(entry.expires_at).toISOString()}` });
    return view(entry);
  }

  async remove(list: WatchlistName, id: string, actor: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e || e.list !== list) throw new ParapetError('not_found', `no entry ${id} in ${list}`);
    await this.o.store.deleteWatchEntry(id);
    this.entries.delete(id);
    this.rebuild();
    await this.o.audit({ action: 'watchlist.remove', actor, list, entry: id, label: e.label, at: this.o.clock.now(), detail: null });
  }

  /** Purges expired entries (audited) and refreshes pseudonyms for new or destroyed key epochs. */
  async tick(): Promise<void> {
    const now = this.o.clock.now();
    const expired = [...this.entries.values()].filter((e) => e.expires_at <= now);
    for (const e of expired) {
      await this.o.store.deleteWatchEntry(e.id);
      this.entries.delete(e.id);
      await this.o.audit({ action: 'watchlist.expire', actor: 'system', list: e.list, entry: e.id, label: e.label, at: now, detail: null });
    }
    // Destroyed epochs (crypto-shredding) drop out of the index at the next periodic rebuild.
    if (expired.length || now - this.rebuiltAt >= REFRESH_MS) this.rebuild();
  }

  /** WatchMatcher: the engine's hot path — one map look-up per read. */
  match(list: WatchlistName, pseudonym: string, _at: number): WatchHit | null {
    if (this.entries.size === 0) return null;
    let id = this.index.get(pseudonym);
    if (id === undefined) {
      // A pseudonym under an epoch the index has not seen (a new day's key): rebuild once for it.
      const prefix = pseudonym.slice(0, Math.max(0, pseudonym.lastIndexOf(':')));
      if (this.covered.has(prefix) || this.tried.has(prefix)) return null;
      this.tried.add(prefix);
      this.rebuild();
      id = this.index.get(pseudonym);
      if (id === undefined) return null;
    }
    const e = this.entries.get(id);
    // Expired entries stop matching at once, before the purge gets to them.
    if (!e || e.list !== list || e.expires_at <= this.o.clock.now()) return null;
    void Promise.resolve(this.o.audit({ action: 'watchlist.hit', actor: 'system', list, entry: e.id, label: e.label, at: this.o.clock.now(), detail: null })).catch((err: unknown) =>
      this.o.onError?.('watchlist hit audit failed', err),
    );
    return { id: e.id, label: e.label };
  }

  private rebuild(): void {
    const index = new Map<string, string>();
    const covered = new Set<string>();
    const now = this.o.clock.now();
    this.rebuiltAt = now;
    for (const e of this.entries.values()) {
      if (e.expires_at <= now) continue;
      let ps: string[];
      try {
        ps = this.o.pseudonymsFor(LIST_ID_CLASS[e.list], e.value);
      } catch (err) {
        this.o.onError?.(`watchlist entry ${e.id} has no pseudonym`, err);
        continue;
      }
      for (const p of ps) {
        index.set(p, e.id);
        covered.add(p.slice(0, Math.max(0, p.lastIndexOf(':'))));
      }
    }
    this.index = index;
    this.covered = covered;
  }
}

function view(e: Live): WatchEntryView {
  return {
    id: e.id,
    list: e.list,
    label: e.label,
    reason: e.reason,
    legal_basis: e.legal_basis,
    expires_at: new Date(e.expires_at).toISOString(),
    created_at: new Date(e.created_at).toISOString(),
    created_by: e.created_by,
  };
}
