/**
 * Every API route module, in one list. A feature adds its module here (one line). The route × role
 * test walks the OpenAPI document these produce.
 */
import type { RouteModule } from '../route-kit.js';
import { eventRoutes } from './events.js';
import { deviceRoutes } from './devices.js';
import { metricsRoutes } from './metrics.js';
import { investigationRoutes } from './investigations.js';
import { statsRoutes } from './stats.js';
import { adminRoutes } from './admin.js';
import { auditRoutes } from './audit.js';
import { enrolmentRoutes } from './enrolment.js';
import { alertRoutes } from './alerts.js';
import { ruleRoutes } from './rules.js';
import { watchlistRoutes } from './watchlists.js';
import { integrationRoutes } from './integrations.js';
import { retentionRoutes } from './retention.js';
import { statusRoutes } from './status.js';

export const ROUTES: RouteModule[] = [eventRoutes, deviceRoutes, metricsRoutes, investigationRoutes, statsRoutes, adminRoutes, auditRoutes, enrolmentRoutes, alertRoutes, ruleRoutes, watchlistRoutes, integrationRoutes, retentionRoutes, statusRoutes];
