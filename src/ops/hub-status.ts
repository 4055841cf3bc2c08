/**
 * The hub's own health as the control room sees it (`GET /api/v1/status`, the Device health
 * screen): what ingest took and refused, how full the store is, whether the shared bus is
 * reachable, and the problems an operator must act on, in words. Plain operational figures: no
 * event field, no identifier.
 */
import type { StoreSize } from '../store/store.js';

export interface IngestCounts {
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly store_failed: number;
  readonly policy_violations: number;
}

export type ProblemCode = 'store_full' | 'store_nearly_full' | 'store_failing' | 'bus_unreachable' | 'bus_holding';

export interface HubProblem {
  readonly code: ProblemCode;
  readonly severity: 'critical' | 'major';
  readonly detail: string;
}

export interface HubStatus {
  readonly ingest: IngestCounts;
  readonly store: { readonly kind: string; readonly file_bytes: number | null; readonly free_bytes: number | null; readonly max_bytes: number | null };
  readonly bus: { readonly kind: string; readonly reachable: boolean; readonly holding: number };
  readonly problems: readonly HubProblem[];
}

export interface StatusInputs {
  readonly ingest: IngestCounts;
  /** When the store last refused a commit (epoch ms), null if never. */
  readonly lastStoreFailureAt: number | null;
  readonly storeKind: string;
  readonly size: StoreSize | undefined;
  readonly busKind: string;
  readonly busReachable: boolean;
  /** Notices an ingest node holds in the store that the serving node has not taken yet (outbox.ts), 0 otherwise. */
  readonly busHolding: number;
  readonly now: number;
}

/** Share of the cap past which the store counts as nearly full. */
export const NEARLY_FULL = 0.9;
/** How long after the store last refused a commit it still counts as failing, ms. */
export const FAILING_FOR_MS = 5 * 60_000;

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

export function hubStatus(i: StatusInputs): HubStatus {
  const problems: HubProblem[] = [];
  const size = i.size;
  // Pages freed by retention are reused before the file grows, so they count as room.
  const used = size ? size.fileBytes - size.freeBytes : null;
  const recentFailure = i.lastStoreFailureAt !== null && i.now - i.lastStoreFailureAt < FAILING_FOR_MS;
  if (size && size.maxBytes !== null && used !== null && used >= size.maxBytes * NEARLY_FULL) {
    const full = recentFailure || used >= size.maxBytes;
    problems.push({
      code: full ? 'store_full' : 'store_nearly_full',
      severity: full ? 'critical' : 'major',
      detail: `The store holds ${mb(used)} of its ${mb(size.maxBytes)} cap (store.sqlite_max_mb)${full ? '; ingest is refused with 503 until retention frees room or the cap is raised' : ''}.`,
    });
  } else if (recentFailure) {
    problems.push({ code: 'store_failing', severity: 'critical', detail: 'The store refused commits in the last 5 minutes (disk full, I/O error or database unreachable): senders were told to retry; see the hub log.' });
  }
  if (!i.busReachable) problems.push({ code: 'bus_unreachable', severity: 'major', detail: `The ${i.busKind} bus is unreachable: events are still stored; notices for other nodes are held in the store.` });
  if (i.busHolding > 0) problems.push({ code: 'bus_holding', severity: 'major', detail: `${i.busHolding} notices wait in the store for the serving node to take them (it does so every second while it runs): until then its rules have not seen those events.` });
  return {
    ingest: i.ingest,
    store: { kind: i.storeKind, file_bytes: size?.fileBytes ?? null, free_bytes: size?.freeBytes ?? null, max_bytes: size?.maxBytes ?? null },
    bus: { kind: i.busKind, reachable: i.busReachable, holding: i.busHolding },
    problems,
  };
}
