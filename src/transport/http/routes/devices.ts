/** The device registry over HTTP (SPEC §3): operators read, admins write; another site's device is 404. */
import Type from 'typebox';
import { ParapetError } from '../../../core/errors.js';
import { DEVICE_ID_PATTERN, DEVICE_STATUSES, DEVICE_TYPES, DeviceInputSchema, type DeviceInput } from '../../../core/device.js';
import { canSeeSite } from '../../../auth/principal.js';
import { principalOf, type RouteModule } from '../route-kit.js';
import { inViewport, parseViewport, viewportAnswer } from '../../../registry/viewport.js';

const IdParams = Type.Object({ id: Type.String({ pattern: DEVICE_ID_PATTERN }) }, { additionalProperties: false });
const ListQuery = Type.Object(
  {
    site: Type.Optional(Type.String({ maxLength: 64 })),
    zone: Type.Optional(Type.String({ maxLength: 128 })),
    type: Type.Optional(Type.Union(DEVICE_TYPES.map((t) => Type.Literal(t)))),
    status: Type.Optional(Type.Union(DEVICE_STATUSES.map((t) => Type.Literal(t)))),
    // The map's viewport (issue 6): west,south,east,north in degrees, with the map zoom.
    bbox: Type.Optional(Type.String({ maxLength: 120, description: 'west,south,east,north (degrees); answers clusters when many' })),
    zoom: Type.Optional(Type.Number({ minimum: 0, maximum: 30 })),
  },
  { additionalProperties: false },
);
/** PUT body: the device without its id (the URL names it), or with the same id. */
const PutBody = Type.Object({ ...DeviceInputSchema.properties, id: Type.Optional(DeviceInputSchema.properties.id) }, { additionalProperties: false });

export const deviceRoutes: RouteModule = (app, deps) => {
  const visible = (id: string, p: ReturnType<typeof principalOf>) => {
    const d = deps.registry.view(id);
    if (!d || !canSeeSite(p, d.site)) throw new ParapetError('not_found', `no device ${id}`);
    return d;
  };

  app.get('/devices', { config: { action: 'devices.read' }, schema: { summary: 'Devices with live status', tags: ['devices'], querystring: ListQuery } }, async (req) => {
    const p = principalOf(req);
    const q = req.query as { site?: string; zone?: string; type?: string; status?: string; bbox?: string; zoom?: number };
    const keep = (d: { site: string; zone: string | null; type: string }) =>
      canSeeSite(p, d.site) && (q.site === undefined || d.site === q.site) && (q.zone === undefined || d.zone === q.zone) && (q.type === undefined || d.type === q.type);
    if (q.bbox !== undefined) {
      const vp = parseViewport(q.bbox, q.zoom);
      // The map's own query (bbox, zoom, at most a site): the registry's viewport index, over the
      // sites the caller may see (issue 6: a city view reads cells, not 100,000 devices).
      if (q.zone === undefined && q.type === undefined && q.status === undefined) {
        const sites = q.site === undefined ? (p.sites.length === 0 ? null : p.sites) : canSeeSite(p, q.site) ? [q.site] : [];
        return deps.registry.viewport(vp, sites);
      }
      // Other filters: scan without building a view per device.
      const scanned = deps.registry.scan((d) => inViewport(d, vp) && keep(d));
      return viewportAnswer(q.status === undefined ? scanned : scanned.filter((s) => s.status === q.status), vp, (s) => deps.registry.view(s.device.id));
    }
    const devices = deps.registry
      .list()
      .filter((d) => keep(d) && (q.status === undefined || d.status === q.status))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { devices };
  });

  app.get('/devices/:id', { config: { action: 'devices.read' }, schema: { tags: ['devices'], params: IdParams } }, async (req) => {
    return visible((req.params as { id: string }).id, principalOf(req));
  });

  app.put('/devices/:id', { config: { action: 'devices.write' }, schema: { tags: ['devices'], params: IdParams, body: PutBody } }, async (req, reply) => {
    const p = principalOf(req);
    const id = (req.params as { id: string }).id;
    const body = req.body as Omit<DeviceInput, 'id'> & { id?: string };
    if (body.id !== undefined && body.id !== id) throw new ParapetError('invalid_device', `body id ${body.id} differs from the URL's ${id}`);
    if (!canSeeSite(p, body.site)) throw new ParapetError('forbidden', `not allowed to manage site ${body.site}`);
    const existing = deps.registry.view(id);
    if (existing && !canSeeSite(p, existing.site)) throw new ParapetError('not_found', `no device ${id}`);
    const { created, device } = await deps.registry.put({ ...body, id });
    // A device moved to another site concerns both (SPEC §5.3: each site's auditors see the move).
    const sites = existing ? [existing.site, device.site] : [device.site];
    await deps.audit.record({ actor: p, action: created ? 'device.create' : 'device.update', target: id, outcome: 'success', detail: { site: device.site, type: device.type }, sites });
    return reply.status(created ? 201 : 200).send(device);
  });

  app.delete('/devices/:id', { config: { action: 'devices.write' }, schema: { tags: ['devices'], params: IdParams } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const p = principalOf(req);
    const { site } = visible(id, p);
    await deps.registry.delete(id);
    await deps.store.principals.deleteDeviceSecret(id);
    await deps.audit.record({ actor: p, action: 'device.delete', target: id, outcome: 'success', sites: [site] });
    return reply.status(204).send();
  });

  app.post('/devices/:id/credentials', { config: { action: 'devices.credentials' }, schema: { tags: ['devices'], params: IdParams } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const p = principalOf(req);
    const { site } = visible(id, p);
    const secret = await deps.auth.rotateDeviceSecret(id);
    await deps.audit.record({ actor: p, action: 'device.credentials', target: id, outcome: 'success', sites: [site] });
    return reply.status(201).send({ device: id, username: id, secret, note: 'shown once; stored only hashed' });
  });
};
