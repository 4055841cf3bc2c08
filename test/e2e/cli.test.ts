/**
 * The real `parapet` binary end to end (SPEC §3; issue 2 §1, §9, §10): offline admin commands on
 * a temp data dir print their secret alone on the last line; `start` on ephemeral ports prints the
 * URL it bound; `simulate` streams a district into it; `demo` shows its box and streams; a taken
 * port is a clear usage error. Argument handling, device import and the other failures are tested
 * in process (src/cli/main.test.ts): every spawn here costs about 2 s of CPU.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'parapet.js');
const dirs: string[] = [];
const children: ChildProcessWithoutNullStreams[] = [];
const servers: Server[] = [];

/** The environment without PARAPET_* settings, so the machine's own configuration cannot leak in. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PARAPET_')) env[k] = v;
  return { ...env, PARAPET_LOG_LEVEL: 'warn' };
}

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'parapet-cli-'));
  dirs.push(d);
  return join(d, 'data');
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnCli(args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv() });
  children.push(child);
  return child;
}

function run(args: string[]): Promise<Result> {
  const child = spawnCli(args);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const lastLine = (s: string) => s.trimEnd().split('\n').at(-1) ?? '';

/** Resolves with the first stdout match of `re`; rejects if the process exits first. */
function waitFor(child: ChildProcessWithoutNullStreams, re: RegExp): Promise<RegExpMatchArray> {
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = out.match(re);
      if (m) resolve(m);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before printing ${re}:\n${out}\n${err}`)));
  });
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', (code) => resolve(code))));
}

async function busyPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// Each test spawns its own processes on its own data dir and ports: they run side by side. Every
// spawn loads the CLI through tsx (about 2 s of CPU), so a loaded 2-core machine needs the room.
describe.concurrent('parapet CLI', { timeout: 90_000 }, () => {
  it('creates a user offline and prints the password alone on the last line', async ({ expect }) => {
    const dir = dataDir();
    const r = await run(['user', 'add', 'alice', '--role', 'operator', '--site', 'harbour', '--data-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    const password = lastLine(r.stdout);
    expect(password).toMatch(/^\S{20,}$/);
    expect(r.stdout).toContain('created user alice (role operator, sites harbour)');
    expect(r.stdout.split(password).length).toBe(2);
    const again = await run(['user', 'add', 'alice', '--role', 'operator', '--data-dir', dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^parapet: /m);
    expect(again.stderr).not.toMatch(/\n\s+at /);
  });

  it('creates a token offline and prints the secret alone on the last line', async ({ expect }) => {
    const r = await run(['--data-dir', dataDir(), 'token', 'create', '--name', 'gate-feed', '--role', 'ingest']);
    expect(r.code, r.stderr).toBe(0);
    expect(lastLine(r.stdout)).toMatch(/^ppt\S{20,}$/);
  });

  it('starts on ephemeral ports, prints the bound URL, takes a simulated district, and stops on SIGTERM', async ({ expect }) => {
    const dir = dataDir();
    const token = await run(['token', 'create', '--name', 'sim', '--role', 'admin', '--data-dir', dir]);
    expect(token.code, token.stderr).toBe(0);
    const secret = lastLine(token.stdout);
    const hub = spawnCli(['start', '--http-port', '0', '--mqtt-port', '0', '--data-dir', dir]);
    const [, url] = await waitFor(hub, /dashboard and API\s+(http:\/\/127\.0\.0\.1:\d+)/);
    expect(url).toBeDefined();
    if (!url) return;
    const sim = await run(['simulate', '--url', url, '--token', secret, '--devices', '20', '--rate', '200', '--duration', '3']);
    expect(sim.code, sim.stderr + sim.stdout).toBe(0);
    const summary = /sent ([\d,]+) events .*: ([\d,]+) accepted, ([\d,]+) duplicates, ([\d,]+) rejected/.exec(sim.stdout);
    const [sent, accepted, , rejected] = (summary?.slice(1) ?? []).map((n) => Number(n.replaceAll(',', '')));
    expect(sent).toBeGreaterThan(300);
    expect(accepted).toBe(sent);
    expect(rejected).toBe(0);
    expect(sim.stderr).toContain('registered 20 devices');
    const devices = await fetch(`${url}/api/v1/devices`, { headers: { authorization: `Bearer ${secret}` } });
    expect(devices.status).toBe(200);
    expect(JSON.stringify(await devices.json())).toContain('cam-001');
    const events = await fetch(`${url}/api/v1/events?device=cam-001&limit=5`, { headers: { authorization: `Bearer ${secret}` } });
    expect(((await events.json()) as { events: unknown[] }).events.length).toBeGreaterThan(0);
    hub.kill('SIGTERM');
    expect(await exited(hub)).toBe(0);
  });

  it('runs the demo: prints the URL and the one-time password in its box, streams, stops on SIGINT', async ({ expect }) => {
    const dir = dataDir();
    const token = await run(['token', 'create', '--name', 'watcher', '--role', 'operator', '--data-dir', dir]);
    expect(token.code, token.stderr).toBe(0);
    const secret = lastLine(token.stdout);
    const demo = spawnCli(['demo', '--http-port', '0', '--mqtt-port', '0', '--devices', '15', '--data-dir', dir]);
    let stderr = '';
    demo.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const streamed = new Promise<void>((resolve) => demo.stderr.on('data', () => /sent [1-9]/.test(stderr) && resolve()));
    const [box, url] = await waitFor(demo, /Open\s+(http:\/\/127\.0\.0\.1:\d+)[\s\S]*└/);
    expect(box).toMatch(/Password\s+\S{20,}/);
    await streamed;
    const events = await fetch(`${url}/api/v1/events?limit=10`, { headers: { authorization: `Bearer ${secret}` } });
    expect(events.status).toBe(200);
    expect(((await events.json()) as { events: unknown[] }).events.length).toBeGreaterThan(0);
    demo.kill('SIGINT');
    expect(await exited(demo)).toBe(0);
    expect(stderr).toMatch(/sent [\d,]+ events in/);
  });

  it('names --http-port when the HTTP port is taken, with exit code 2 and no stack trace', async ({ expect }) => {
    const port = await busyPort();
    const r = await run(['start', '--http-port', String(port), '--mqtt-port', '0', '--data-dir', dataDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`port ${port}`);
    expect(r.stderr).toContain('--http-port');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

});
