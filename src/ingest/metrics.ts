/** Ingest counters exported by GET /metrics (Prometheus text format). */
export class IngestMetrics {
  accepted = 0;
  duplicates = 0;
  rejected = 0;
  policyViolations = 0;
  /** Events of requests answered 503 because the store could not commit them (write-failure.ts). */
  storeFailed = 0;
  /** When the store last refused a commit, epoch ms; null if never. */
  lastStoreFailureAt: number | null = null;
}
