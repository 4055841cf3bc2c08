/**
 * Retention (SPEC §4.7, issue 3 §5): what expires when (`retentionPlan`, for `parapet retention
 * status`), the purge (`runPurge`, for `parapet retention run` and the scheduler) and the scheduler
 * the hub starts. Every run uses the configuration it is given, so a shortened retention applies to
 * data already stored at the next run. Raw events past retention are deleted; epoch keys past the
 * longest retention of their class are destroyed (crypto-shredding); aggregates keep their own,
 * longer retention. Each run is logged in `kv` (for the transparency report) and audited.
 */
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { DAY, HOUR, MINUTE } from '../core/clock.js';
import { CATALOGUE, IDENTIFIER_CLASSES, type IdentifierClass, type RetentionCategory } from '../core/kinds.js';
import type { EventStore, KvStore } from '../store/store.js';
import type { KeyInfo } from './keyring.js';
import type { AuditRecordInput } from '../audit/audit-log.js';
import { keyRetentionMs, retentionMsFor } from './retention-policy.js';

export const PURGE_LOG_PREFIX = 'purge/log/';

export interface KindRetention {
  readonly kind: string;
  readonly category: RetentionCategory;
  readonly retention_ms: number;
  /** Human form, e.g. "72 h". */
  readonly retention: string;
  /** Events of this kind older than this (epoch ms) are purged by a run now. */
  readonly cutoff: number;
}

export interface KeyClassRetention {
  readonly idClass: IdentifierClass;
  readonly retention_ms: number;
  readonly retention: string;
  readonly live_keys: number;
  /** The next key of this class to be destroyed, or null when none is live. */
  readonly next_destruction: { readonly epoch: string; readonly site: string | null; readonly at: number } | null;
}

export interface RetentionPlan {
  readonly at: number;
  readonly kinds: KindRetention[];
  readonly keys: KeyClassRetention[];
  readonly extra: Array<{ readonly name: string; readonly retention_ms: number; readonly retention: string; readonly cutoff: number }>;
}

/** A record kept by another feature that must follow retention too (e.g. watchlist hits, SPEC §4.7). */
export interface ExtraPurger {
  readonly name: string;
  retentionMs(config: Readonly<Config>): number;
  /** Deletes records older than `before`; returns how many. */
  purge(before: number): Promise<number>;
}

/** The keyring as the purge sees it. */
export interface PurgeKeyring {
  liveKeys(): KeyInfo[];
  destroyExpired(now?: number): Promise<KeyInfo[]>;
  /** Creates the next epoch keys ahead of use (keyring.prepare). */
  prepare?(now?: number): Promise<void>;
}

/** Days from a week up, else hours (SPEC §4.7 says "72 hours"), minutes, seconds. */
export function formatDuration(ms: number): string {
  if (ms % DAY === 0 && ms >= 7 * DAY) return `${ms / DAY} d`;
  if (ms % HOUR === 0) return `${ms / HOUR} h`;
  if (ms % MINUTE === 0) return `${ms / MINUTE} min`;
  return `${Math.round(ms / 1000)} s`;
}

export function retentionPlan(config: Readonly<Config>, now: number, keyring?: Pick<PurgeKeyring, 'liveKeys'>, extra: readonly ExtraPurger[] = []): RetentionPlan {
  const kinds = [...CATALOGUE.values()].map((spec) => {
    const ms = retentionMsFor(spec.retention, config);
    return { kind: spec.kind, category: spec.retention, retention_ms: ms, retention: formatDuration(ms), cutoff: now - ms };
  });
  const live = keyring?.liveKeys() ?? [];
  const keys = IDENTIFIER_CLASSES.map((idClass) => {
    const ms = keyRetentionMs(idClass, config);
    const mine = live.filter((k) => k.idClass === idClass).sort((a, b) => a.destroyAt - b.destroyAt);
    const next = mine[0];
    return {
      idClass,
      retention_ms: ms,
      retention: formatDuration(ms),
      live_keys: mine.length,
      next_destruction: next ? { epoch: next.epoch, site: next.site, at: next.destroyAt } : null,
    };
  });
  const extras = extra.map((x) => {
    const ms = x.retentionMs(config);
    return { name: x.name, retention_ms: ms, retention: formatDuration(ms), cutoff: now - ms };
  });
  return { at: now, kinds, keys, extra: extras };
}

