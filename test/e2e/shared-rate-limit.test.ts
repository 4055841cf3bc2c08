/**
 * Rate limits across nodes (docs/scale-out.md): a serving node and an ingest node on this machine's
 * real PostgreSQL and NATS count one credential's requests together, so a client spreading its
 * requests over both nodes gets the limit once, not once per node.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, tempDir, type TestHub } from '../helpers/hub.js';
import type { ConfigOverrides } from '../../src/config/load.js';
import type { Hub } from '../../src/hub.js';
import { dropScaleOut, scaleOutNames, scaleOutOverrides, startIngestNode } from '../helpers/scale-out.js';

const names = scaleOutNames();
const dataDir = tempDir('parapet-rate-');
const LIMIT = 20;
const shared: ConfigOverrides = { ...scaleOutOverrides(names, dataDir), http: { rate_limit_per_min: LIMIT } };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('rate limits shared by the nodes of one store (SPEC §5.6, §7)', () => {
  let serving: TestHub;
  let node: Hub;

  beforeAll(async () => {
    serving = await startTestHub(shared);
    const r = await serving.api('/devices/cam-r', { method: 'PUT', body: JSON.stringify({ type: 'camera', site: 'harbour', name: 'cam-r' }) });
    expect(r.status).toBe(201);
    node = await startIngestNode(shared, { http: { port: 0, rate_limit_per_min: LIMIT } });
  });

  afterAll(async () => {
    await node?.close();
    await serving?.close();
    await dropScaleOut(names);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses on both nodes once their requests together pass the limit, though each alone is under it', async () => {
    // The windows are whole minutes: start well inside one.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 40_000) await sleep(60_000 - intoMinute + 200);
    const send = async (url: string, n: number): Promise<number> => {
      const res = await fetch(`${url}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${serving.ingestToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: `r-${url.length}-${n}-${Date.now()}`, ts: new Date().toISOString(), device: 'cam-r', kind: 'device.heartbeat', data: {} }),
      });
      await res.arrayBuffer();
      return res.status;
    };
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push(await send(node.httpUrl, i));
    for (let i = 0; i < 12; i++) statuses.push(await send(serving.httpUrl, i));
    // Each node alone stays under the limit of 20.
    expect(statuses.every((s) => s === 202)).toBe(true);
    // Both nodes add their counts to the store and read the totals back within a second.
    await sleep(2_200);
    expect(await send(node.httpUrl, 100)).toBe(429);
    expect(await send(serving.httpUrl, 100)).toBe(429);
    // Another credential is not affected.
    const other = await fetch(`${serving.httpUrl}/api/v1/events?limit=1`, { headers: { authorization: `Bearer ${serving.operatorToken}` } });
    expect(other.status).toBe(200);
  });
});
