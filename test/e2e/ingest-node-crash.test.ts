/**
 * SPEC §7, "one can fail without losing an acknowledged event": a real `parapet start --role
 * ingest` process on this machine's PostgreSQL and NATS is killed with SIGKILL in the middle of
 * ingest. Every event it had acknowledged (HTTP 202) must be stored: sent again to the serving
 * node, each one is a duplicate of (device, id).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestHub, tempDir, type TestHub } from '../helpers/hub.js';
import { dropScaleOut, NATS_URL, PG_URL, scaleOutNames, scaleOutOverrides } from '../helpers/scale-out.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'parapet.js');
const names = scaleOutNames();
const { schema, prefix } = names;
const dataDir = tempDir('parapet-node-crash-');
let child: ChildProcessWithoutNullStreams | null = null;
let serving: TestHub | null = null;

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await serving?.close();
  await dropScaleOut(names);
  rmSync(dataDir, { recursive: true, force: true });
});

/** The ingest node as operators start it, configured through the environment. */
function startIngestProcess(): Promise<string> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PARAPET_')) env[k] = v;
  Object.assign(env, {
    PARAPET_LOG_LEVEL: 'warn',
    PARAPET_STORE_KIND: 'postgres',
    PARAPET_STORE_POSTGRES_URL: PG_URL,
    PARAPET_STORE_POSTGRES_SCHEMA: schema,
    PARAPET_BUS_KIND: 'nats',
    PARAPET_BUS_NATS_URL: NATS_URL,
    PARAPET_BUS_NATS_PREFIX: prefix,
    // This machine's PostgreSQL (trust auth) and NATS (no auth) fail the leak guard on purpose.
    PARAPET_GUARD_ALLOW_UNSAFE: 'true',
  });
  const proc = spawn(process.execPath, [BIN, 'start', '--role', 'ingest', '--http-port', '0', '--data-dir', dataDir], { cwd: ROOT, env });
  child = proc;
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /ingest\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/v1\/events/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    proc.on('exit', (code) => reject(new Error(`ingest node exited ${code}:\n${out}\n${err}`)));
  });
}

interface Sent {
  readonly body: string;
  readonly n: number;
}

describe('an ingest node killed mid-ingest (SPEC §7)', () => {
  it('loses no event it acknowledged', async () => {
    serving = await startTestHub(scaleOutOverrides(names, dataDir));
    const hub = serving;
    const devices = Array.from({ length: 20 }, (_, i) => `cam-${i}`);
    for (const id of devices) {
      expect((await hub.api(`/devices/${id}`, { method: 'PUT', body: JSON.stringify({ type: 'camera', site: 'harbour', heartbeat_s: 60 }) })).status).toBe(201);
    }
    const url = await startIngestProcess();
    const acknowledged: Sent[] = [];
    const answers: number[] = [];
    let next = 0;
    let stop = false;
    const sender = async () => {
      while (!stop) {
        const lines = Array.from({ length: 200 }, () => {
          const n = next++;
          const device = devices[n % devices.length] ?? 'cam-0';
          return JSON.stringify({ id: `${device}-${n}`, ts: new Date().toISOString(), device, kind: 'camera.motion', data: { zone: 'gate' } });
        });
        const body = lines.join('\n');
        let answer: { status: number; accepted: number; rejected: unknown[] };
        try {
          const res = await fetch(`${url}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${hub.ingestToken}`, 'content-type': 'application/x-ndjson' }, body });
          answer = { status: res.status, ...((await res.json()) as { accepted: number; rejected: unknown[] }) };
        } catch {
          return; // the node is gone: this request got no answer, so it may or may not be stored
        }
        answers.push(answer.status);
        if (answer.status === 202 && answer.rejected.length === 0) acknowledged.push({ body, n: answer.accepted });
      }
    };
    const senders = Array.from({ length: 4 }, () => sender());
    // Kill it once it has acknowledged a good number of batches, with more in flight.
    while (acknowledged.length < 15) await new Promise((r) => setTimeout(r, 20));
    child?.kill('SIGKILL');
    stop = true;
    await Promise.all(senders);

    // Every answer the node gave was a full acceptance: nothing was refused before the kill.
    expect(answers.every((st) => st === 202)).toBe(true);
    expect(acknowledged.length).toBe(answers.length);
    expect(acknowledged.length).toBeGreaterThanOrEqual(15);
    let total = 0;
    for (const s of acknowledged) {
      const res = await hub.api('/events', { method: 'POST', token: hub.ingestToken, headers: { 'content-type': 'application/x-ndjson' }, body: s.body });
      const again = (await res.json()) as { accepted: number; duplicates: number };
      // Every acknowledged event is stored already: the serving node sees only duplicates.
      expect(again).toMatchObject({ accepted: 0, duplicates: s.n });
      total += s.n;
    }
    expect(total).toBe(acknowledged.length * 200);
  });
});
