/**
 * SPEC §7, "one can fail": a hot standby serving node on this machine's PostgreSQL and NATS.
 * Real `parapet start` processes:
 * - a standby waits while the serving node holds the schema's serving lease, naming the holder;
 * - when the serving node is killed with SIGKILL, the standby serves within seconds, finds every
 *   event the dead node acknowledged, and goes on counting the failed logins it had seen;
 * - a node whose lease session is cut while another standby waits stops (exit code 1) rather than
 *   serve beside the node that took the lease.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/hub.js';
import { dropScaleOut, NATS_URL, PG_URL, scaleOutNames, until } from '../helpers/scale-out.js';
import { lockKeys } from '../../src/store/postgres/pg-sql.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'parapet.js');
const names = scaleOutNames();
const dataDir = tempDir('parapet-standby-');
const children: ChildProcessWithoutNullStreams[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await dropScaleOut(names);
  rmSync(dataDir, { recursive: true, force: true });
});

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PARAPET_')) e[k] = v;
  return Object.assign(e, {
    PARAPET_LOG_LEVEL: 'warn',
    PARAPET_DATA_DIR: dataDir,
    PARAPET_STORE_KIND: 'postgres',
    PARAPET_STORE_POSTGRES_URL: PG_URL,
    PARAPET_STORE_POSTGRES_SCHEMA: names.schema,
    PARAPET_BUS_KIND: 'nats',
    PARAPET_BUS_NATS_URL: NATS_URL,
    PARAPET_BUS_NATS_PREFIX: names.prefix,
    PARAPET_MQTT_ENABLED: 'false',
    // This machine's PostgreSQL (trust auth) and NATS (no auth) fail the leak guard on purpose.
    PARAPET_GUARD_ALLOW_UNSAFE: 'true',
  });
}

interface Node {
  readonly proc: ChildProcessWithoutNullStreams;
  out: string;
  err: string;
  readonly exited: Promise<number | null>;
}

function startNode(...flags: string[]): Node {
  const proc = spawn(process.execPath, [BIN, 'start', '--http-port', '0', ...flags], { cwd: ROOT, env: env() });
  children.push(proc);
  const node: Node = { proc, out: '', err: '', exited: new Promise((resolve) => proc.on('exit', (code) => resolve(code))) };
  proc.stdout.on('data', (c: Buffer) => (node.out += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (node.err += c.toString()));
  return node;
}

/** The node's API URL once it serves. */
function served(node: Node, ms = 30_000): Promise<string> {
  return until(async () => /dashboard and API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(node.out)?.[1] ?? (node.proc.exitCode !== null ? Promise.reject(new Error(`node exited ${node.proc.exitCode}:\n${node.out}\n${node.err}`)) : undefined), ms);
}

function cli(...args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: env(), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`parapet ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim().split('\n').at(-1) ?? '';
}

async function cutLease(): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  const [k1, k2] = lockKeys(names.schema, 'serving').split(', ');
  await c.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = (${k1})::oid AND objid = (${k2})::oid AND objsubid = 2 AND granted`);
  await c.end();
}

describe('a standby serving node (SPEC §7)', () => {
  it('waits for the lease, takes over from a killed node with every acknowledged event, and a node that lost its lease stops', async () => {
    const first = startNode();
    const firstUrl = await served(first);
    const admin = cli('token', 'create', '--name', 'standby-admin', '--role', 'admin');
    const ingest = cli('token', 'create', '--name', 'standby-feed', '--role', 'ingest');
    const auth = (t: string) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' });
    expect((await fetch(`${firstUrl}/api/v1/devices/cam-1`, { method: 'PUT', headers: auth(admin), body: JSON.stringify({ type: 'camera', site: 'harbour', heartbeat_s: 60 }) })).status).toBe(201);

    const second = startNode('--standby');
    await until(async () => (/standby: the serving lease of schema e2e_\w+ is held by parapet-serving \S+ pid (\d+)/.exec(second.err)?.[1] === String(first.proc.pid) ? true : undefined));
    expect(second.out).not.toMatch(/Parapet is running/);

    const events = Array.from({ length: 50 }, (_, i) => ({ id: `cam-1-${i}`, ts: new Date().toISOString(), device: 'cam-1', kind: 'camera.motion', data: { zone: 'gate' } }));
    const res = await fetch(`${firstUrl}/api/v1/events`, { method: 'POST', headers: auth(ingest), body: JSON.stringify(events) });
    expect({ status: res.status, body: (await res.json()) as unknown }).toMatchObject({ status: 202, body: { accepted: 50 } });

    // Five failed logins on the serving node: the throttle's counts live in the store (PostgreSQL).
    const login = (url: string) => fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'mallory', password: 'not-the-password' }) });
    for (let i = 0; i < 5; i++) expect((await login(firstUrl)).status).toBe(401);

    first.proc.kill('SIGKILL');
    const t0 = Date.now();
    const secondUrl = await served(second);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const page = (await (await fetch(`${secondUrl}/api/v1/events?device=cam-1&kind=camera.motion&limit=100`, { headers: auth(admin) })).json()) as { events: Array<{ id: string }> };
    expect(page.events.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
    // The take-over gives no fresh allowance of password guesses.
    const sixth = await login(secondUrl);
    expect({ status: sixth.status, body: (await sixth.json()) as unknown }).toMatchObject({ status: 429, body: { error: 'rate_limited' } });

    // A third node waits on the second; the second's lease session is cut: the third serves, the second stops.
    const third = startNode('--standby');
    await until(async () => (/standby: the serving lease/.test(third.err) ? true : undefined));
    await cutLease();
    await served(third);
    expect(await second.exited).toBe(1);
    expect(second.err).toMatch(/the serving lease of schema e2e_\w+ was lost \(.*\) and is now held by parapet-serving \S+ pid \d+.*: stopping/);
    third.proc.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  });

  it('refuses --standby where there is no lease to wait for', () => {
    const r = spawnSync(process.execPath, [BIN, 'start', '--standby', '--http-port', '0'], { cwd: ROOT, env: { ...env(), PARAPET_STORE_KIND: 'sqlite', PARAPET_BUS_KIND: 'memory' }, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/node\.standby is for a serving node \(node\.role all\) on store\.kind postgres/);
  });
});
