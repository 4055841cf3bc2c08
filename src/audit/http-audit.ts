/**
 * Authorization failures and failed authentications over HTTP go to the audit log (SPEC §5.7).
 * One onResponse hook: every 403 (role, site scope or CSRF refused) and every 401 where a
 * credential WAS presented (a wrong, revoked or expired token or session). Anonymous probes
 * without any credential are not recorded, so scanners cannot flood the log; the login and
 * enrolment routes record their own outcomes.
 */
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from './audit-log.js';

export function registerHttpAudit(app: FastifyInstance, audit: AuditLog): void {
  app.addHook('onResponse', async (req, reply) => {
    const status = reply.statusCode;
    if (status !== 401 && status !== 403) return;
    const action = req.routeOptions.config.action;
    if (action === 'public') return;
    const route = `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0] ?? ''}`;
    if (status === 403) {
      audit.recordSafely({ actor: req.principal, action: 'authz.denied', target: route, outcome: 'denied', detail: { ip: req.ip, needs: action ?? null } });
      return;
    }
    const presented = req.headers.authorization !== undefined || /(^|;\s*)(__Host-)?parapet_session=/.test(req.headers.cookie ?? '');
    // A 401 after the credential was accepted (a webhook's signature refused, bad_signature) names
    // who sent it; a refused credential names no one.
    if (presented) audit.recordSafely({ actor: req.principal, action: 'auth.failure', target: route, outcome: 'failure', detail: { ip: req.ip } });
  });
}
