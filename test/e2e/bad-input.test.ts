/**
 * "Bad input always gets a clear error, never 500" (SPEC §3), for every route at once: data-driven
 * from the served OpenAPI document like the authorization matrix, so a route added by anyone is
 * covered the moment it exists. Each route is called by a role allowed to call it, with malformed
 * bodies (not JSON, wrong JSON types, hostile keys, deep nesting, huge strings), malformed path
 * parameters and malformed query strings. Every answer must be below 500, and every error answer
 * must be the `{"error":"code","detail":"…"}` shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/hub.js';
import { can, isAction, type Action } from '../../src/auth/policy.js';
import { ROLES, type Role } from '../../src/store/store.js';
import { apiRoutes, startRouteTableHub, type ApiRoute } from '../helpers/routes.js';

type Route = ApiRoute;

/** Bodies that are not what any route wants (sent as application/json; the first is not JSON at all). */
const BODIES: ReadonlyArray<string> = [
  '{"unterminated": ',
  'null',
  '[]',
  '"a string"',
  '12345',
  'true',
  '{}',
  JSON.stringify({ __proto__: { admin: true }, constructor: { prototype: { x: 1 } } }),
  JSON.stringify({ id: 42, name: ['x'], type: null, site: {}, ts: 'not a time', from: -1, to: 'x', limit: 'many', value: 'v', class: 7, reason: 7, role: 'root', password: 1 }),
  JSON.stringify({ id: 'x'.repeat(100_000), name: '\u0000\ud800', site: 'a/../../b', text: '<script>alert(1)</script>' }),
  '['.repeat(5000) + ']'.repeat(5000),
  JSON.stringify(Array.from({ length: 20_000 }, (_, i) => i)),
];

/** Path parameters that name nothing, or nothing sane. */
const PARAMS: ReadonlyArray<string> = ['%00', '%zz', '%C0%AF', '..%2F..%2Fetc%2Fpasswd', 'x'.repeat(3000), '%E2%80%AE%F0%9F%92%A9', "'%20OR%201%3D1--", '%25', '-1'];

/** Query strings no route documents, or with values of the wrong kind. */
const QUERIES: ReadonlyArray<string> = [
  'limit=-1&from=yesterday&to=%00&cursor=not-a-cursor',
  'limit=1e309&interval=0&from=99999999999999999999&to=-99999999999999999999',
  'device=a&device=b&kind=&kind=camera.*&site[]=x&zone[$ne]=1',
  'state=open&severity=none&page=NaN&sort=__proto__',
  `q=${'z'.repeat(10_000)}`,
];

let hub: Hub;
let routes: Route[] = [];
const tokens = new Map<Role, string>();

/** A role allowed to call the route (so the input, not the credential, is what is judged). */
function roleFor(r: Route): Role | null {
  if (r.action === undefined || r.action === 'public' || !isAction(r.action)) return null;
  return ROLES.find((role) => can(role, r.action as Action)) ?? null;
}

interface Outcome {
  readonly status: number;
  readonly text: string;
  readonly contentType: string;
}

async function call(r: Route, path: string, body: string | null, query = ''): Promise<Outcome> {
  const role = roleFor(r);
  const headers: Record<string, string> = {};
  if (role) headers.authorization = `Bearer ${tokens.get(role) ?? ''}`;
  if (body !== null) headers['content-type'] = 'application/json';
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 10_000);
  try {
    const res = await fetch(`${hub.httpUrl}${path}${query ? `?${query}` : ''}`, { method: r.method, headers, body, signal: ac.signal });
    const contentType = res.headers.get('content-type') ?? '';
    // Streams (SSE) are cut once their headers arrived: the status is what is judged.
    const text = contentType.includes('event-stream') ? '' : await res.text();
    return { status: res.status, text, contentType };
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}

const fill = (r: Route, value: string) => r.path.replace(/\{[^}]+\}/g, value);

