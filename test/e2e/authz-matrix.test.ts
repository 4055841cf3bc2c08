/**
 * The route × role × site matrix (SPEC §5.1, §5.3; STYLE §9). Data-driven from the served OpenAPI
 * document, so a route added by anyone is covered the moment it exists:
 * - every route names an action (`x-parapet-action`) that the POLICY table knows, and only the
 *   allow-listed routes are public;
 * - every non-public route answers 401 without a credential;
 * - for every role, a route answers 403 exactly when POLICY refuses that role;
 * - a site-scoped credential sees another site's objects as 404 and its own as present;
 * - a site-scoped auditor lists only its own site's audit entries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/hub.js';
import { can, isAction, type Action } from '../../src/auth/policy.js';
import { ROLES, type Role } from '../../src/store/store.js';
import { apiRoutes, startRouteTableHub, type ApiRoute } from '../helpers/routes.js';

/** SPEC §5.1: nothing else may be reachable without a credential. */
const PUBLIC_ROUTES = new Set(['GET /api/v1/healthz', 'POST /api/v1/auth/login', 'POST /api/v1/enrol']);

const OWN = 'harbour';
const OTHER = 'campus';

/**
 * Objects that belong to a site, by path pattern: the value to put in the path parameter for an
 * object of the caller's own site and of another site. Add a line when a route family gets
 * site-bound objects so the 404 rule is checked for it too (alerts are added once they exist).
 */
interface SiteObject {
  readonly path: RegExp;
  readonly param: string;
  readonly own: string;
  readonly other: string;
}
const SITE_OBJECTS: SiteObject[] = [{ path: /^\/api\/v1\/devices\/\{id\}/, param: 'id', own: 'mx-own-1', other: 'mx-other-1' }];

/**
 * Valid bodies for routes whose body decides whether the handler (and so the site check) runs at
 * all; every other write gets `{}`. Keyed by `METHOD /path` as in the OpenAPI document.
 */
const BODIES: Record<string, unknown> = {
  'PUT /api/v1/devices/{id}': { type: 'camera', site: OWN, zone: 'gate', name: 'matrix', lat: 38.7, lon: -9.1, heartbeat_s: 60 },
  'POST /api/v1/alerts/{id}/ack': { note: 'matrix' },
  'POST /api/v1/alerts/{id}/resolve': { reason: 'matrix' },
  'POST /api/v1/alerts/{id}/snooze': { minutes: 5 },
  'POST /api/v1/alerts/{id}/assign': { assignee: 'matrix' },
  'POST /api/v1/alerts/{id}/comments': { text: 'matrix' },
};

/**
 * An alert in each site (camera tamper on the two fixture cameras), registered as site objects so
 * every /alerts/{id} route is checked for the other-site 404 as devices are.
 */
async function addAlertObjects(): Promise<void> {
  await resetFixtures();
  const ingest = tokenFor('ingest', false);
  const now = new Date().toISOString();
  const res = await fetch(`${hub.httpUrl}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ingest}`, 'content-type': 'application/json' },
    body: JSON.stringify(['mx-own-1', 'mx-other-1'].map((device) => ({ ts: now, device, kind: 'camera.tamper', data: { reason: 'covered' } }))),
  });
  expect(res.status).toBe(202);
  const bySite = new Map<string, string>();
  for (let i = 0; i < 100 && bySite.size < 2; i++) {
    const list = await fetch(`${hub.httpUrl}/api/v1/alerts?rule=camera-tamper`, { headers: { authorization: `Bearer ${tokenFor('admin', false)}` } });
    for (const a of ((await list.json()) as { alerts: Array<{ id: string; site: string }> }).alerts) bySite.set(a.site, a.id);
    if (bySite.size < 2) await new Promise((r) => setTimeout(r, 20));
  }
  const own = bySite.get(OWN);
  const other = bySite.get(OTHER);
  if (!own || !other) throw new Error('the camera-tamper alerts of the fixtures did not open');
  SITE_OBJECTS.push({ path: /^\/api\/v1\/alerts\/\{id\}/, param: 'id', own, other });
}

/** Values for other path parameters: a well-formed id that names nothing. */
const PLACEHOLDER = 'mx-nothing-0';

type Route = ApiRoute;

let hub: Hub;
let routes: Route[] = [];
const tokens = new Map<string, string>();
const tokenFor = (role: Role, scoped: boolean) => tokens.get(`${role}:${scoped ? 'scoped' : 'all'}`) ?? '';

async function resetFixtures(): Promise<void> {
  for (const [id, site] of [
    ['mx-own-1', OWN],
    ['mx-other-1', OTHER],
  ] as const) {
    await hub.deps.registry.put({ id, type: 'camera', site, zone: 'gate', name: id, lat: 38.7, lon: -9.1, heartbeat_s: 60 });
  }
}

function urlFor(r: Route, objectValue?: string): string {
  return r.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const so = SITE_OBJECTS.find((o) => o.path.test(r.path) && o.param === name);
    return encodeURIComponent(so && objectValue !== undefined ? objectValue : PLACEHOLDER);
  });
}

