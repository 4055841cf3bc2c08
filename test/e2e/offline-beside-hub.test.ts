/**
 * An offline command run on the data dir of a running hub (SPEC: the CLI works "whether or not a
 * hub is running on it"): devices it imports are known to the hub at its next status sweep, with
 * no restart — through the store's devices revision (store.ts, registry.ts).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestHub, tempDir, type TestHub } from '../helpers/hub.js';
import { runCli } from '../helpers/cli.js';

const dir = tempDir('parapet-beside-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function post(hub: TestHub, device: string, n: number): Promise<{ status: number; body: { accepted?: number; rejected?: Array<{ error: string }> } }> {
  const res = await hub.api('/events', {
    method: 'POST',
    token: hub.ingestToken,
    body: JSON.stringify({ id: `${device}-${n}`, ts: Date.now(), device, kind: 'device.heartbeat', data: {} }),
  });
  return { status: res.status, body: (await res.json()) as { accepted?: number; rejected?: Array<{ error: string }> } };
}

describe('offline device import beside a running hub', () => {
  it('lets an imported device send within a sweep, without a restart', async () => {
    const dataDir = join(dir, 'data');
    const hub = await startTestHub({ data_dir: dataDir, store: { kind: 'sqlite' }, registry: { status_sweep_ms: 100 } });
    try {
      const before = await post(hub, 'door-77', 1);
      expect(before.status).toBe(404);
      expect(before.body).toMatchObject({ error: 'unknown_device' });

      const file = join(dir, 'devices.json');
      writeFileSync(file, JSON.stringify([{ id: 'door-77', type: 'access', site: 'harbour', heartbeat_s: 60 }]));
      const r = await runCli(['--data-dir', dataDir, 'device', 'import', file], { PARAPET_STORE_KIND: 'sqlite' });
      expect(r.code, r.err).toBe(0);

      let after = await post(hub, 'door-77', 2);
      for (let i = 0; i < 50 && after.status !== 202; i++) {
        await new Promise((res) => setTimeout(res, 50));
        after = await post(hub, 'door-77', 3 + i);
      }
      expect(after.status).toBe(202);
      expect(after.body.accepted).toBe(1);
      const listed = (await (await hub.api('/devices/door-77')).json()) as { site: string; status: string };
      expect(listed).toMatchObject({ site: 'harbour', status: 'online' });
    } finally {
      await hub.close();
    }
  });
});
