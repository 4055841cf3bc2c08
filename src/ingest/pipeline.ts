/**
 * The ingest pipeline (STYLE §6, ARCHITECTURE.md): every transport hands it `IngestInput`s; each
 * item goes through the named stages and carries its own result, so valid members of a batch
 * survive rejected ones. Stages, in order:
 *   decode (transport) → refuse-prohibited → validate → resolve-device → [wait for any epoch key
 *   not yet stored: rare, keyring.ts `ensure`] → pseudonymise/enrich → dedupe (within the batch;
 *   across batches in the store) → append (group commit).
 */
import type { Clock } from '../core/clock.js';
import { ParapetError, type ErrorCode } from '../core/errors.js';
import { sealSafeEvent, type IngestInput, type RawEvent, type SafeEvent } from '../core/event.js';
import type { Device } from '../core/device.js';
import type { Bus, StoredSafeEvent } from '../bus/bus.js';
import type { Principal } from '../auth/principal.js';
import type { Pseudonymiser } from '../privacy/pseudonymiser.js';
import type { EventStore } from '../store/store.js';
import type { DeviceRegistry, StatusChange } from '../registry/registry.js';
import { refuseProhibited } from './stages/refuse-prohibited.js';
import { validateItem } from './stages/validate.js';
import { resolveDevice } from './stages/resolve-device.js';
import { keysPending, pseudonymiseEvent } from './stages/pseudonymise.js';
import { Committer } from './stages/append.js';
import { IngestMetrics } from './metrics.js';
import { unknownWriteFailure } from '../store/write-failure.js';

export interface IngestRejection {
  readonly index: number;
  readonly error: ErrorCode;
  readonly detail: string;
}

export interface IngestOutcome {
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: IngestRejection[];
  /** Per input: its seq, 'duplicate', or null when rejected or accepted without storage (diverted). */
  readonly seqs: Array<number | 'duplicate' | null>;
}

export interface IngestContext {
  readonly principal: Principal;
}

export interface PipelineOptions {
  readonly clock: Clock;
  readonly store: EventStore;
  readonly bus: Bus;
  readonly registry: DeviceRegistry;
  readonly pseudonymiser: Pseudonymiser;
  readonly maxFutureMs: number;
  readonly retentionByKind: ReadonlyMap<string, number>;
  readonly commitBatch: number;
  readonly commitDelayMs: number;
  /** Store appends outstanding at once (stages/append.ts). */
  readonly commitInFlight: number;
  readonly onError: (where: string, err: unknown) => void;
  /**
   * Takes an accepted event out of storage (true = consumed): counts-only Wi-Fi sightings are
   * aggregated in memory and never written (SPEC §4.4). The device still counts as seen.
   */
  readonly divert?: (e: SafeEvent) => boolean;
  /** A prohibited attribute was refused (SPEC §4.3, §5.7: policy violations are audited). */
  readonly onViolation?: (v: { readonly device: string | null; readonly field: string; readonly principal: Principal }) => void;
}

export interface IngestPipeline {
  ingest(inputs: readonly IngestInput[], ctx: IngestContext): Promise<IngestOutcome>;
  /** Records hub-made events (device.status, policy.violation) through the same commit path. */
  record(events: readonly SafeEvent[]): Promise<void>;
  drain(): Promise<void>;
  readonly metrics: IngestMetrics;
}

