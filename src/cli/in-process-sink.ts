/**
 * The demo's sink: the simulated district goes straight into the hub's registry and ingest
 * pipeline, with the same validation, pseudonymisation and commit as HTTP ingest (STYLE §4: every
 * transport hands the pipeline the same input shape).
 */
import type { HubDeps } from '../hub.js';
import type { Principal } from '../auth/principal.js';
import type { Sink } from '../sim/runner.js';

export const DEMO_PRINCIPAL: Principal = { kind: 'token', id: 'demo-simulator', name: 'demo simulator', role: 'ingest', sites: [] };

export function inProcessSink(deps: Pick<HubDeps, 'registry' | 'pipeline'>): Sink {
  return {
    async register(devices) {
      for (const d of devices) await deps.registry.put(d);
    },
    async send(events) {
      const outcome = await deps.pipeline.ingest(
        events.map((item) => ({ item })),
        { principal: DEMO_PRINCIPAL },
      );
      return { accepted: outcome.accepted, duplicates: outcome.duplicates, rejected: outcome.rejected };
    },
  };
}
