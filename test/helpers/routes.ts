/** The served routes, read from the hub's OpenAPI document: route-table tests cover a route the moment it exists. */
import { testConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/core/log.js';
import { startHub, type Hub } from '../../src/hub.js';
import { tempDir } from './hub.js';

export interface ApiRoute {
  readonly method: string;
  /** As the document names it, under /api/v1, with {param} placeholders. */
  readonly path: string;
  /** Its `x-parapet-action` (src/auth/policy.ts). */
  readonly action: string | undefined;
}

/** A quiet in-memory hub on free ports, for route-table tests. */
export function startRouteTableHub(dirPrefix: string): Promise<Hub> {
  const config = testConfig({
    data_dir: tempDir(dirPrefix),
    http: { port: 0 },
    mqtt: { enabled: false, port: 0 },
    store: { kind: 'memory' },
    log: { level: 'silent' },
    ingest: { commit_delay_ms: 1 },
  });
  return startHub({ config, env: {}, logger: createLogger('silent') });
}

export async function apiRoutes(httpUrl: string, adminToken: string): Promise<ApiRoute[]> {
  const res = await fetch(`${httpUrl}/api/v1/openapi.json`, { headers: { authorization: `Bearer ${adminToken}` } });
  if (res.status !== 200) throw new Error(`openapi.json answered ${res.status}`);
  const doc = (await res.json()) as { paths: Record<string, Record<string, { 'x-parapet-action'?: string }>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map(([m, op]) => ({ method: m.toUpperCase(), path: path.startsWith('/api/v1') ? path : `/api/v1${path}`, action: op['x-parapet-action'] })),
  );
}
