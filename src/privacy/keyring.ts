/**
 * The keyring (SPEC §4.2, issue 3 §1): one random 32-byte epoch key per identifier class and period
 * (daily by default; Wi-Fi keys per site as well), kept wrapped by the master key with AES-256-GCM
 * (AAD = class|epoch|site) in the store's `kv` section, and destroyed once the longest retention of
 * its class has passed (crypto-shredding): from then on no pseudonym of that epoch can be recomputed.
 *
 * `keyFor` is synchronous (the pseudonymise stage runs per event), so every live key is unwrapped
 * into memory when the keyring opens; a key created on demand is persisted in the background
 * (`flush()` awaits it). `prepare(now)` creates the current and next epoch keys ahead of use, so the
 * hot path normally never creates one.
 *
 * Ingest does not rely on that: before it pseudonymises, the pipeline asks `ensure` for every key a
 * batch needs that is not live (an event time in an epoch nobody prepared, a new site's Wi-Fi key),
 * and waits until that key is stored — its own, or the one another node stored first. So no event
 * is ever pseudonymised with a key that then loses the insert-if-absent race to another node's and
 * is thrown away, which would leave pseudonyms nobody can compute again (docs/scale-out.md).
 */
import { randomBytes } from 'node:crypto';
import { aad, liveKey, open, sameRecord, seal, zeroKey, type LiveKey, type WrappedKey } from './key-wrap.js';
import type { IdentifierClass } from '../core/kinds.js';
import { IDENTIFIER_CLASSES } from '../core/kinds.js';
import type { Clock } from '../core/clock.js';
import { DAY } from '../core/clock.js';
import type { Config } from '../config/schema.js';
import type { KvStore } from '../store/store.js';
import { ParapetError } from '../core/errors.js';
import { deriveWrapKey } from './master-key.js';
import { normaliseIdentifier } from './normalise.js';
import { pseudonymOf, type EpochKey, type KeySource, type PseudonymContext } from './pseudonymiser.js';
import { keyRetentionMs } from './retention-policy.js';

export const KEY_PREFIX = 'keyring/key/';
export const VERIFIER_KEY = 'keyring/verifier';
const VERIFIER_PLAINTEXT = Buffer.from('parapet keyring verifier v1', 'utf8');

/** Reported to the audit log (SPEC §5.7: key creation and destruction are audited). */
export interface KeyEvent {
  readonly action: 'key.created' | 'key.destroyed';
  readonly idClass: IdentifierClass;
  readonly epoch: string;
  readonly site: string | null;
  /** Epoch ms. */
  readonly at: number;
}

/** What is known about one live key, without the key itself. */
export interface KeyInfo {
  readonly idClass: IdentifierClass;
  readonly epoch: string;
  readonly site: string | null;
  /** Epoch start and end, epoch ms ([start, end)). */
  readonly start: number;
  readonly end: number;
  readonly createdAt: number;
  /** When the key is destroyed under the current retention, epoch ms. */
  readonly destroyAt: number;
}

export interface KeyringOptions {
  readonly master: Buffer;
  readonly kv: KvStore;
  readonly clock: Clock;
  /** Retention settings decide when keys are destroyed; a shorter one applies to existing keys at open. */
  readonly config: Readonly<Config>;
  /** Epoch length, ms (daily by default, SPEC §4.2). */
  readonly epochMs?: number;
  /** Sites that need Wi-Fi keys ahead of use (those with a Wi-Fi sensor); read by `prepare`. */
  readonly macSites?: () => Iterable<string>;
  readonly onKeyEvent?: (e: KeyEvent) => void;
  /** A background persistence failure (the key stays usable in memory). */
  readonly onError?: (err: unknown) => void;
  /** Something worth an operator's attention that is not a failure (a key adopted from another writer). */
  readonly onWarning?: (message: string) => void;
}

/** `20261126` for daily epochs, `20261126T1000` for shorter ones. */
export function epochLabel(start: number, epochMs: number): string {
  const iso = new Date(start).toISOString();
  const day = iso.slice(0, 10).replaceAll('-', '');
  return epochMs % DAY === 0 ? day : `${day}T${iso.slice(11, 13)}${iso.slice(14, 16)}`;
}

