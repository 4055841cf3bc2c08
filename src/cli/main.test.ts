import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { main } from './main.js';
import type { CliContext } from './context.js';
import { describeFailure } from './failure.js';
import { ParapetError } from '../core/errors.js';
import { freePort } from '../../test/helpers/ports.js';

function fakeContext(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    env,
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    onSignal: () => () => undefined,
  };
  return { ctx, out: () => out.join(''), err: () => err.join('') };
}

const run = (args: string[], env: Record<string, string> = {}) => {
  const f = fakeContext(env);
  return main(['node', 'parapet', ...args], f.ctx).then((code) => ({ code, stdout: f.out(), stderr: f.err() }));
};

const servers: Array<{ close(cb: () => void): unknown }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
/** A fresh data dir; the offline commands open it for real (encrypted SQLite), quietly. */
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'parapet-main-'));
  dirs.push(d);
  return join(d, 'data');
}
const QUIET = { PARAPET_LOG_LEVEL: 'silent' };

/** Just enough hub for simulate: healthz, device PUT and ingest, admin token "a". */
async function miniHub(): Promise<{ url: string; received: () => number }> {
  let received = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/healthz') return res.end('{"status":"ok"}');
      if (req.headers.authorization !== 'Bearer a') return res.writeHead(401).end('{"error":"unauthenticated","detail":"no"}');
      if (req.method === 'PUT') return res.writeHead(201).end('{}');
      const n = body.split('\n').filter(Boolean).length;
      received += n;
      res.writeHead(202).end(JSON.stringify({ accepted: n, duplicates: 0, rejected: [] }));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received: () => received };
}

describe('parapet main', () => {
  it('lists every command in its help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['start', 'demo', 'simulate', 'user', 'token', 'device', 'doctor', 'audit', 'retention', 'report']) expect(r.stdout).toContain(`  ${c}`);
  });

  it('treats an unknown command or a missing required option as a usage error (exit 2)', async () => {
    expect((await run(['launch'])).code).toBe(2);
    const r = await run(['simulate', '--token', 't']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--url <url>'");
  });

  it('refuses a bad numeric value naming the range', async () => {
    const r = await run(['start', '--http-port', '70000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('from 0 to 65535');
    expect((await run(['simulate', '--url', 'http://x', '--token', 't', '--rate', '0'])).code).toBe(2);
  });

  it('asks for a token when simulate has none, and takes it from PARAPET_TOKEN', async () => {
    const none = await run(['simulate', '--url', 'http://127.0.0.1:9']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('PARAPET_TOKEN');
    const hub = await miniHub();
    const r = await run(['simulate', '--url', hub.url, '--duration', '0.5', '--devices', '10', '--rate', '100'], { PARAPET_TOKEN: 'a' });
    expect(r.code, r.stderr).toBe(0);
    expect(hub.received()).toBeGreaterThan(10);
  });

  it('streams to the hub for --duration, with progress on stderr and the summary on stdout', async () => {
    const hub = await miniHub();
    const r = await run(['simulate', '--url', hub.url, '--token', 'a', '--devices', '12', '--rate', '200', '--duration', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('registered 12 devices of site harbour');
    expect(r.stderr).toMatch(/sent [\d,]+ · accepted/);
    expect(r.stdout).toMatch(/^sent [\d,]+ events in 1\.\d s/);
    expect(hub.received()).toBeGreaterThan(150);
    expect(hub.received()).toBeLessThan(260);
  });

  it('exits 1 with the reason when the token is refused', async () => {
    const hub = await miniHub();
    const r = await run(['simulate', '--url', hub.url, '--token', 'wrong', '--duration', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('parapet: the hub refused the token for registering devices (401');
  });

  it('checks an import file with --dry-run without opening a data dir', async () => {
    const file = new URL('../registry/import-fixtures/devices.geojson', import.meta.url).pathname;
    const r = await run(['device', 'import', file, '--dry-run', '--data-dir', '/nonexistent/never-created']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('2 of 2 devices valid (geojson); nothing registered');
  });

  it('imports devices into a data dir, lists each bad row, and exits 1 when any was refused', async () => {
    const dir = dataDir();
    const fixtures = new URL('../registry/import-fixtures/', import.meta.url).pathname;
    const good = await run(['device', 'import', `${fixtures}devices.csv`, '--data-dir', dir], QUIET);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('imported 3 of 3 devices');
    expect(good.stdout).toContain('3 new, 0 updated');
    const again = await run(['device', 'import', `${fixtures}devices.json`, '--data-dir', dir], QUIET);
    expect(again.stdout).toContain('1 new, 2 updated');
    const bad = await run(['device', 'import', `${fixtures}devices-bad.json`, '--data-dir', dir], QUIET);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('imported 1 of 10 devices');
    expect(bad.stderr).toContain('row 5, lat: must be <= 90');
    expect(bad.stderr).toContain('parapet: 9 rows refused (listed above)');
    const creds = await run(['device', 'credentials', 'cam-017', '--data-dir', dir], QUIET);
    expect(creds.code, creds.stderr).toBe(0);
    expect(creds.stdout.trimEnd().split('\n').at(-1)).toMatch(/^ppd\S{20,}$/);
    const ghost = await run(['device', 'credentials', 'ghost-1', '--data-dir', dir], QUIET);
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toContain('no device ghost-1 is registered');
  });

  it('refuses an unknown role as a usage error naming the allowed ones', async () => {
    const r = await run(['user', 'add', 'bob', '--role', 'wizard', '--data-dir', dataDir()], QUIET);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('admin, operator, investigator, auditor, ingest');
  });

  it('says clearly when simulate cannot reach the hub, and exits 1', async () => {
    const port = await freePort();
    const r = await run(['simulate', '--url', `http://127.0.0.1:${port}`, '--token', 'x', '--duration', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`parapet: cannot reach the hub at http://127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it('names --mqtt-port when the MQTT port is taken, with exit code 2 and no stack trace', async () => {
    const busy = createTcpServer();
    servers.push(busy);
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as AddressInfo).port;
    const r = await run(['start', '--http-port', '0', '--mqtt-port', String(port), '--data-dir', dataDir()], QUIET);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${port}`);
    expect(r.stderr).toContain('--mqtt-port');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports an unreadable import file as a usage error', async () => {
    const r = await run(['device', 'import', '/nonexistent/devices.csv']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read /nonexistent/devices.csv');
  });
});

describe('describeFailure', () => {
  it('names the flag of the port that is taken, as a usage error', () => {
    const err = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', port: 7883 });
    expect(describeFailure(err, { http: 7070, mqtt: 7883 })).toEqual({ message: 'port 7883 is already in use; choose another with --mqtt-port', exitCode: 2 });
  });

  it('maps configuration errors to exit 2 and other known errors to exit 1, without a stack', () => {
    expect(describeFailure(new ParapetError('invalid_config', 'port 1 is taken; choose another with --http-port'))).toEqual({ message: 'port 1 is taken; choose another with --http-port', exitCode: 2 });
    expect(describeFailure(new ParapetError('conflict', 'user a already exists'))).toEqual({ message: 'user a already exists', exitCode: 1 });
  });

  it('keeps the stack of an unexpected error for PARAPET_DEBUG', () => {
    const f = describeFailure(new TypeError('boom'));
    expect(f.message).toBe('unexpected error: boom');
    expect(f.stack).toContain('TypeError: boom');
  });
});