/** What is wrong with an answer, or null. */
function judge(o: Outcome): string | null {
  if (o.status >= 500) return `answered ${o.status}: ${o.text.slice(0, 200)}`;
  if (o.status >= 400 && o.contentType.includes('json')) {
    try {
      const b = JSON.parse(o.text) as { error?: unknown; detail?: unknown };
      if (typeof b.error !== 'string' || typeof b.detail !== 'string') return `answered ${o.status} without {error, detail}: ${o.text.slice(0, 200)}`;
    } catch {
      return `answered ${o.status} with a body that is not JSON: ${o.text.slice(0, 200)}`;
    }
  }
  return null;
}

beforeAll(async () => {
  hub = await startRouteTableHub('parapet-bad-input-');
  for (const role of ROLES) tokens.set(role, (await hub.deps.auth.createToken(`bad-${role}`, role, [])).secret);
  routes = await apiRoutes(hub.httpUrl, tokens.get('admin') ?? '');
});

afterAll(async () => {
  await hub?.close();
});

describe('bad input on every route: a clear error, never 500', () => {
  it('finds the routes', () => {
    expect(routes.length).toBeGreaterThan(30);
  });

  it('malformed bodies', async () => {
    const wrong: string[] = [];
    for (const r of routes.filter((x) => !['GET', 'DELETE'].includes(x.method))) {
      for (const body of BODIES) {
        const why = judge(await call(r, fill(r, 'bad-input-0'), body));
        if (why) wrong.push(`${r.method} ${r.path} with ${body.slice(0, 40)}: ${why}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('bodies of the wrong type or encoding', async () => {
    const wrong: string[] = [];
    const variants: ReadonlyArray<Record<string, string>> = [
      { 'content-type': 'application/xml' },
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      { 'content-type': 'application/json', 'content-encoding': 'br, zstd' },
      { 'content-type': 'multipart/form-data; boundary=x' },
      { 'content-type': 'application/json; charset=utf-16' },
    ];
    for (const r of routes.filter((x) => !['GET', 'DELETE'].includes(x.method))) {
      const role = roleFor(r);
      for (const v of variants) {
        const res = await fetch(`${hub.httpUrl}${fill(r, 'bad-input-0')}`, {
          method: r.method,
          headers: { ...v, ...(role ? { authorization: `Bearer ${tokens.get(role) ?? ''}` } : {}) },
          body: '<not>{what it says}</not>',
        });
        const why = judge({ status: res.status, text: await res.text(), contentType: res.headers.get('content-type') ?? '' });
        if (why) wrong.push(`${r.method} ${r.path} as ${JSON.stringify(v)}: ${why}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('malformed path parameters', async () => {
    const wrong: string[] = [];
    for (const r of routes.filter((x) => x.path.includes('{'))) {
      for (const p of PARAMS) {
        const why = judge(await call(r, fill(r, p), ['GET', 'DELETE'].includes(r.method) ? null : '{}'));
        if (why) wrong.push(`${r.method} ${fill(r, p).slice(0, 80)}: ${why}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('answers what the router refuses in the same shape: a too-long path segment 414, a bad %-escape 400', async () => {
    const get = async (path: string, method = 'GET') => {
      const res = await fetch(`${hub.httpUrl}${path}`, { method, headers: { authorization: `Bearer ${tokens.get('admin') ?? ''}` } });
      return { status: res.status, body: (await res.json()) as { error?: string; detail?: string } };
    };
    // (A GET of it falls through to the catch-all route and is a 404 not_found, also in shape.)
    const long = await get(`/api/v1/devices/${'d'.repeat(300)}`, 'DELETE');
    expect(long.status).toBe(414);
    expect(long.body).toEqual({ error: 'uri_too_long', detail: 'a path segment is longer than 200 characters' });
    const bad = await get('/api/v1/devices/%E0%A4%A');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('bad_request');
    expect(JSON.stringify(bad.body)).not.toContain('%E0');
  });

  it('malformed query strings', async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      for (const q of QUERIES) {
        const why = judge(await call(r, fill(r, 'bad-input-0'), ['GET', 'DELETE'].includes(r.method) ? null : '{}', q));
        if (why) wrong.push(`${r.method} ${r.path}?${q.slice(0, 60)}: ${why}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);
});
