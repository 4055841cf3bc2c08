/** Test helpers: a hub on ephemeral ports in a temp data dir, and authenticated fetch. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig, type ConfigOverrides } from '../../src/config/load.js';
import { startHub, type Hub } from '../../src/hub.js';
import type { Clock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/log.js';

export function tempDir(prefix = 'parapet-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestHub extends Hub {
  readonly adminToken: string;
  readonly ingestToken: string;
  readonly operatorToken: string;
  api(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
}

export async function startTestHub(overrides: ConfigOverrides = {}, clock?: Clock): Promise<TestHub> {
  // A data dir the test did not choose is ours to remove at close; one it passed in, it may reopen.
  const ownDir = !('data_dir' in overrides);
  const config = testConfig({
    data_dir: tempDir(),
    http: { port: 0 },
    mqtt: { port: 0, enabled: false },
    log: { level: 'silent' },
    store: { kind: 'memory' },
    ingest: { commit_delay_ms: 1 },
    ...overrides,
  });
  const hub = await startHub({ config, env: {}, logger: createLogger('silent'), ...(clock ? { clock } : {}) });
  const auth = hub.deps.auth;
  const adminToken = (await auth.createToken('test-admin', 'admin', [])).secret;
  const ingestToken = (await auth.createToken('test-ingest', 'ingest', [])).secret;
  const operatorToken = (await auth.createToken('test-operator', 'operator', [])).secret;
  const close = hub.close.bind(hub);
  return Object.assign(hub, {
    // Temp data dirs are removed with the hub, so test runs leave nothing behind.
    async close() {
      await close();
      if (ownDir) rmSync(config.data_dir, { recursive: true, force: true });
    },
    adminToken,
    ingestToken,
    operatorToken,
    api(path: string, init: RequestInit & { token?: string | null } = {}) {
      const headers = new Headers(init.headers);
      const token = init.token === undefined ? adminToken : init.token;
      if (token) headers.set('authorization', `Bearer ${token}`);
      if (init.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(`${hub.httpUrl}/api/v1${path}`, { ...init, headers });
    },
  });
}