export function createPipeline(o: PipelineOptions): IngestPipeline {
  const metrics = new IngestMetrics();
  const committer = new Committer(
    o.store,
    {
      liveness: (events) => o.registry.livenessFor(events),
      committed: async (events, results, liveness) => {
        const stored: StoredSafeEvent[] = [];
        for (let i = 0; i < events.length; i++) {
          const r = results[i];
          const e = events[i];
          if (typeof r === 'number' && e) stored.push({ seq: r, event: e });
        }
        try {
          await o.registry.committed(liveness);
          if (stored.length) await o.bus.publish('events.stored', stored);
        } catch (err) {
          o.onError('after-commit', err);
        }
      },
      abandoned: (liveness) => o.registry.abandoned(liveness),
    },
    { maxBatch: o.commitBatch, delayMs: o.commitDelayMs, maxInFlight: o.commitInFlight },
  );

  const violation = (device: string, site: string, zone: string | null, field: string, now: number): SafeEvent =>
    sealSafeEvent({ id: null, ts: now, received_at: now, device, site, zone, kind: 'policy.violation', data: { field, rule: 'prohibited_attribute' } });

  interface Checked {
    readonly now: number;
    readonly rejected: IngestRejection[];
    readonly violations: SafeEvent[];
    /** Valid items, in input order: their input index, event and device. */
    readonly index: number[];
    readonly raws: RawEvent[];
    readonly devices: Device[];
  }

  interface Prepared {
    readonly rejected: IngestRejection[];
    readonly seqs: Array<number | 'duplicate' | null>;
    readonly safe: SafeEvent[];
    readonly safeIndex: number[];
    readonly violations: SafeEvent[];
    readonly diverted: SafeEvent[];
    readonly duplicates: number;
  }

  const reject = (rejected: IngestRejection[], index: number, err: unknown): void => {
    const e = err instanceof ParapetError ? err : new ParapetError('invalid_event', 'the event could not be processed');
    if (!(err instanceof ParapetError)) o.onError('ingest-item', err);
    rejected.push({ index, error: e.code, detail: e.detail });
  };

  /** Stages refuse-prohibited, validate and resolve-device, per item. */
  function check(inputs: readonly IngestInput[], ctx: IngestContext): Checked {
    const now = o.clock.now();
    const c: Checked = { now, rejected: [], violations: [], index: [], raws: [], devices: [] };
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      if (!input) continue;
      try {
        if (input.decodeError) throw input.decodeError;
        try {
          refuseProhibited(input.item);
        } catch (err) {
          const dev = input.device ?? (input.item as { device?: unknown } | null)?.device;
          const known = typeof dev === 'string' ? o.registry.get(dev) : undefined;
          const field = err instanceof ParapetError ? err.detail.replace(/^field (\S+).*$/, '$1') : 'unknown';
          metrics.policyViolations++;
          if (known) c.violations.push(violation(known.id, known.site, known.zone, field, now));
          o.onViolation?.({ device: known ? known.id : null, field, principal: ctx.principal });
          throw err;
        }
        const raw = validateItem(input.item, {
          now,
          maxFutureMs: o.maxFutureMs,
          retentionByKind: o.retentionByKind,
          ...(input.device !== undefined ? { device: input.device } : {}),
        });
        c.devices.push(resolveDevice(raw.device, o.registry, ctx.principal));
        c.raws.push(raw);
        c.index.push(i);
      } catch (err) {
        reject(c.rejected, i, err);
      }
    }
    return c;
  }

  /** Stages pseudonymise/enrich, in-batch dedupe and divert, per valid item. */
  function finish(c: Checked, total: number): Prepared {
    const { rejected } = c;
    const seqs: Array<number | 'duplicate' | null> = new Array<number | 'duplicate' | null>(total).fill(null);
    const safe: SafeEvent[] = [];
    const safeIndex: number[] = [];
    const diverted: SafeEvent[] = [];
    // Ids seen in this batch, per device (no per-event key string to build and hash).
    const seenIds = new Map<string, Set<string>>();
    let duplicates = 0;
    const checkedRejections = rejected.length;
    for (let j = 0; j < c.raws.length; j++) {
      const i = c.index[j] as number;
      try {
        const event = pseudonymiseEvent(c.raws[j] as RawEvent, c.devices[j] as Device, c.now, o.pseudonymiser);
        if (event.id !== null) {
          let ids = seenIds.get(event.device);
          if (!ids) seenIds.set(event.device, (ids = new Set()));
          if (ids.has(event.id)) {
            seqs[i] = 'duplicate';
            duplicates++;
            continue;
          }
          ids.add(event.id);
        }
        if (o.divert?.(event)) {
          diverted.push(event);
          continue;
        }
        safe.push(event);
        safeIndex.push(i);
      } catch (err) {
        reject(rejected, i, err);
      }
    }
    // Rejections stay in input order when both passes rejected something.
    if (rejected.length > checkedRejections && checkedRejections > 0) rejected.sort((a, b) => a.index - b.index);
    return { rejected, seqs, safe, safeIndex, violations: c.violations, diverted, duplicates };
  }

  /** Keys the valid items need that are not live yet (keyring.ts, `ensure`). */
  function keyWaits(c: Checked): Promise<void>[] {
    const waits: Promise<void>[] = [];
    for (let j = 0; j < c.raws.length; j++) keysPending(c.raws[j] as RawEvent, c.devices[j] as Device, o.pseudonymiser, waits);
    return waits;
  }

  // Not async itself: an async function keeps its parameters for its whole life, and `inputs`
  // must not outlive `check` (under load many batches wait for their commit at once, and decoded
  // inputs kept alive would be promoted to the old generation and grow the heap).
  function ingest(inputs: readonly IngestInput[], ctx: IngestContext): Promise<IngestOutcome> {
    const total = inputs.length;
    const checked = check(inputs, ctx);
    const waits = keyWaits(checked);
    if (waits.length === 0) return commit(finish(checked, total));
    return Promise.allSettled(waits).then(() => commit(finish(checked, total)));
  }

  async function commit(p: Prepared): Promise<IngestOutcome> {
    const { rejected, seqs, safe, safeIndex, violations, diverted } = p;
    let duplicates = p.duplicates;
    const pending: Promise<unknown>[] = [];
    if (violations.length) pending.push(committer.submit(violations));
    let accepted = diverted.length;
    if (safe.length || diverted.length) {
      const results = await committer.submit(safe, diverted).catch((err: unknown) => {
        // Nothing of the request was stored: the client hears 503 and why, the log gets the adapter's error.
        o.onError('append', err);
        metrics.storeFailed += safe.length + diverted.length;
        metrics.lastStoreFailureAt = o.clock.now();
        throw err instanceof ParapetError ? err : unknownWriteFailure();
      });
      for (let j = 0; j < results.length; j++) {
        const idx = safeIndex[j];
        const r = results[j];
        if (idx === undefined || r === undefined) continue;
        seqs[idx] = r;
        if (r === 'duplicate') duplicates++;
        else accepted++;
      }
    }
    await Promise.all(pending);
    metrics.accepted += accepted;
    metrics.duplicates += duplicates;
    metrics.rejected += rejected.length;
    return { accepted, duplicates, rejected, seqs };
  }

  return {
    ingest,
    async record(events) {
      await committer.submit(events);
    },
    drain: () => committer.drain(),
    metrics,
  };
}

/** The internal events that record status changes (SPEC: status changes are events rules can use). */
export function statusEvents(changes: readonly StatusChange[]): SafeEvent[] {
  return changes.map((c) =>
    sealSafeEvent({
      id: null,
      ts: c.at,
      received_at: c.at,
      device: c.device.id,
      site: c.device.site,
      zone: c.device.zone,
      kind: 'device.status',
      data: { status: c.status, previous: c.previous },
    }),
  );
}
