/**
 * Rate limits per credential (SPEC §5.6; OWASP API4:2023): requests per minute keyed by the
 * authenticated principal, so one noisy token cannot starve the others; anonymous requests (healthz,
 * login, enrolment) are keyed by address. Runs as a preHandler, after authentication. Exceeding
 * answers 429 `rate_limited` with Retry-After.
 */
import rateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { sharedRateStore, type SharedRateCounts } from './shared-rate-limit.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ParapetError } from '../core/errors.js';

export function rateLimitKey(req: FastifyRequest): string {
  const p = req.principal;
  return p ? `${p.kind}:${p.id}` : `ip:${req.ip}`;
}

/**
 * Register before the routes (the plugin attaches itself to routes as they are added). With
 * `shared`, requests are counted across the nodes of a shared store (shared-rate-limit.ts).
 */
export async function registerRateLimit(app: FastifyInstance, perMinute: number, shared: SharedRateCounts | null = null): Promise<void> {
  await app.register(rateLimit, {
    ...(shared ? { store: sharedRateStore(shared) as unknown as FastifyRateLimitStoreCtor } : {}),
    global: true,
    hook: 'preHandler',
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: rateLimitKey,
    errorResponseBuilder: (_req, ctx) => new ParapetError('rate_limited', `more than ${ctx.max} requests per minute for this credential; retry in ${ctx.after}`),
  });
}
