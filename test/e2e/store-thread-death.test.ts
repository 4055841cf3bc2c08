/**
 * A store thread that dies (a native crash, out of memory) leaves a store every later call of which
 * fails. The hub must not limp on answering 503 forever: `Hub.lost` settles with why, and
 * `parapet start` stops with exit code 1 so a supervisor restarts it (cli/commands/start.ts).
 * Nothing acknowledged is lost: it was committed before it was acknowledged.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { WorkerClient } from '../../src/store/sqlite/rpc.js';

describe('a store thread dying', () => {
  let hub: TestHub | null = null;
  afterEach(async () => {
    vi.restoreAllMocks();
    await hub?.close().catch(() => undefined);
    hub = null;
  });

  it.each(['writer', 'reader', 'checkpoint'])('%s: the hub settles lost with why, and what needs the thread answers 503 meanwhile', async (thread) => {
    const clients: WorkerClient[] = [];
    const start = WorkerClient.start.bind(WorkerClient);
    vi.spyOn(WorkerClient, 'start').mockImplementation(async (...args: Parameters<typeof WorkerClient.start>) => {
      const c = await start(...args);
      clients.push(c);
      return c;
    });
    hub = await startTestHub({ store: { kind: 'sqlite' } });
    const put = await hub.api('/devices/m-1', { method: 'PUT', body: JSON.stringify({ type: 'meter', site: 'harbour', name: 'm-1', heartbeat_s: 0 }) });
    expect(put.status).toBe(201);
    const lost = hub.lost.then((why) => why);
    const client = clients.find((c) => c.name === thread);
    expect(client, `the store started a ${thread} thread`).toBeDefined();
    // The thread ends as a crash would end it (white box: the test reaches the client's worker).
    await (client as unknown as { worker: Worker }).worker.terminate();
    expect(await lost).toMatch(new RegExp(`^the store's ${thread} worker stopped \\(`));
    // Until it is restarted, what needs the dead thread answers 503 saying so, never 500.
    const answer = async (res: Response) => ({ status: res.status, body: (await res.json()) as { error?: string; detail?: string } });
    const check = (a: { status: number; body: { error?: string; detail?: string } }) => {
      expect(a.status).toBe(503);
      expect(a.body.error).toBe('unavailable');
      expect(a.body.detail).toMatch(new RegExp(`its ${thread} thread ended`));
    };
    if (thread === 'writer') {
      check(await answer(await hub.api('/devices/m-2', { method: 'PUT', body: JSON.stringify({ type: 'meter', site: 'harbour', name: 'm-2', heartbeat_s: 0 }) })));
      const res = await fetch(`${hub.httpUrl}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.ingestToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'x', ts: new Date().toISOString(), device: 'm-1', kind: 'device.heartbeat', data: {} }),
      });
      check(await answer(res));
    }
    if (thread === 'reader') check(await answer(await hub.api('/events?device=m-1', { token: hub.operatorToken })));
  });
});
