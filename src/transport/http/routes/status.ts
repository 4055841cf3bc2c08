/** GET /status: the hub's own health for the control room (src/ops/hub-status.ts). */
import { hubStatus } from '../../../ops/hub-status.js';
import type { RouteModule } from '../route-kit.js';

export const statusRoutes: RouteModule = (app, deps) => {
  app.get('/status', { config: { action: 'status.read' }, schema: { summary: "The hub's health: ingest counts, store room, bus, problems to act on", tags: ['ops'] } }, async () => {
    const m = deps.pipeline.metrics;
    return hubStatus({
      ingest: { accepted: m.accepted, duplicates: m.duplicates, rejected: m.rejected, store_failed: m.storeFailed, policy_violations: m.policyViolations },
      lastStoreFailureAt: m.lastStoreFailureAt,
      storeKind: deps.config.store.kind,
      size: deps.store.size?.(),
      busKind: deps.config.bus.kind,
      busReachable: deps.bus.reachable?.() ?? true,
      busHolding: deps.bus.held?.() ?? 0,
      now: deps.clock.now(),
    });
  });
};
