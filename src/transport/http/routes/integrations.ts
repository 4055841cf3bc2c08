/**
 * Vendor webhooks and NGSI-LD (SPEC §6; docs/integrations.md). Every POST is an `events.ingest`
 * route, so only ingest and admin credentials may post, and the app hands it the raw body text,
 * decoded here with the bounded decoder (SPEC §5.6); Plate Recognizer's route also takes
 * multipart/form-data, which the app reads bounded into parts (multipart.ts). Each route: parse → pure adapter → the one
 * pipeline → the answer of POST /events plus `dropped`. Device mapping comes from the query:
 * `?device=<id>` pins every event to one device; otherwise `?device_prefix=<p>` (default empty)
 * is put before the vendor's camera/reader/door id.
 */
import Type from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ParapetError } from '../../../core/errors.js';
import { DEVICE_ID_PATTERN } from '../../../core/device.js';
import { canSeeSite, type Principal } from '../../../auth/principal.js';
import { can } from '../../../auth/policy.js';
import { parseBoundedJson } from '../../../ingest/json-guard.js';
import { integrationPrincipal, type AdapterResult, type DeviceMapping } from '../../../adapters/adapter-kit.js';
import { ingestAdapted, nothingKept, type AdaptedAnswer } from '../../../adapters/ingest-adapted.js';
import { mapPlateRecognizer } from '../../../adapters/plate-recognizer.js';
import { unpackPlateRecognizerForm } from '../../../adapters/plate-recognizer-form.js';
import { MultipartForm } from '../multipart.js';
import { mapOpenAlpr } from '../../../adapters/openalpr.js';
import { DoorState, applyDoorUpdate, checkHeldDoors, mapUnifiAccess } from '../../../adapters/unifi-access.js';
import { SIGNATURE_HEADER, UnifiSignatureVerifier } from '../../../adapters/unifi-signature.js';
import { mapNgsiEntities, mapNgsiNotification, type NgsiOptions } from '../../../adapters/ngsi-ld.js';
import { CONTEXT_LINK, alertEntity, deviceEntity } from '../../../adapters/ngsi-ld-export.js';
import { parseWith, principalOf, type RouteModule } from '../route-kit.js';

const MappingQuery = Type.Object(
  {
    device: Type.Optional(Type.String({ pattern: DEVICE_ID_PATTERN })),
    device_prefix: Type.Optional(Type.String({ maxLength: 32, pattern: '^[A-Za-z0-9._:-]*$' })),
    /** NGSI-LD's representation hint; both representations are read either way. */
    options: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

const EntitiesQuery = Type.Object(
  {
    type: Type.Union([Type.Literal('Device'), Type.Literal('Alert')]),
    options: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 0 })),
  },
  { additionalProperties: false },
);

const ANSWER_DOC = 'Answers 202 {accepted, duplicates, rejected: [{index, at, error, detail}], dropped: [{at, reason, detail}]}';
/** How often held-open doors are looked for, ms. */
const HELD_CHECK_MS = 5_000;

