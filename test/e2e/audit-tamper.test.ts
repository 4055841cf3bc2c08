/**
 * `parapet audit verify` against a real data dir (SPEC §5.7): the hub writes audit entries into
 * its encrypted SQLite store; an attacker with the database (and the master key file) drops the
 * append-only triggers and edits, deletes or reorders rows; the command names the first broken
 * entry each time and exits 1 — an entry's sites (SPEC §5.3) included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/core/log.js';
import { openOffline, startHub } from '../../src/hub.js';
import { main } from '../../src/cli/main.js';
import type { CliContext } from '../../src/cli/context.js';
import { tempDir } from '../helpers/hub.js';
import { cpSync, rmSync } from 'node:fs';

interface RawDb {
  exec(sql: string): unknown;
}

let source: string;
/** The seq of the one site-bound entry: a device created in site harbour. */
let deviceSeq = 0;
const config = (dir: string) => testConfig({ data_dir: dir, http: { port: 0 }, mqtt: { enabled: false, port: 0 }, log: { level: 'silent' } });

async function verify(dir: string): Promise<{ code: number; out: string }> {
  let out = '';
  const ctx: CliContext = {
    env: { PARAPET_LOG_LEVEL: 'silent' },
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: () => true },
    onSignal: () => () => undefined,
  };
  const code = await main(['node', 'parapet', 'audit', 'verify', '--data-dir', dir], ctx);
  return { code, out };
}

/** A copy of the source data dir, tampered with through the store's own SQLite handle. */
async function tampered(sql: string): Promise<string> {
  const dir = tempDir('parapet-tamper-');
  cpSync(source, dir, { recursive: true });
  const hub = await openOffline({ config: config(dir), env: {}, logger: createLogger('silent') });
  const db = (hub.deps.store as unknown as { db: RawDb }).db;
  db.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');
  db.exec(sql);
  await hub.close();
  return dir;
}

beforeAll(async () => {
  source = tempDir('parapet-audit-src-');
  const hub = await startHub({ config: config(source), env: {}, logger: createLogger('silent') });
  for (let i = 0; i < 8; i++) {
    await fetch(`${hub.httpUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `nobody${i}`, password: 'x' }) });
  }
  const { secret } = await hub.deps.auth.createToken('tamper-admin', 'admin', []);
  const put = await fetch(`${hub.httpUrl}/api/v1/devices/cam-1`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'camera', site: 'harbour', name: 'cam-1' }),
  });
  expect(put.status).toBe(201);
  const [created] = await hub.deps.audit.list({ limit: 1, action: 'device.create' });
  expect(created?.sites).toEqual(['harbour']);
  deviceSeq = created?.seq ?? 0;
  await hub.close();
});

afterAll(() => rmSync(source, { recursive: true, force: true }));

describe('parapet audit verify on a tampered database', () => {
  it('passes the untouched log', async () => {
    const r = await verify(source);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ok: the chain is intact/);
  });

  it('names an edited entry', async () => {
    const r = await verify(await tampered("UPDATE audit_log SET target = 'someone-else' WHERE seq = 3"));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/BROKEN at entry 3 \(edited\)/);
  });

  it("names an entry whose sites were changed", async () => {
    const r = await verify(await tampered(`UPDATE audit_log SET sites = '["campus"]' WHERE seq = ${deviceSeq}`));
    expect(r.code).toBe(1);
    expect(r.out).toContain(`BROKEN at entry ${deviceSeq} (edited)`);
  });

  it('names a global entry given a site', async () => {
    const r = await verify(await tampered(`UPDATE audit_log SET sites = '["harbour"]' WHERE seq = 2`));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/BROKEN at entry 2 \(edited\)/);
  });

  it('names a deleted entry', async () => {
    const r = await verify(await tampered('DELETE FROM audit_log WHERE seq = 4'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/BROKEN at entry 4 \(deleted\)/);
  });

  it('names a reordered entry', async () => {
    const r = await verify(await tampered('UPDATE audit_log SET seq = -1 WHERE seq = 5; UPDATE audit_log SET seq = 5 WHERE seq = 6; UPDATE audit_log SET seq = 6 WHERE seq = -1;'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/BROKEN at entry 5 \(reordered\)/);
  });
});