const mismatch = (): ParapetError =>
  new ParapetError('invalid_config', 'the master key does not open the keyring in this data dir (wrong PARAPET_MASTER_KEY or key file?)');

function storageKey(idClass: IdentifierClass, start: number, site: string | null): string {
  // Zero-padded start so `list(prefix)` returns keys in time order.
  return `${KEY_PREFIX}${idClass}/${String(start).padStart(15, '0')}/${site ?? '-'}`;
}

export class Keyring implements KeySource {
  private readonly live = new Map<string, LiveKey>();
  private readonly pending = new Set<Promise<void>>();
  /** Keys being stored by `ensure`, by storage name. */
  private readonly ensuring = new Map<string, Promise<void>>();
  private readonly wrapKey: Buffer;
  /** Per class, how long a key outlives its epoch, ms (computed once: keyFor runs per event). */
  private readonly retention: Readonly<Record<IdentifierClass, number>>;
  readonly epochMs: number;

  private constructor(private readonly o: KeyringOptions) {
    this.wrapKey = deriveWrapKey(o.master);
    this.retention = { plate: keyRetentionMs('plate', o.config), credential: keyRetentionMs('credential', o.config), mac: keyRetentionMs('mac', o.config) };
    this.epochMs = o.epochMs ?? DAY;
    if (!Number.isInteger(this.epochMs) || this.epochMs < 60_000) throw new ParapetError('invalid_config', 'epoch length must be at least a minute');
  }

  /** Opens the keyring: checks the master key, unwraps every stored key, destroys what has expired. */
  static async open(o: KeyringOptions): Promise<Keyring> {
    const k = new Keyring(o);
    await k.checkVerifier();
    await k.reload();
    await k.destroyExpired();
    return k;
  }

  private async checkVerifier(): Promise<void> {
    const ad = Buffer.from('verifier', 'utf8');
    // Another process may write the verifier at the same moment (first start of two nodes); whichever
    // was stored first is checked.
    const stored = await this.o.kv.setIfAbsent<{ iv: string; tag: string; ct: string }>(VERIFIER_KEY, seal(this.wrapKey, VERIFIER_PLAINTEXT, ad));
    let plain: Buffer;
    try {
      plain = open(this.wrapKey, stored, ad);
    } catch {
      throw mismatch();
    }
    if (!plain.equals(VERIFIER_PLAINTEXT)) throw mismatch();
  }

  /** Loads keys written since open (another node sharing the store, SPEC §7). */
  async reload(): Promise<void> {
    for (const [name, rec] of await this.o.kv.list<WrappedKey>(KEY_PREFIX)) {
      if (this.live.has(name)) continue;
      let key: Buffer;
      try {
        key = open(this.wrapKey, rec, aad(rec.idClass, rec.epoch, rec.site));
      } catch {
        throw mismatch();
      }
      this.live.set(name, liveKey(rec, key));
    }
  }

  private retentionOf(idClass: IdentifierClass): number {
    return this.retention[idClass];
  }

  private info(rec: WrappedKey): KeyInfo {
    return {
      idClass: rec.idClass,
      epoch: rec.epoch,
      site: rec.site,
      start: rec.start,
      end: rec.end,
      createdAt: rec.created_at,
      destroyAt: rec.end + this.retentionOf(rec.idClass),
    };
  }

  private siteFor(idClass: IdentifierClass, site: string): string | null {
    return idClass === 'mac' ? site : null;
  }

  /** The last storage name built (most events of a batch share their class, epoch and site). */
  private last: { idClass: IdentifierClass; start: number; site: string | null; name: string } | null = null;

  private nameOf(idClass: IdentifierClass, start: number, site: string | null): string {
    const l = this.last;
    if (l !== null && l.start === start && l.idClass === idClass && l.site === site) return l.name;
    const name = storageKey(idClass, start, site);
    this.last = { idClass, start, site, name };
    return name;
  }

