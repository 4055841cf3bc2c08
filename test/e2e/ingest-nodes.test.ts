/**
 * SPEC §7, several nodes sharing the load: a serving hub and an ingest node (config
 * `node.role: ingest`) on this machine's real PostgreSQL and NATS JetStream. Events acknowledged by
 * the ingest node are in the shared store, found through the serving node; the serving node's rules
 * alert on them and its registry derives the devices' status from them (once, not per node);
 * devices registered on the serving node reach the ingest node; a serving node that was down
 * resumes the shared stream and alerts on what was ingested meanwhile; the ingest node serves
 * nothing but ingest, and refuses what it cannot do correctly (docs/scale-out.md).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, tempDir, type TestHub } from '../helpers/hub.js';
import type { ConfigOverrides } from '../../src/config/load.js';
import type { Hub } from '../../src/hub.js';
import { dropScaleOut, scaleOutNames, scaleOutOverrides, startIngestNode, until } from '../helpers/scale-out.js';

const names = scaleOutNames();
// One data dir: the nodes of one deployment share the master key (here its key file).
const dataDir = tempDir('parapet-nodes-');

const shared: ConfigOverrides = { ...scaleOutOverrides(names, dataDir), registry: { status_sweep_ms: 100 } };

const startNode = (extra: ConfigOverrides = {}): Promise<Hub> => startIngestNode(shared, extra);


interface IngestAnswer {
  accepted: number;
  duplicates: number;
  rejected: Array<{ index: number; error: string; detail: string }>;
}

describe('an ingest node beside the serving node (SPEC §7)', () => {
  let serving: TestHub;
  let node: Hub;
  const post = async (body: unknown, token = serving.ingestToken): Promise<{ status: number; body: IngestAnswer & { error?: string } }> => {
    const res = await fetch(`${node.httpUrl}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as IngestAnswer & { error?: string } };
  };

  beforeAll(async () => {
    serving = await startTestHub(shared);
    for (const [id, type, zone] of [
      ['door-7', 'access', 'lobby'],
      ['cam-7', 'camera', 'gate'],
      ['wifi-7', 'wifi', 'plaza'],
      ['gate-7', 'lpr', 'gate'],
    ] as const) {
      const r = await serving.api(`/devices/${id}`, { method: 'PUT', body: JSON.stringify({ type, site: 'harbour', zone, name: id, heartbeat_s: 60 }) });
      expect(r.status).toBe(201);
    }
    // No lease: it starts while the serving node holds the schema's.
    node = await startNode();
  });

  afterAll(async () => {
    await node?.close();
    await serving?.close();
    await dropScaleOut(names);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores what it acknowledges where the serving node finds it, and the serving node alerts on it', async () => {
    const now = new Date().toISOString();
    const r = await post([
      { id: 'd7-1', ts: now, device: 'door-7', kind: 'access.door_forced', data: { door: 'D7' } },
      { id: 'c7-1', ts: now, device: 'cam-7', kind: 'device.heartbeat', data: {} },
    ]);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ accepted: 2, duplicates: 0, rejected: [] });
    // A retry through the same node is a duplicate, as anywhere.
    expect((await post({ id: 'd7-1', ts: now, device: 'door-7', kind: 'access.door_forced', data: { door: 'D7' } })).body).toMatchObject({ accepted: 0, duplicates: 1 });

    const found = (await (await serving.api('/events?device=door-7&kind=access.door_forced', { token: serving.operatorToken })).json()) as { events: Array<{ id: string }> };
    expect(found.events.map((e) => e.id)).toEqual(['d7-1']);
    const alert = await until(async () => {
      const list = (await (await serving.api('/alerts?rule=door-forced', { token: serving.operatorToken })).json()) as { alerts: Array<{ state: string; device: string }> };
      return list.alerts.find((a) => a.device === 'door-7');
    });
    expect(alert.state).toBe('open');
  });

  it('lets the serving node derive the status of the devices it heard from, announced once', async () => {
    const view = await until(async () => {
      const v = (await (await serving.api('/devices/cam-7', { token: serving.operatorToken })).json()) as { status: string; last_seen: string | null };
      return v.status === 'online' ? v : undefined;
    });
    expect(view.last_seen).not.toBeNull();
    // Give a second announcer (there must be none) time to record its own status event.
    await new Promise((r) => setTimeout(r, 500));
    const statuses = (await (await serving.api('/events?device=cam-7&kind=device.status', { token: serving.operatorToken })).json()) as { events: Array<{ data: { status: string } }> };
    expect(statuses.events.map((e) => e.data.status)).toEqual(['online']);
  });

  it('alerts, once back, on what an ingest node took while the serving node was down', async () => {
    const r = await serving.api('/devices/door-9', { method: 'PUT', body: JSON.stringify({ type: 'access', site: 'harbour', name: 'door-9', heartbeat_s: 0 }) });
    expect(r.status).toBe(201);
    const ingestToken = serving.ingestToken;
    // The ingest node must know door-9 before the serving node goes.
    await until(async () => ((await post({ id: 'd9-0', ts: new Date().toISOString(), device: 'door-9', kind: 'device.heartbeat', data: {} }, ingestToken)).status === 202 ? true : undefined));
    await serving.close();
    const down = await post({ id: 'd9-1', ts: new Date().toISOString(), device: 'door-9', kind: 'access.door_forced', data: { door: 'D9' } }, ingestToken);
    expect(down.body).toMatchObject({ accepted: 1 });
    // A standby (here the same node, restarted) resumes the stream where the serving node stopped.
    serving = await startTestHub(shared);
    const alert = await until(async () => {
      const list = (await (await serving.api('/alerts?rule=door-forced', { token: serving.operatorToken })).json()) as { alerts: Array<{ state: string; device: string }> };
      return list.alerts.find((a) => a.device === 'door-9');
    });
    expect(alert.state).toBe('open');
    // The node's own earlier messages are not replayed to it: door-7's alert is still the one alert.
    const doors = (await (await serving.api('/alerts?rule=door-forced', { token: serving.operatorToken })).json()) as { alerts: Array<{ device: string }> };
    expect(doors.alerts.filter((a) => a.device === 'door-7')).toHaveLength(1);
  });

  it('takes events of a device registered on the serving node after it started', async () => {
    const r = await serving.api('/devices/door-8', { method: 'PUT', body: JSON.stringify({ type: 'access', site: 'harbour', name: 'door-8', heartbeat_s: 0 }) });
    expect(r.status).toBe(201);
    const answer = await until(async () => {
      const a = await post({ id: 'd8-1', ts: new Date().toISOString(), device: 'door-8', kind: 'access.granted', data: { door: 'D8', credential: 'card-8', method: 'card' } });
      return a.status === 202 ? a : undefined;
    });
    expect(answer.body.accepted).toBe(1);
  });

  it('pseudonymises a plate alike on both nodes when its epoch key is made on demand by both at once', async () => {
    // Two days back: neither node prepared that epoch's plate key, and both need it at the same moment.
    const ts = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const read = (id: string) => ({ id, ts, device: 'gate-7', kind: 'lpr.read', data: { plate: 'KL-415-MN' } });
    const toServing = fetch(`${serving.httpUrl}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${serving.ingestToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(read('g7-serving')),
    });
    const [a, b] = await Promise.all([post(read('g7-ingest')), toServing]);
    expect(a.body).toMatchObject({ accepted: 1 });
    expect(b.status).toBe(202);
    const found = (await (await serving.api(`/events?device=gate-7&kind=lpr.read&from=${encodeURIComponent(ts)}&limit=10`, { token: serving.operatorToken })).json()) as {
      events: Array<{ id: string; data: { plate: string } }>;
    };
    const plates = new Map(found.events.map((e) => [e.id, e.data.plate]));
    expect(plates.get('g7-ingest')).toMatch(/^plate:/);
    expect(plates.get('g7-ingest')).toBe(plates.get('g7-serving'));
    expect(JSON.stringify(found)).not.toContain('KL-415');
  });

  it('refuses counts-only Wi-Fi sightings, which only the serving node may count', async () => {
    const r = await post([
      { ts: new Date().toISOString(), device: 'wifi-7', kind: 'wifi.sighting', data: { mac: 'aa:bb:cc:dd:ee:01', rssi: -60 } },
      { id: 'c7-2', ts: new Date().toISOString(), device: 'cam-7', kind: 'device.heartbeat', data: {} },
    ]);
    expect(r.status).toBe(202);
    expect(r.body.accepted).toBe(1);
    expect(r.body.rejected).toEqual([expect.objectContaining({ index: 0, error: 'wrong_node' })]);
    expect(JSON.stringify(r.body)).not.toContain('aa:bb');
  });

  it('serves nothing but ingest and its metrics: other routes answer 421 after authentication, and need a credential first', async () => {
    const get = (path: string, token?: string) => fetch(`${node.httpUrl}/api/v1${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    expect((await fetch(`${node.httpUrl}/healthz`)).status).toBe(200);
    for (const path of ['/alerts', '/devices', '/events', '/rules']) {
      expect((await get(path)).status).toBe(401);
      const res = await get(path, serving.adminToken);
      expect([res.status, await res.json()]).toEqual([421, expect.objectContaining({ error: 'wrong_node' })]);
    }
    // Its own metrics, for scraping each node: what this node accepted.
    const metrics = await get('/metrics', serving.adminToken);
    expect(metrics.status).toBe(200);
    expect(Number(/^parapet_events_accepted_total (\d+)$/m.exec(await metrics.text())?.[1])).toBeGreaterThan(0);
    // The role check comes first, as on the serving node: an ingest token may not read alerts anywhere.
    expect((await get('/alerts', serving.ingestToken)).status).toBe(403);
    const login = await fetch(`${node.httpUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'admin', password: 'x' }) });
    expect(login.status).toBe(421);
    // Without a credential, ingest is refused here too (SPEC §5.1).
    const anon = await fetch(`${node.httpUrl}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(anon.status).toBe(401);
  });

  it('refuses to start as an ingest node on a store or bus other nodes cannot share', async () => {
    await expect(startNode({ store: { kind: 'memory' }, bus: { kind: 'memory' } })).rejects.toMatchObject({ code: 'invalid_config' });
  });
});