export interface PurgeReport {
  readonly at: number;
  /** Deleted events per kind (kinds with none omitted), and per extra record type. */
  readonly deleted: Record<string, number>;
  readonly total: number;
  readonly keys_destroyed: Array<{ readonly idClass: IdentifierClass; readonly epoch: string; readonly site: string | null }>;
}

export interface PurgeDeps {
  readonly config: Readonly<Config>;
  readonly clock: Clock;
  readonly store: { readonly events: Pick<EventStore, 'purge'>; readonly kv: KvStore };
  readonly keyring?: PurgeKeyring;
  readonly extra?: readonly ExtraPurger[];
  /** Every run is reported (audit log, SPEC §5.7: purges are audited). */
  readonly onPurge?: (r: PurgeReport) => void | Promise<void>;
}

/** One purge run: events past retention, extra records, expired keys; logged and reported. */
export async function runPurge(deps: PurgeDeps): Promise<PurgeReport> {
  const now = deps.clock.now();
  const plan = retentionPlan(deps.config, now, undefined, deps.extra);
  const deleted: Record<string, number> = {};
  for (const k of plan.kinds) {
    // One call per kind, so the report (and the transparency report) can say what was purged.
    const n = await deps.store.events.purge([k.kind], k.cutoff);
    if (n > 0) deleted[k.kind] = n;
  }
  for (const x of deps.extra ?? []) {
    const n = await x.purge(now - x.retentionMs(deps.config));
    if (n > 0) deleted[x.name] = (deleted[x.name] ?? 0) + n;
  }
  const destroyed = deps.keyring ? await deps.keyring.destroyExpired(now) : [];
  const report: PurgeReport = {
    at: now,
    deleted,
    total: Object.values(deleted).reduce((a, b) => a + b, 0),
    keys_destroyed: destroyed.map((k) => ({ idClass: k.idClass, epoch: k.epoch, site: k.site })),
  };
  await deps.store.kv.set(`${PURGE_LOG_PREFIX}${String(now).padStart(15, '0')}`, report);
  await prunePurgeLog(deps.store.kv, now - deps.config.privacy.retention.system_days * DAY);
  await deps.onPurge?.(report);
  return report;
}

/** The audit entry of a purge run (SPEC §5.7: purges are audited). */
export function purgeAudit(r: PurgeReport, actor = 'system'): AuditRecordInput {
  return {
    actor,
    action: 'retention.purge',
    target: null,
    outcome: 'success',
    detail: { deleted: r.deleted, total: r.total, keys_destroyed: r.keys_destroyed.map((k) => `${k.idClass}/${k.epoch}${k.site === null ? '' : `/${k.site}`}`) },
  };
}

async function prunePurgeLog(kv: KvStore, before: number): Promise<void> {
  for (const [key, r] of await kv.list<PurgeReport>(PURGE_LOG_PREFIX)) if (r.at < before) await kv.delete(key);
}

/** Purge runs whose time falls in [from, to) (transparency report, SPEC §4.8). */
export async function purgeLog(kv: KvStore, from: number, to: number): Promise<PurgeReport[]> {
  return (await kv.list<PurgeReport>(PURGE_LOG_PREFIX)).map(([, r]) => r).filter((r) => r.at >= from && r.at < to);
}

export interface PurgeScheduler {
  /** Runs a purge now unless one is running (then resolves with that run's report). */
  runNow(): Promise<PurgeReport>;
  stop(): Promise<void>;
}

/**
 * Runs the purge at start and every `purge_interval_s` (config), and prepares the next epoch keys.
 * The timer does not keep the process alive; a failing run is reported and retried next tick.
 */
export function startPurgeScheduler(deps: PurgeDeps & { readonly onError: (err: unknown) => void }): PurgeScheduler {
  let running: Promise<PurgeReport> | null = null;
  const runNow = (): Promise<PurgeReport> => {
    if (running) return running;
    running = (async () => {
      try {
        const report = await runPurge(deps);
        await deps.keyring?.prepare?.(deps.clock.now());
        return report;
      } finally {
        running = null;
      }
    })();
    return running;
  };
  const tick = (): void => {
    runNow().catch(deps.onError);
  };
  tick();
  const timer = setInterval(tick, deps.config.privacy.retention.purge_interval_s * 1000);
  timer.unref();
  return {
    runNow,
    async stop() {
      clearInterval(timer);
      if (running) await running.catch(() => undefined);
    },
  };
}
