/** GET /metrics (SPEC §3): Prometheus text exposition format 0.0.4, admin only. */
import type { RouteModule } from '../route-kit.js';

export const metricsRoutes: RouteModule = (app, deps) => {
  app.get('/metrics', { config: { action: 'metrics.read' }, schema: { tags: ['ops'] } }, async (_req, reply) => {
    const m = deps.pipeline.metrics;
    const byStatus = new Map<string, number>();
    for (const d of deps.registry.list()) byStatus.set(d.status, (byStatus.get(d.status) ?? 0) + 1);
    const lines = [
      '# HELP parapet_events_accepted_total Events stored.',
      '# TYPE parapet_events_accepted_total counter',
      `parapet_events_accepted_total ${m.accepted}`,
      '# HELP parapet_events_duplicate_total Events dropped as duplicates of (device, id).',
      '# TYPE parapet_events_duplicate_total counter',
      `parapet_events_duplicate_total ${m.duplicates}`,
      '# HELP parapet_events_rejected_total Events rejected by validation or policy.',
      '# TYPE parapet_events_rejected_total counter',
      `parapet_events_rejected_total ${m.rejected}`,
      '# HELP parapet_events_store_failed_total Events refused with 503 because the store could not commit them (full, I/O error, unreachable).',
      '# TYPE parapet_events_store_failed_total counter',
      `parapet_events_store_failed_total ${m.storeFailed}`,
      '# HELP parapet_policy_violations_total Prohibited attributes refused (SPEC §4.3).',
      '# TYPE parapet_policy_violations_total counter',
      `parapet_policy_violations_total ${m.policyViolations}`,
      '# HELP parapet_devices Devices by derived status.',
      '# TYPE parapet_devices gauge',
      ...[...byStatus].map(([s, n]) => `parapet_devices{status="${s}"} ${n}`),
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${process.memoryUsage.rss()}`,
      ...deps.metrics.lines(),
    ];
    return reply.type('text/plain; version=0.0.4').send(lines.join('\n') + '\n');
  });
};
