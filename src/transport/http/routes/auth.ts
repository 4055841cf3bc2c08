/** Cookie sessions for the dashboard (SPEC §3, §5.4); machines use bearer tokens. */
import Type from 'typebox';
import { ParapetError } from '../../../core/errors.js';
import { principalOf, type RouteModule } from '../route-kit.js';
import { sessionCookieName } from '../app.js';

const LoginBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }), totp: Type.Optional(Type.String({ maxLength: 16 })) },
  { additionalProperties: false },
);

export function authRoutes(secure: boolean): RouteModule {
  const cookieName = sessionCookieName(secure);
  return (app, deps) => {
    app.post('/auth/login', { config: { action: 'public' }, schema: { tags: ['auth'], body: LoginBody } }, async (req, reply) => {
      const { name, password } = req.body as { name: string; password: string };
      const user = await deps.auth.verifyLogin(name, password);
      if (!user) throw new ParapetError('invalid_credentials');
      // Rotation at login (SPEC §5.4): any session the browser held is replaced by a new id.
      const old = req.cookies[cookieName];
      if (old) await deps.auth.endSession(old);
      const s = await deps.auth.startSession(user);
      void reply.setCookie(cookieName, s.sessionId, { path: '/', httpOnly: true, sameSite: 'strict', secure, expires: new Date(s.expiresAt) });
      return { user: { name: user.name, role: user.role, sites: user.sites }, csrf: s.csrf };
    });

    app.post('/auth/logout', { config: { action: 'self.read' }, schema: { tags: ['auth'] } }, async (req, reply) => {
      const sid = req.cookies[cookieName];
      if (sid) await deps.auth.endSession(sid);
      void reply.clearCookie(cookieName, { path: '/', httpOnly: true, sameSite: 'strict', secure });
      return reply.status(204).send();
    });

    app.get('/auth/me', { config: { action: 'self.read' }, schema: { tags: ['auth'] } }, async (req) => {
      const p = principalOf(req);
      const sid = req.cookies[cookieName];
      const session = p.kind === 'user' && sid ? await deps.auth.authenticateSession(sid) : null;
      return { kind: p.kind, name: p.name, role: p.role, sites: p.sites, csrf: session?.csrf ?? null };
    });
  };
}
