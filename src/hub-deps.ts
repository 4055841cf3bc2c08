/** The one typed `deps` object the composition root (hub.ts) builds and passes down (STYLE §1). */
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import type { Clock } from './core/clock.js';
import type { Store } from './store/store.js';
import type { Bus } from './bus/bus.js';
import type { IngestPipeline } from './ingest/pipeline.js';
import type { DeviceRegistry } from './registry/registry.js';
import type { AuthService } from './auth/auth-service.js';
import type { Pseudonymiser, KeySource } from './privacy/pseudonymiser.js';
import type { Keyring } from './privacy/keyring.js';
import type { InvestigationService } from './privacy/investigations.js';
import type { WifiAggregator } from './privacy/wifi.js';
import type { AuditLog } from './audit/audit-log.js';
import type { RulesRuntime } from './rules/runtime.js';
import type { MetricSources } from './core/metric-sources.js';

export interface HubDeps {
  readonly config: Readonly<Config>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly store: Store;
  readonly bus: Bus;
  readonly pipeline: IngestPipeline;
  readonly registry: DeviceRegistry;
  readonly auth: AuthService;
  readonly pseudonymiser: Pseudonymiser;
  readonly keys: KeySource;
  /** Epoch keys with crypto-shredding (SPEC §4.2); also `keys`. */
  readonly keyring: Keyring;
  readonly investigations: InvestigationService;
  /** Wi-Fi sightings → k-anonymous per-zone counts (SPEC §4.4). */
  readonly wifi: WifiAggregator;
  /** Hash-chained audit log (SPEC §5.7): `audit.record({ actor, action, target, outcome, detail })`. */
  readonly audit: AuditLog;
  /** Rules, alerts, watchlists and alert delivery (SPEC §2.1): `rules.alerts`, `rules.book`, `rules.watchlists`, `rules.webhooks`. */
  readonly rules: RulesRuntime;
  /** `GET /metrics` lines of services started later (the DC-09 receiver …). */
  readonly metrics: MetricSources;
}
