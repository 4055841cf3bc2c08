/**
 * Cookie sessions for the dashboard (SPEC §3, §5.4); machines use bearer tokens.
 * - login: throttled per account and per address (429 + Retry-After, no permanent lockout);
 *   admin and investigator accounts send a TOTP code (or a recovery code) once enrolled; before
 *   enrolment their session is limited to enrolling (principal.restricted);
 * - the session id rotates at every login; logout deletes the session server-side;
 * - every outcome is audited (SPEC §5.7).
 */
import Type from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ParapetError } from '../../../core/errors.js';
import type { UserRecord } from '../../../store/store.js';
import type { HubDeps } from '../../../hub-deps.js';
import { principalOf, type RouteModule } from '../route-kit.js';
import { sessionCookieName } from '../app.js';

const LoginBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
    totp: Type.Optional(Type.String({ maxLength: 32, description: 'TOTP code or a recovery code' })),
  },
  { additionalProperties: false },
);
const CodeBody = Type.Object({ code: Type.String({ minLength: 6, maxLength: 16 }) }, { additionalProperties: false });
const PasswordBody = Type.Object(
  { current: Type.String({ minLength: 1, maxLength: 256 }), new: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

async function currentUser(deps: HubDeps, req: FastifyRequest): Promise<UserRecord> {
  const p = principalOf(req);
  if (p.kind !== 'user') throw new ParapetError('unprocessable', 'only people have passwords and second factors; this is a token');
  const user = await deps.auth.getUser(p.id);
  if (!user) throw new ParapetError('unauthenticated');
  return user;
}

function throttled(reply: FastifyReply, ms: number): ParapetError {
  const s = Math.ceil(ms / 1000);
  void reply.header('retry-after', String(s));
  return new ParapetError('rate_limited', `too many failed logins; retry in ${s} s`);
}

export function authRoutes(secure: boolean): RouteModule {
  const cookieName = sessionCookieName(secure);
  const cookieOpts = { path: '/', httpOnly: true, sameSite: 'strict', secure } as const;
  return (app, deps) => {
    const throttle = deps.auth.loginThrottle;

    app.post('/auth/login', { config: { action: 'public' }, schema: { tags: ['auth'], body: LoginBody } }, async (req, reply) => {
      const { name, password, totp } = req.body as { name: string; password: string; totp?: string };
      const ip = req.ip;
      // Once the password matched, the entry concerns the account's sites (SPEC §5.3); before that
      // the name is only a claim, and the entry is global.
      const audit = (outcome: 'success' | 'failure' | 'denied', why: string, actor: string | null = null, sites: readonly string[] = []) =>
        deps.audit.record({ actor, action: 'auth.login', target: name, outcome, detail: { ip, why }, sites });

      const wait = await throttle.retryAfter(name, ip);
      if (wait > 0) {
        await audit('denied', 'throttled');
        throw throttled(reply, wait);
      }
      const user = await deps.auth.verifyLogin(name, password);
      if (!user) {
        await throttle.fail(name, ip);
        await audit('failure', 'bad password or unknown name');
        throw new ParapetError('invalid_credentials');
      }
      const second = await deps.auth.secondFactor.check(user, totp);
      if (second === 'required') {
        await audit('failure', 'second factor missing', null, user.sites);
        throw new ParapetError('totp_required', 'send the 6-digit code from your authenticator app (or a recovery code) as totp');
      }
      if (second === 'invalid') {
        await throttle.fail(name, ip);
        await audit('failure', 'bad or reused second-factor code', null, user.sites);
        throw new ParapetError('invalid_credentials', 'the name, password or code is wrong');
      }
      await throttle.succeed(name);
      // Rotation at login (SPEC §5.4): any session the browser held is replaced by a new id.
      const old = req.cookies[cookieName];
      if (old) await deps.auth.endSession(old);
      const s = await deps.auth.startSession(user);
      await audit('success', second === 'restricted' ? 'second factor not enrolled yet: session limited to enrolment' : 'ok', `user:${user.name}`, user.sites);
      void reply.setCookie(cookieName, s.sessionId, { ...cookieOpts, expires: new Date(s.expiresAt) });
      return {
        user: { name: user.name, role: user.role, sites: user.sites },
        csrf: s.csrf,
        expires_at: s.expiresAt,
        ...(second === 'restricted' ? { must_enrol_totp: true, next: 'POST /api/v1/auth/totp/enrol' } : {}),
      };
    });

    app.post('/auth/logout', { config: { action: 'self.read' }, schema: { tags: ['auth'] } }, async (req, reply) => {
      const sid = req.cookies[cookieName];
      if (sid) await deps.auth.endSession(sid);
      await deps.audit.record({ actor: principalOf(req), action: 'auth.logout', target: null, outcome: 'success', detail: null });
      void reply.clearCookie(cookieName, cookieOpts);
      return reply.status(204).send();
    });

    app.get('/auth/me', { config: { action: 'self.read' }, schema: { tags: ['auth'] } }, async (req) => {
      const p = principalOf(req);
      const sid = req.cookies[cookieName];
      const session = p.kind === 'user' && sid ? await deps.auth.authenticateSession(sid) : null;
      const user = p.kind === 'user' ? await deps.auth.getUser(p.id) : null;
      return {
        kind: p.kind,
        name: p.name,
        role: p.role,
        sites: p.sites,
        csrf: session?.csrf ?? null,
        totp: user ? user.totp !== null : null,
        restricted: p.restricted ?? null,
      };
    });

    app.post('/auth/totp/enrol', { config: { action: 'self.manage' }, schema: { tags: ['auth'], summary: 'Start TOTP enrolment: an otpauth:// URI to scan' } }, async (req, reply) => {
      const user = await currentUser(deps, req);
      const r = await deps.auth.secondFactor.begin(user);
      return reply.status(201).send({ otpauth_uri: r.uri, secret: r.secret, expires_at: r.expires_at, next: 'POST /api/v1/auth/totp/confirm {"code":"123456"}' });
    });

    app.post('/auth/totp/confirm', { config: { action: 'self.manage' }, schema: { tags: ['auth'], body: CodeBody } }, async (req) => {
      const user = await currentUser(deps, req);
      try {
        const { recovery_codes } = await deps.auth.secondFactor.confirm(user, (req.body as { code: string }).code);
        await deps.audit.record({ actor: principalOf(req), action: 'auth.totp_enrol', target: user.name, outcome: 'success', detail: null });
        return { recovery_codes, note: 'each recovery code works once; they are shown only now' };
      } catch (err) {
        await deps.audit.record({ actor: principalOf(req), action: 'auth.totp_enrol', target: user.name, outcome: 'failure', detail: null });
        throw err;
      }
    });

    app.post('/auth/password', { config: { action: 'self.manage' }, schema: { tags: ['auth'], body: PasswordBody } }, async (req, reply) => {
      const user = await currentUser(deps, req);
      const body = req.body as { current: string; new: string };
      const wait = await throttle.retryAfter(user.name, req.ip);
      if (wait > 0) throw throttled(reply, wait);
      try {
        await deps.auth.changePassword(user, body.current, body.new);
      } catch (err) {
        if (err instanceof ParapetError && err.code === 'invalid_credentials') await throttle.fail(user.name, req.ip);
        await deps.audit.record({ actor: principalOf(req), action: 'auth.password_change', target: user.name, outcome: 'failure', detail: null });
        throw err;
      }
      await deps.audit.record({ actor: principalOf(req), action: 'auth.password_change', target: user.name, outcome: 'success', detail: null });
      return reply.status(204).send();
    });
  };
}
