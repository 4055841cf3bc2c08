/** GET /retention: what expires when (the `parapet retention status` plan over HTTP, SPEC §4.7). */
import { retentionPlan } from '../../../privacy/retention.js';
import type { RouteModule } from '../route-kit.js';

export const retentionRoutes: RouteModule = (app, deps) => {
  app.get('/retention', { config: { action: 'privacy.read' }, schema: { tags: ['privacy'], summary: 'Retention per kind and the epoch keys due for destruction' } }, async () =>
    retentionPlan(deps.config, deps.clock.now(), deps.keyring, [deps.investigations.purger()]),
  );
};
