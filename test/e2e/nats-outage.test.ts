/**
 * SPEC §7, "one can fail without losing an acknowledged event" — here the one failing is NATS.
 * A serving hub and an ingest node share this machine's real PostgreSQL and a NATS JetStream
 * server of the test's own (Debian's nats-server, on a free port), which the test kills with
 * SIGKILL and starts again. An event the ingest node acknowledges while NATS is down must still
 * reach the serving node's rules (its notice is held in the store: src/bus/outbox.ts), and once
 * NATS is back the ingest node goes back to the bus.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, tempDir, type TestHub } from '../helpers/hub.js';
import type { ConfigOverrides } from '../../src/config/load.js';
import type { Hub } from '../../src/hub.js';
import { HoldingBus } from '../../src/bus/outbox.js';
import { dropScaleOut, scaleOutNames, scaleOutOverrides, startIngestNode, until } from '../helpers/scale-out.js';
import { freePort } from '../helpers/ports.js';

const NATS_SERVER = '/usr/sbin/nats-server';

const accepting = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const c = tcpConnect(port, '127.0.0.1');
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });

/** The test's own JetStream server, file storage in `dir`, so a restart keeps the stream. */
async function startNats(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
  await until(async () => ((await accepting(port)) ? true : undefined), 10_000);
  return child;
}

async function kill(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

interface AlertList {
  alerts: Array<{ state: string; device: string }>;
}

describe('NATS down: what an ingest node acknowledges still reaches the serving node (SPEC §7)', () => {
  const names = scaleOutNames();
  const dataDir = tempDir('parapet-nats-outage-');
  const natsDir = tempDir('parapet-nats-store-');
  let port = 0;
  let nats: ChildProcess | null = null;
  let serving: TestHub;
  let node: Hub;
  let shared: ConfigOverrides;

  const post = async (body: unknown): Promise<{ status: number; body: { accepted?: number } }> => {
    const res = await fetch(`${node.httpUrl}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${serving.ingestToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { accepted?: number } };
  };
  const forced = (id: string, device: string) => ({ id, ts: new Date().toISOString(), device, kind: 'access.door_forced', data: { door: device } });
  const alertFor = (device: string) =>
    until(async () => {
      const list = (await (await serving.api('/alerts?rule=door-forced', { token: serving.operatorToken })).json()) as AlertList;
      return list.alerts.find((a) => a.device === device);
    }, 20_000);

  beforeAll(async () => {
    expect(existsSync(NATS_SERVER), `${NATS_SERVER} (Debian's nats-server) runs this test`).toBe(true);
    port = await freePort();
    nats = await startNats(port, natsDir);
    const base = scaleOutOverrides(names, dataDir);
    shared = { ...base, bus: { kind: 'nats', nats_url: `nats://127.0.0.1:${port}`, nats_prefix: names.prefix }, registry: { status_sweep_ms: 100 } };
    serving = await startTestHub(shared);
    for (const id of ['door-a', 'door-b', 'door-c']) {
      const r = await serving.api(`/devices/${id}`, { method: 'PUT', body: JSON.stringify({ type: 'access', site: 'harbour', zone: 'lobby', name: id, heartbeat_s: 0 }) });
      expect(r.status).toBe(201);
    }
    node = await startIngestNode(shared);
    await until(async () => ((await post({ id: 'hb-0', ts: new Date().toISOString(), device: 'door-a', kind: 'device.heartbeat', data: {} })).status === 202 ? true : undefined));
  }, 60_000);

  afterAll(async () => {
    await node?.close();
    await serving?.close();
    await kill(nats);
    await dropScaleOut(names);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(natsDir, { recursive: true, force: true });
  });

  it('alerts over the bus while NATS is up', async () => {
    expect((await post(forced('a-1', 'door-a'))).body).toMatchObject({ accepted: 1 });
    expect((await alertFor('door-a')).state).toBe('open');
  });

  it('acknowledges while NATS is down and the serving node still alerts, from the notice held in the store', async () => {
    await kill(nats);
    nats = null;
    const bus = node.deps.bus;
    await until(async () => (bus.reachable?.() === false ? true : undefined));
    const t0 = Date.now();
    const r = await post(forced('b-1', 'door-b'));
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ accepted: 1 });
    // Known down: the node does not wait out a publish timeout before answering.
    expect(Date.now() - t0).toBeLessThan(4_000);
    expect((await alertFor('door-b')).state).toBe('open');
    expect(bus).toBeInstanceOf(HoldingBus);
    expect((bus as HoldingBus).isHolding()).toBe(true);
    // The node's own status names both problems.
    const status = (await (await fetch(`${node.httpUrl}/api/v1/status`, { headers: { authorization: `Bearer ${serving.operatorToken}` } })).json()) as { problems: Array<{ code: string }> };
    // (bus_holding too while the serving node has not taken the notice yet: it just did.)
    expect(status.problems.map((p) => p.code)).toContain('bus_unreachable');
    // Operators see it on both nodes' /metrics.
    const metrics = async (url: string) => (await fetch(`${url}/api/v1/metrics`, { headers: { authorization: `Bearer ${serving.adminToken}` } })).text();
    expect(await metrics(node.httpUrl)).toMatch(/^parapet_bus_outbox_held_total [1-9]\d*$/m);
    // The alert may open before the serving node's other subscribers have settled and the count moves.
    await until(async () => (/^parapet_bus_outbox_delivered_total [1-9]\d*$/m.test(await metrics(serving.httpUrl)) ? true : undefined));
  }, 40_000);

  it('goes back to the bus once NATS is back, and alerts over it', async () => {
    nats = await startNats(port, natsDir);
    const bus = node.deps.bus as HoldingBus;
    await until(async () => (bus.reachable() && !bus.isHolding() ? true : undefined), 20_000);
    expect((await post(forced('c-1', 'door-c'))).body).toMatchObject({ accepted: 1 });
    expect(bus.held()).toBe(0);
    expect((await alertFor('door-c')).state).toBe('open');
    const lines = await (await fetch(`${node.httpUrl}/api/v1/metrics`, { headers: { authorization: `Bearer ${serving.adminToken}` } })).text();
    expect(lines).toMatch(/^parapet_bus_outbox_holding 0$/m);
    expect(lines).toMatch(/^parapet_bus_outbox_held_total [1-9]\d*$/m);
    // One alert per forced door: nothing was delivered twice into a second alert.
    const list = (await (await serving.api('/alerts?rule=door-forced', { token: serving.operatorToken })).json()) as AlertList;
    expect(list.alerts.map((a) => a.device).sort()).toEqual(['door-a', 'door-b', 'door-c']);
  }, 40_000);
});