/** Status of one request; streaming answers (SSE) are cut once the headers arrived. */
async function statusOf(r: Route, token: string | null, objectValue?: string): Promise<number> {
  await resetFixtures();
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  const hasBody = !['GET', 'HEAD', 'DELETE'].includes(r.method);
  if (hasBody) headers['content-type'] = 'application/json';
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 10_000);
  try {
    const body = hasBody ? JSON.stringify(BODIES[`${r.method} ${r.path}`] ?? {}) : null;
    const res = await fetch(`${hub.httpUrl}${urlFor(r, objectValue)}`, { method: r.method, headers, body, signal: ac.signal });
    return res.status;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}

beforeAll(async () => {
  hub = await startRouteTableHub('parapet-matrix-');
  for (const role of ROLES) {
    tokens.set(`${role}:all`, (await hub.deps.auth.createToken(`mx-${role}`, role, [])).secret);
    tokens.set(`${role}:scoped`, (await hub.deps.auth.createToken(`mx-${role}-${OWN}`, role, [OWN])).secret);
  }
  await addAlertObjects();
  routes = await apiRoutes(hub.httpUrl, tokenFor('admin', false));
});

afterAll(async () => {
  await hub?.close();
});

describe('authorization matrix', () => {
  it('finds the routes in the OpenAPI document', () => {
    expect(routes.length).toBeGreaterThan(10);
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(['POST /api/v1/events', 'GET /api/v1/audit', 'POST /api/v1/tokens']));
  });

  it('gives every route an action from the POLICY table, and keeps public only the allow-listed routes', () => {
    const problems: string[] = [];
    for (const r of routes) {
      const key = `${r.method} ${r.path}`;
      if (r.action === undefined) problems.push(`${key}: no x-parapet-action`);
      else if (r.action === 'public') {
        if (!PUBLIC_ROUTES.has(key)) problems.push(`${key}: public, but SPEC §5.1 allows only ${[...PUBLIC_ROUTES].join(', ')}`);
      } else if (!isAction(r.action)) problems.push(`${key}: action ${r.action} is missing from POLICY (src/auth/policy.ts)`);
    }
    expect(problems).toEqual([]);
  });

  it('refuses every non-public route without a credential (401)', async () => {
    const wrong: string[] = [];
    for (const r of routes.filter((x) => x.action !== 'public')) {
      const s = await statusOf(r, null);
      if (s !== 401) wrong.push(`${r.method} ${r.path} → ${s}`);
    }
    expect(wrong).toEqual([]);
  });

  it('answers 403 exactly when POLICY refuses the role', async () => {
    const wrong: string[] = [];
    for (const r of routes.filter((x) => x.action !== 'public' && x.action !== undefined && isAction(x.action))) {
      for (const role of ROLES) {
        const s = await statusOf(r, tokenFor(role, false));
        const allowed = can(role, r.action as Action);
        if ((s === 403) === allowed || s === 401 || s >= 500) wrong.push(`${r.method} ${r.path} as ${role} → ${s} (POLICY ${allowed ? 'allows' : 'refuses'})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("shows a site-scoped credential another site's objects as 404 and its own as present", async () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const r of routes) {
      const so = SITE_OBJECTS.find((o) => o.path.test(r.path));
      if (!so || r.action === undefined || !isAction(r.action)) continue;
      for (const role of ROLES.filter((x) => can(x, r.action as Action))) {
        checked++;
        const other = await statusOf(r, tokenFor(role, true), so.other);
        if (other !== 404) wrong.push(`${r.method} ${r.path} (${OTHER}) as ${role}@${OWN} → ${other}, want 404`);
        const own = await statusOf(r, tokenFor(role, true), so.own);
        if (own === 404 || own === 403 || own >= 500) wrong.push(`${r.method} ${r.path} (${OWN}) as ${role}@${OWN} → ${own}`);
      }
    }
    expect(checked).toBeGreaterThan(0);
    // Devices and alerts both took part.
    expect(SITE_OBJECTS.map((o) => String(o.path))).toEqual(expect.arrayContaining([expect.stringContaining('devices'), expect.stringContaining('alerts')]));
    expect(wrong).toEqual([]);
  });

  it("lists to a site-scoped auditor only its own site's audit entries, and every entry to an unscoped one", async () => {
    for (const [id, site] of [
      ['mx-own-1', OWN],
      ['mx-other-1', OTHER],
    ] as const) {
      const body = JSON.stringify({ ...(BODIES['PUT /api/v1/devices/{id}'] as object), site, name: `${id} audited` });
      const res = await fetch(`${hub.httpUrl}/api/v1/devices/${id}`, { method: 'PUT', headers: { authorization: `Bearer ${tokenFor('admin', false)}`, 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
    }
    const list = async (scoped: boolean) => {
      const res = await fetch(`${hub.httpUrl}/api/v1/audit?action=device.update&limit=500`, { headers: { authorization: `Bearer ${tokenFor('auditor', scoped)}` } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { entries: Array<{ target: string; sites: string[] }> }).entries;
    };
    const scoped = await list(true);
    expect(scoped.map((e) => e.target)).toContain('mx-own-1');
    expect(scoped.map((e) => e.target)).not.toContain('mx-other-1');
    expect(scoped.every((e) => e.sites.includes(OWN))).toBe(true);
    expect((await list(false)).map((e) => e.target)).toEqual(expect.arrayContaining(['mx-own-1', 'mx-other-1']));
  });
});

