/**
 * Durability (issue 2 targets, SPEC §7): the real `parapet` process is killed with SIGKILL in the
 * middle of ingest, restarted on the same data dir, and every event it had acknowledged (HTTP 202)
 * must be there. Events in requests that got no answer may or may not be stored — never half.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'parapet.js');
const children: ChildProcessWithoutNullStreams[] = [];

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PARAPET_')) e[k] = v;
  return { ...e, PARAPET_LOG_LEVEL: 'warn' };
}

function cli(args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: env() });
  children.push(child);
  return child;
}

async function run(args: string[]): Promise<string> {
  const child = cli(args);
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  if (code !== 0) throw new Error(`parapet ${args.join(' ')} exited ${code}: ${err}`);
  return out.trimEnd().split('\n').at(-1) ?? '';
}

function startHub(dir: string): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  const child = cli(['start', '--http-port', '0', '--mqtt-port', '0', '--data-dir', dir]);
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /dashboard and API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`hub exited ${code}:\n${out}\n${err}`)));
  });
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('crash safety', () => {
  it('keeps every acknowledged event when the process is killed with SIGKILL mid-ingest', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'parapet-crash-')), 'data');
    const token = await run(['token', 'create', '--name', 'feeder', '--role', 'admin', '--data-dir', dir]);
    const first = await startHub(dir);
    const auth = { authorization: `Bearer ${token}` };
    const put = await fetch(`${first.url}/api/v1/devices/meter-1`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'meter', site: 'harbour' }),
    });
    expect(put.status).toBe(201);

    const acknowledged: string[] = [];
    let batchNo = 0;
    let stop = false;
    const feeder = async (): Promise<void> => {
      while (!stop) {
        const n = batchNo++;
        const ids = Array.from({ length: 500 }, (_, i) => `b${n}-${i}`);
        const body = ids.map((id, i) => JSON.stringify({ id, ts: Date.now(), device: 'meter-1', kind: 'telemetry.reading', data: { metric: 'kwh', value: i } })).join('\n');
        try {
          const r = await fetch(`${first.url}/api/v1/events`, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-ndjson' }, body });
          if (r.status === 202) acknowledged.push(...ids);
        } catch {
          return; // the hub died mid-request: this batch was never acknowledged
        }
      }
    };
    const feeders = [feeder(), feeder(), feeder()];
    while (acknowledged.length < 20_000) await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGKILL');
    stop = true;
    await Promise.all(feeders);
    await new Promise((r) => first.child.exitCode !== null || first.child.signalCode !== null ? r(null) : first.child.on('exit', r));

    const second = await startHub(dir);
    const stored = new Set<string>();
    let cursor: string | null = null;
    do {
      const url: string = `${second.url}/api/v1/events?device=meter-1&kind=telemetry.reading&limit=1000${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await (await fetch(url, { headers: auth })).json()) as { events: Array<{ id: string }>; next_cursor: string | null };
      for (const e of page.events) stored.add(e.id);
      cursor = page.next_cursor;
    } while (cursor);
    const lost = acknowledged.filter((id) => !stored.has(id));
    expect(acknowledged.length).toBeGreaterThanOrEqual(20_000);
    expect(lost).toEqual([]);
    // Unacknowledged batches are all-or-nothing: a transaction never commits half a request.
    const perBatch = new Map<string, number>();
    for (const id of stored) perBatch.set(id.split('-')[0] ?? '', (perBatch.get(id.split('-')[0] ?? '') ?? 0) + 1);
    for (const [b, n] of perBatch) expect(n, `batch ${b}`).toBe(500);
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.on('exit', r));
  }, 180_000);
});
