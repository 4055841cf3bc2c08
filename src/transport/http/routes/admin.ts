/**
 * Users and tokens (SPEC §3, §5.3): admins manage people and machine credentials. Secrets
 * (passwords, token secrets) are shown once in the creating response and stored only hashed.
 * A site-scoped admin sees and manages only accounts scoped within its own sites (others are 404)
 * and cannot mint an unscoped credential — no escalation through the admin routes.
 * Every change is audited (SPEC §5.7).
 */
import Type from 'typebox';
import { DAY } from '../../../core/clock.js';
import { ParapetError } from '../../../core/errors.js';
import type { Principal } from '../../../auth/principal.js';
import { tokenView, userView } from '../../../auth/auth-service.js';
import { ROLES } from '../../../store/store.js';
import { principalOf, type RouteModule } from '../route-kit.js';

const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Sites = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100 });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const NewUser = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), role: RoleSchema, sites: Type.Optional(Sites) }, { additionalProperties: false });
const UserPatchBody = Type.Object(
  {
    role: Type.Optional(RoleSchema),
    sites: Type.Optional(Sites),
    disabled: Type.Optional(Type.Boolean()),
    reset_password: Type.Optional(Type.Literal(true)),
    reset_totp: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false },
);
const NewToken = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    role: RoleSchema,
    sites: Type.Optional(Sites),
    /** Lifetime in days; omitted = no expiry (revoke when no longer needed). */
    expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);

/** A scoped admin manages only accounts whose scope lies within its own (SPEC §5.3). */
function withinScope(p: Principal, sites: readonly string[]): boolean {
  if (p.sites.length === 0) return true;
  return sites.length > 0 && sites.every((s) => p.sites.includes(s));
}

export const adminRoutes: RouteModule = (app, deps) => {
  const findUser = async (p: Principal, id: string) => {
    const u = await deps.auth.getUser(id);
    if (!u || !withinScope(p, u.sites)) throw new ParapetError('not_found', `no user ${id}`);
    return u;
  };
  const requireScope = (p: Principal, sites: readonly string[]) => {
    if (!withinScope(p, sites)) throw new ParapetError('forbidden', `a site-scoped admin can only grant sites within ${p.sites.join(', ')}`);
  };

  app.get('/users', { config: { action: 'users.manage' }, schema: { tags: ['admin'], summary: 'People with access' } }, async (req) => {
    const p = principalOf(req);
    const users = (await deps.auth.listUsers()).filter((u) => withinScope(p, u.sites)).map(userView);
    return { users: users.sort((a, b) => (a.name < b.name ? -1 : 1)) };
  });

  app.post('/users', { config: { action: 'users.manage' }, schema: { tags: ['admin'], body: NewUser } }, async (req, reply) => {
    const p = principalOf(req);
    const body = req.body as { name: string; role: string; sites?: string[] };
    const sites = body.sites ?? [];
    requireScope(p, sites);
    const { user, password } = await deps.auth.createUser(body.name, body.role, sites);
    await deps.audit.record({ actor: p, action: 'users.create', target: user.name, outcome: 'success', detail: { role: user.role, sites }, sites });
    return reply.status(201).send({ user: userView(user), password, note: 'shown once; stored only hashed' });
  });

  app.patch('/users/:id', { config: { action: 'users.manage' }, schema: { tags: ['admin'], params: IdParams, body: UserPatchBody } }, async (req) => {
    const p = principalOf(req);
    const body = req.body as { role?: string; sites?: string[]; disabled?: boolean; reset_password?: true; reset_totp?: true };
    const before = await findUser(p, (req.params as { id: string }).id);
    if (body.sites !== undefined) requireScope(p, body.sites);
    if (before.id === p.id && (body.role !== undefined || body.disabled === true)) {
      throw new ParapetError('conflict', 'you cannot change your own role or disable yourself; ask another admin');
    }
    const patch = { ...(body.role !== undefined ? { role: body.role } : {}), ...(body.sites !== undefined ? { sites: body.sites } : {}), ...(body.disabled !== undefined ? { disabled: body.disabled } : {}) };
    let user = Object.keys(patch).length > 0 ? await deps.auth.updateUser(before.id, patch) : before;
    const password = body.reset_password ? await deps.auth.resetPassword(before.id) : undefined;
    if (body.reset_totp) {
      await deps.auth.secondFactor.reset(before.id);
      user = { ...user, totp: null };
    }
    await deps.audit.record({
      actor: p,
      action: 'users.update',
      target: before.name,
      outcome: 'success',
      detail: { ...patch, reset_password: body.reset_password === true, reset_totp: body.reset_totp === true },
      // The account's scope before and after: a change of scope concerns the sites it leaves too.
      sites: [...before.sites, ...user.sites],
    });
    return { user: userView(user), ...(password ? { password, note: 'shown once; stored only hashed' } : {}) };
  });

  app.delete('/users/:id', { config: { action: 'users.manage' }, schema: { tags: ['admin'], params: IdParams } }, async (req, reply) => {
    const p = principalOf(req);
    const user = await findUser(p, (req.params as { id: string }).id);
    if (user.id === p.id) throw new ParapetError('conflict', 'you cannot delete yourself');
    await deps.auth.deleteUser(user.id);
    await deps.audit.record({ actor: p, action: 'users.delete', target: user.name, outcome: 'success', detail: { role: user.role }, sites: user.sites });
    return reply.status(204).send();
  });

  app.get('/tokens', { config: { action: 'tokens.manage' }, schema: { tags: ['admin'], summary: 'Machine credentials (never their secrets)' } }, async (req) => {
    const p = principalOf(req);
    const tokens = (await deps.auth.listTokens()).filter((t) => withinScope(p, t.sites)).map(tokenView);
    return { tokens: tokens.sort((a, b) => a.created_at - b.created_at) };
  });

  app.post('/tokens', { config: { action: 'tokens.manage' }, schema: { tags: ['admin'], body: NewToken } }, async (req, reply) => {
    const p = principalOf(req);
    const body = req.body as { name: string; role: string; sites?: string[]; expires_in_days?: number };
    const sites = body.sites ?? [];
    requireScope(p, sites);
    const expires = body.expires_in_days === undefined ? null : deps.clock.now() + body.expires_in_days * DAY;
    const { token, secret } = await deps.auth.createToken(body.name, body.role, sites, expires);
    await deps.audit.record({ actor: p, action: 'tokens.create', target: token.id, outcome: 'success', detail: { name: token.name, role: token.role, sites }, sites });
    return reply.status(201).send({ token: tokenView(token), secret, note: 'shown once; stored only hashed' });
  });

  app.delete('/tokens/:id', { config: { action: 'tokens.manage' }, schema: { tags: ['admin'], params: IdParams } }, async (req, reply) => {
    const p = principalOf(req);
    const id = (req.params as { id: string }).id;
    const token = (await deps.auth.listTokens()).find((t) => t.id === id);
    if (!token || !withinScope(p, token.sites)) throw new ParapetError('not_found', `no token ${id}`);
    await deps.auth.revokeToken(id);
    await deps.audit.record({ actor: p, action: 'tokens.revoke', target: id, outcome: 'success', detail: { name: token.name }, sites: token.sites });
    return reply.status(204).send();
  });
};
