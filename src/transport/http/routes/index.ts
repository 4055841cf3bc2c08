/**
 * Every API route module, in one list. A feature adds its module here (one line). The route × role
 * test walks the OpenAPI document these produce.
 */
import type { RouteModule } from '../route-kit.js';
import { eventRoutes } from './events.js';
import { deviceRoutes } from './devices.js';
import { metricsRoutes } from './metrics.js';

export const ROUTES: RouteModule[] = [eventRoutes, deviceRoutes, metricsRoutes];