  /** The epoch start of ts for a class, or the reason no key may exist for it. */
  private epochOf(idClass: IdentifierClass, ts: number, now: number): number | ParapetError {
    const start = Math.floor(ts / this.epochMs) * this.epochMs;
    if (start + this.epochMs + this.retentionOf(idClass) <= now) {
      // Never re-create a destroyed key: that time is outside retention (SPEC §4.2).
      return new ParapetError('invalid_timestamp', `ts is outside the ${idClass} retention; its key is destroyed`);
    }
    if (start > now + this.epochMs) return new ParapetError('invalid_timestamp', 'ts is too far in the future');
    return start;
  }

  /**
   * Null when `keyFor(idClass, ctx)` can answer from memory now (or will refuse the time); else a
   * promise that settles once the key is live and stored: made here and stored if absent, or, when
   * another process stored one first, that one. Failures go to `onError` and settle the promise
   * (keyFor then makes the key on demand, as before).
   */
  ensure(idClass: IdentifierClass, ctx: PseudonymContext): Promise<void> | null {
    const now = this.o.clock.now();
    const start = this.epochOf(idClass, ctx.ts, now);
    if (typeof start !== 'number') return null;
    const site = this.siteFor(idClass, ctx.site);
    const name = this.nameOf(idClass, start, site);
    if (this.live.has(name)) return null;
    let p = this.ensuring.get(name);
    if (!p) {
      p = this.storeNew(name, idClass, start, site, now)
        .catch((err: unknown) => this.o.onError?.(err))
        .finally(() => this.ensuring.delete(name));
      this.ensuring.set(name, p);
    }
    return p;
  }

  private async storeNew(name: string, idClass: IdentifierClass, start: number, site: string | null, now: number): Promise<void> {
    const mine = this.make(idClass, start, site);
    const stored = await this.o.kv.setIfAbsent(name, mine.record);
    const won = sameRecord(stored, mine.record);
    const current = this.live.get(name);
    if (current && sameRecord(current.record, stored)) {
      // keyFor made and used a key meanwhile, and it is the stored one.
      zeroKey(mine);
      return;
    }
    this.live.set(name, won ? mine : liveKey(stored, this.unwrap(stored)));
    if (won) this.o.onKeyEvent?.({ action: 'key.created', idClass, epoch: mine.record.epoch, site, at: now });
    else zeroKey(mine);
  }

  private unwrap(w: WrappedKey): Buffer {
    try {
      return open(this.wrapKey, w, aad(w.idClass, w.epoch, w.site));
    } catch {
      throw mismatch();
    }
  }

  /** The key of (class, epoch of ts, site); created on first use. Throws once the epoch's retention is over. */
  keyFor(idClass: IdentifierClass, ctx: PseudonymContext): EpochKey {
    const now = this.o.clock.now();
    const start = this.epochOf(idClass, ctx.ts, now);
    if (typeof start !== 'number') throw start;
    const site = this.siteFor(idClass, ctx.site);
    const name = this.nameOf(idClass, start, site);
    const found = this.live.get(name);
    if (found) return found;
    const created = this.create(idClass, start, site, now);
    // Insert-if-absent: when another process (an offline CLI command, another node) stored a key for
    // this epoch first, that one is adopted, so every process pseudonymises the epoch alike. Keys are
    // made ahead by prepare(), so a key made here on demand is rare and used for milliseconds at most.
    const write = this.o.kv
      .setIfAbsent(name, created.record)
      .then((stored) => this.adopt(name, created, stored))
      .catch((err: unknown) => this.o.onError?.(err));
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
    return created;
  }

  /** A new random key for (class, epoch, site), wrapped; not yet live or stored. */
  private make(idClass: IdentifierClass, start: number, site: string | null): LiveKey {
    const epoch = epochLabel(start, this.epochMs);
    const key = randomBytes(32);
    const record: WrappedKey = {
      v: 1,
      idClass,
      epoch,
      site,
      start,
      end: start + this.epochMs,
      created_at: this.o.clock.now(),
      ...seal(this.wrapKey, key, aad(idClass, epoch, site)),
    };
    return liveKey(record, key);
  }

  private create(idClass: IdentifierClass, start: number, site: string | null, now: number): LiveKey {
    const live = this.make(idClass, start, site);
    this.live.set(storageKey(idClass, start, site), live);
    this.o.onKeyEvent?.({ action: 'key.created', idClass, epoch: live.record.epoch, site, at: now });
    return live;
  }

