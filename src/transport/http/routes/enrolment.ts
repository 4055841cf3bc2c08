/**
 * Device enrolment (SPEC §5.5): an admin creates a single-use token valid ≤ 30 minutes for a
 * registered device; the device exchanges it exactly once at POST /enrol for its own MQTT secret.
 * POST /enrol carries no session or bearer token: the enrolment token in the body IS its
 * credential (a wrong, used or expired one answers 401), and it is rate-limited per address.
 */
import Type from 'typebox';
import { ParapetError } from '../../../core/errors.js';
import { canSeeSite } from '../../../auth/principal.js';
import { DEVICE_ID_PATTERN } from '../../../core/device.js';
import { MAX_ENROLMENT_TTL_MS } from '../../../auth/device-enrolment.js';
import { parseWith, principalOf, type RouteModule } from '../route-kit.js';

const IdParams = Type.Object({ id: Type.String({ pattern: DEVICE_ID_PATTERN }) }, { additionalProperties: false });
const EnrolmentBody = Type.Object(
  { ttl_minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ENROLMENT_TTL_MS / 60_000 })) },
  { additionalProperties: false },
);
const RedeemBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });

export const enrolmentRoutes: RouteModule = (app, deps) => {
  app.post(
    '/devices/:id/enrolment',
    {
      config: { action: 'devices.credentials' },
      // The body is optional, so it is validated in the handler (fastify would demand an object).
      schema: { tags: ['devices'], summary: 'A single-use enrolment token (≤ 30 min)', description: `Optional body: ${JSON.stringify(EnrolmentBody)}`, params: IdParams },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const id = (req.params as { id: string }).id;
      const d = deps.registry.view(id);
      if (!d || !canSeeSite(p, d.site)) throw new ParapetError('not_found', `no device ${id}`);
      const minutes = req.body === undefined || req.body === null ? undefined : parseWith(EnrolmentBody, req.body, 'bad_request').ttl_minutes;
      const { token, expires_at } = await deps.auth.createEnrolmentToken(id, minutes === undefined ? undefined : minutes * 60_000);
      await deps.audit.record({ actor: p, action: 'devices.enrolment_token', target: id, outcome: 'success', detail: { expires_at }, sites: [d.site] });
      return reply.status(201).send({ device: id, token, expires_at, next: 'the device sends POST /api/v1/enrol {"token":"…"} once' });
    },
  );

  app.post('/enrol', { config: { action: 'public' }, schema: { tags: ['devices'], summary: 'A device exchanges its enrolment token for its MQTT secret', body: RedeemBody } }, async (req) => {
    const { token } = req.body as { token: string };
    try {
      const { device, secret } = await deps.auth.redeemEnrolmentToken(token);
      const site = deps.registry.view(device)?.site;
      await deps.audit.record({ actor: `device:${device}`, action: 'devices.enrol', target: device, outcome: 'success', detail: { ip: req.ip }, sites: site === undefined ? [] : [site] });
      return { device, username: device, secret, topic: `parapet/v1/${device}/events`, note: 'shown once; stored only hashed' };
    } catch (err) {
      await deps.audit.record({ actor: null, action: 'devices.enrol', target: null, outcome: 'failure', detail: { ip: req.ip } });
      throw err;
    }
  });
};