export const integrationRoutes: RouteModule = (app, deps) => {
  const limits = { maxDepth: deps.config.http.max_json_depth, maxString: deps.config.http.max_string_length };
  const doors = new DoorState();

  const mappingOf = (req: FastifyRequest): DeviceMapping => {
    const q = parseWith(MappingQuery, req.query);
    return { prefix: q.device_prefix ?? '', ...(q.device !== undefined ? { pinned: q.device } : {}) };
  };
  const bodyOf = (req: FastifyRequest): unknown => {
    if (typeof req.body !== 'string' || req.body.trim() === '') throw new ParapetError('invalid_json', 'the body is empty');
    return parseBoundedJson(req.body, limits);
  };
  const answer = async (reply: FastifyReply, principal: Principal, result: AdapterResult): Promise<FastifyReply> => {
    const total = result.items.length + result.refused.length;
    if (total > deps.config.http.max_batch) throw new ParapetError('batch_too_large', `${total} events in one request; the limit is ${deps.config.http.max_batch}`);
    const out: AdaptedAnswer = await ingestAdapted(deps.pipeline, result, principal);
    const first = out.rejected[0];
    if (first && nothingKept(out)) {
      const e = new ParapetError(first.error, first.detail);
      return reply.status(e.status).send({ ...e.toBody(), ...out });
    }
    return reply.status(202).send(out);
  };
  const post = (path: string, summary: string, adapt: (req: FastifyRequest, principal: Principal, body: unknown) => AdapterResult) => {
    app.post(path, { config: { action: 'events.ingest' }, schema: { summary, tags: ['integrations'], description: ANSWER_DOC } }, async (req, reply) => {
      const principal = principalOf(req);
      return answer(reply, principal, adapt(req, principal, bodyOf(req)));
    });
  };

  // Plate Recognizer posts JSON, or a "webhook with image" as multipart/form-data (field `json` +
  // file `upload`): the app reads the form with the image drained unread (multipart.ts), so only
  // the JSON text arrives here; the image and any other part are reported in `dropped`.
  app.post(
    '/integrations/platerecognizer',
    {
      config: { action: 'events.ingest', multipart: true },
      schema: { summary: 'Plate Recognizer Stream and Snapshot webhooks (JSON, or multipart with image) → lpr.read', tags: ['integrations'], description: ANSWER_DOC },
    },
    async (req, reply) => {
      const principal = principalOf(req);
      const form = req.body instanceof MultipartForm ? unpackPlateRecognizerForm(req.body.parts) : undefined;
      const body = form ? parseBoundedJson(form.json, limits) : bodyOf(req);
      const r = mapPlateRecognizer(body, { devices: mappingOf(req), now: deps.clock.now() });
      return answer(reply, principal, form ? { ...r, dropped: [...form.dropped, ...r.dropped] } : r);
    },
  );
  post('/integrations/openalpr', 'OpenALPR / Rekor Scout group results and heartbeats → lpr.read, device health', (req, _p, body) =>
    mapOpenAlpr(body, { devices: mappingOf(req), now: deps.clock.now() }),
  );
  // UniFi Access signs its webhooks (unifi-signature.ts). With a secret configured the signature is
  // checked, besides the bearer token (SPEC §5.1), before the body is parsed: over the bytes UniFi
  // signed. The body reaches us as text decoded from UTF-8 (after any gunzip); re-encoding valid UTF-8
  // gives back exactly the bytes received, and a body that was not valid UTF-8 (never JSON, RFC 8259
  // §8.1) cannot match — it fails closed.
  const unifiSecret = deps.config.integrations.unifi_access.secret;
  const unifiSignatures = unifiSecret === undefined ? null : new UnifiSignatureVerifier(unifiSecret);
  let unsignedWarned = false;
  app.post(
    '/integrations/unifi-access',
    { config: { action: 'events.ingest' }, schema: { summary: 'UniFi Access webhooks → access.*', tags: ['integrations'], description: `${ANSWER_DOC}. With integrations.unifi_access.secret set, a missing, wrong, stale or replayed Signature header answers 401 bad_signature.` } },
    async (req, reply) => {
      const principal = principalOf(req);
      const signature = req.headers[SIGNATURE_HEADER];
      if (!unifiSignatures && signature !== undefined && !unsignedWarned) {
        unsignedWarned = true;
        deps.log.warn({ mod: 'unifi-access' }, 'UniFi Access webhooks arrive signed but integrations.unifi_access.secret is not set: their signatures are not verified');
      }
      const accepted = unifiSignatures?.verify(signature, Buffer.from(typeof req.body === 'string' ? req.body : '', 'utf8'), deps.clock.now());
      try {
        const r = mapUnifiAccess(bodyOf(req), { devices: mappingOf(req), now: deps.clock.now() }, doors);
        // Door state only for a device this sender may use (another site's door answers unknown_device).
        const dev = r.update ? deps.registry.get(r.update.device) : undefined;
        if (r.update && dev && canSeeSite(principal, dev.site)) applyDoorUpdate(doors, r.update);
        return await answer(reply, principal, r);
      } catch (err) {
        // Not kept: the vendor may send the same signed request again.
        if (accepted !== undefined) unifiSignatures?.forget(accepted);
        throw err;
      }
    },
  );

  const ngsi = (req: FastifyRequest): NgsiOptions => ({
    devices: mappingOf(req),
    now: deps.clock.now(),
    device: (id) => deps.registry.get(id),
  });
  post('/integrations/ngsi-ld/entityOperations/upsert', 'NGSI-LD batch upsert (Smart Data Models entities) → events', (req, _p, body) => {
    if (!Array.isArray(body)) throw new ParapetError('invalid_event', 'a batch upsert is a JSON array of entities');
    if (body.length > deps.config.http.max_batch) throw new ParapetError('batch_too_large', `${body.length} entities in one request; the limit is ${deps.config.http.max_batch}`);
    return mapNgsiEntities(body, ngsi(req));
  });
  post('/integrations/ngsi-ld/notify', 'NGSI-LD / NGSIv2 subscription notifications → events', (req, _p, body) => mapNgsiNotification(body, ngsi(req)));

  app.get(
    '/integrations/ngsi-ld/entities',
    { config: { action: 'devices.read' }, schema: { summary: "Parapet's devices (type=Device) or alerts (type=Alert) as NGSI-LD entities", tags: ['integrations'] } },
    async (req, reply) => {
      const principal = principalOf(req);
      const q = parseWith(EntitiesQuery, req.query);
      const keyValues = (q.options ?? '').split(',').some((o) => o === 'keyValues' || o === 'simplified');
      const limit = q.limit ?? 100;
      const offset = q.offset ?? 0;
      void reply.header('link', CONTEXT_LINK);
      if (q.type === 'Device') {
        const visible = deps.registry.list().filter((d) => canSeeSite(principal, d.site));
        return visible.slice(offset, offset + limit).map((d) => deviceEntity(d, keyValues));
      }
      // Alerts are operator data (SPEC §3): this route's action admits investigators, the alert read does not.
      if (!can(principal.role, 'alerts.read')) throw new ParapetError('forbidden', `role ${principal.role} may not alerts.read`);
      const alerts = await deps.rules.alerts.list({ limit: offset + limit, ...(principal.sites.length > 0 ? { sites: principal.sites } : {}) });
      return alerts.slice(offset, offset + limit).map((a) => alertEntity(a, keyValues));
    },
  );

  // Held-open doors (unifi-access.ts): looked for periodically, ingested as the UniFi integration.
  const timer = setInterval(() => {
    const held = checkHeldDoors(doors, deps.clock.now());
    if (held.items.length === 0) return;
    ingestAdapted(deps.pipeline, held, integrationPrincipal('unifi-access')).catch((err: unknown) => deps.log.error({ mod: 'unifi-access', err }, 'held-door check failed'));
  }, HELD_CHECK_MS);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
};