  /** Keeps the key the store holds for `name` when it is not the one this process made. */
  private adopt(name: string, mine: LiveKey, stored: WrappedKey): void {
    if (sameRecord(stored, mine.record)) return;
    const current = this.live.get(name);
    if (current && current !== mine && sameRecord(current.record, stored)) {
      zeroKey(mine);
      return;
    }
    this.live.set(name, liveKey(stored, this.unwrap(stored)));
    zeroKey(mine);
    this.o.onWarning?.(`epoch key ${name.slice(KEY_PREFIX.length)} was created by another process at the same time; its key is used from now on`);
  }

  /** Resolves when every key created so far is persisted. */
  async flush(): Promise<void> {
    await Promise.all([...this.pending, ...this.ensuring.values()]);
  }

  /**
   * Creates the current and next epoch keys ahead of use: for plates and credentials, and for the
   * Wi-Fi key of every site that already has one or is named by `macSites`. Persisted before this
   * resolves.
   */
  async prepare(now = this.o.clock.now()): Promise<void> {
    // Keys another process stored since open are used rather than made again.
    await this.reload();
    const macSites = new Set<string>(this.o.macSites?.() ?? []);
    for (const { record } of this.live.values()) if (record.idClass === 'mac' && record.site !== null) macSites.add(record.site);
    for (const ts of [now, now + this.epochMs]) {
      for (const idClass of IDENTIFIER_CLASSES) {
        if (idClass === 'mac') for (const site of macSites) this.keyFor('mac', { ts, site });
        else this.keyFor(idClass, { ts, site: '' });
      }
    }
    await this.flush();
  }

  /** Destroys (deletes and zeroes) every key whose class retention has passed; returns what was destroyed. */
  async destroyExpired(now = this.o.clock.now()): Promise<KeyInfo[]> {
    await this.flush();
    const destroyed: KeyInfo[] = [];
    for (const [name, live] of [...this.live]) {
      const info = this.info(live.record);
      if (info.destroyAt > now) continue;
      await this.o.kv.delete(name);
      this.live.delete(name);
      zeroKey(live);
      destroyed.push(info);
      this.o.onKeyEvent?.({ action: 'key.destroyed', idClass: info.idClass, epoch: info.epoch, site: info.site, at: now });
    }
    return destroyed;
  }

  /**
   * Zeroes and drops from memory every key whose class retention has passed, without touching the
   * store: an ingest node (config `node.role: ingest`) holds copies of keys the serving node
   * destroys and audits (destroyExpired), and must not keep them past that moment either.
   */
  forgetExpired(now = this.o.clock.now()): number {
    let n = 0;
    for (const [name, live] of [...this.live]) {
      if (this.info(live.record).destroyAt > now) continue;
      this.live.delete(name);
      zeroKey(live);
      n++;
    }
    return n;
  }

  /** Live keys, oldest first (for `parapet retention status` and the transparency report). */
  liveKeys(): KeyInfo[] {
    return [...this.live.values()].map((l) => this.info(l.record)).sort((a, b) => a.start - b.start || a.idClass.localeCompare(b.idClass));
  }

  /**
   * The pseudonyms of one raw value under every live epoch key of its class (watchlists and
   * investigations, SPEC §4.5–4.6); Wi-Fi keys of one site when `site` is given, else of all sites.
   * Keys past their retention are skipped even before the purge job has destroyed them; with
   * `range`, only epochs overlapping [from, to) are used.
   */
  pseudonymsFor(idClass: IdentifierClass, raw: string, site?: string, range?: { readonly from: number; readonly to: number }): string[] {
    const normalised = normaliseIdentifier(idClass, raw);
    if (normalised.length === 0) throw new ParapetError('invalid_field', `${idClass} is empty after normalisation`);
    const now = this.o.clock.now();
    const out: string[] = [];
    for (const { record, hmac } of this.live.values()) {
      if (record.idClass !== idClass) continue;
      if (site !== undefined && idClass === 'mac' && record.site !== site) continue;
      if (record.end + this.retentionOf(idClass) <= now) continue;
      if (range && (record.end <= range.from || record.start >= range.to)) continue;
      out.push(pseudonymOf(idClass, normalised, record.epoch, hmac));
    }
    return [...new Set(out)];
  }
}
