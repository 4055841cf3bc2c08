/** Ingest counters exported by GET /metrics (Prometheus text format). */
export class IngestMetrics {
  accepted = 0;
  duplicates = 0;
  rejected = 0;
  policyViolations = 0;
}
