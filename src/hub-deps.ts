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
}
