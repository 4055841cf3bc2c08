/**
 * The Frigate bridge against the REAL Mosquitto on 127.0.0.1:1883. That broker accepts anonymous
 * clients on this machine, which the bridge refuses; the hub here runs with guard.allow_unsafe,
 * the explicit (and loudly logged) override. A random topic prefix keeps parallel runs apart.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../test/helpers/hub.js';
import { startFrigateBridge, type FrigateBridge } from './frigate-bridge.js';

const BROKER = 'mqtt://127.0.0.1:1883';
const prefix = `frigate-test-${randomBytes(6).toString('hex')}`;
let hub: TestHub;
let bridge: FrigateBridge;
let publisher: MqttClient;
let sent = 0;

const frigate = { enabled: true, url: BROKER, username: 'parapet-test', password: 'test-only-password', device_prefix: 'fr-', topic_prefix: prefix };

beforeAll(async () => {
  hub = await startTestHub({ integrations: { frigate }, guard: { allow_unsafe: true } });
  const b = hub.integrations?.frigate;
  if (!b) throw new Error('the Frigate bridge did not start');
  bridge = b;
  const r = await hub.api('/devices/fr-front_door', { method: 'PUT', body: JSON.stringify({ type: 'camera', site: 'harbour', zone: 'gate-north', name: 'Front door' }) });
  expect(r.status).toBe(201);
  publisher = await mqtt.connectAsync(BROKER, { clientId: `frigate-sim-${randomBytes(4).toString('hex')}`, protocolVersion: 4 });
});
afterAll(async () => {
  await publisher.endAsync();
  await hub.close();
});

async function publish(topic: string, payload: unknown): Promise<void> {
  await publisher.publishAsync(`${prefix}/${topic}`, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1 });
  sent++;
  await bridge.whenHandled(sent);
}

const events = async (kind: string) =>
  ((await (await hub.api(`/events?device=fr-front_door&kind=${kind}`, { token: hub.operatorToken })).json()) as { events: Array<{ data: Record<string, unknown> }> }).events;

const tracked = (over: Record<string, unknown>) => ({
  id: `${Date.now() / 1000}-abc123`,
  camera: 'front_door',
  frame_time: Date.now() / 1000,
  label: 'person',
  sub_label: null,
  top_score: 0.92,
  false_positive: false,
  start_time: Date.now() / 1000 - 2,
  end_time: null,
  current_zones: [],
  entered_zones: [],
  stationary: false,
  attributes: {},
  ...over,
});

describe('Frigate bridge (real Mosquitto)', () => {
  it('stores an intrusion from frigate/events and drops the recognised face name', async () => {
    const after = tracked({ entered_zones: ['porch'], current_zones: ['porch'], sub_label: ['Jane Doe', 0.81] });
    await publish('events', { type: 'new', before: { ...after, sub_label: null, entered_zones: [] }, after });
    const got = await events('camera.intrusion');
    expect(got.map((e) => e.data)).toEqual([{ zone: 'porch', object: 'person', confidence: 0.92 }]);
    expect(JSON.stringify(got)).not.toContain('Jane');
    expect(bridge.stats.dropped.face_data).toBe(1);
  });

  it('stores per-camera counts and turns Frigate going offline into video loss', async () => {
    await publish('front_door/person', '4');
    expect((await events('camera.occupancy')).map((e) => e.data)).toEqual([{ zone: 'gate-north', object: 'person', count: 4 }]);
    await publish('available', 'offline');
    expect(await events('camera.video_loss')).toHaveLength(1);
  });

  it('counts what it could not store without stopping', async () => {
    const before = bridge.stats.rejected;
    await publish('events', { type: 'new', after: tracked({ camera: 'not_registered', entered_zones: ['yard'] }) });
    expect(bridge.stats.rejected).toBe(before + 1);
    await publish('events', '{not json');
    expect(bridge.stats.rejected).toBe(before + 2);
  });
});

describe('Frigate bridge refusals (SPEC §5.8)', () => {
  it('refuses a broker that accepts anonymous clients unless explicitly overridden', async () => {
    await expect(startFrigateBridge(hub.deps, { settings: { ...hub.deps.config.integrations.frigate, ...frigate, intrusion_from: 'events' }, allowAnonymousBroker: false })).rejects.toMatchObject({
      code: 'invalid_config',
    });
  });

  it('refuses to run without a username and password', async () => {
    const { password: _password, ...anonymous } = frigate;
    await expect(startFrigateBridge(hub.deps, { settings: { ...anonymous, intrusion_from: 'events' }, allowAnonymousBroker: true })).rejects.toMatchObject({ code: 'invalid_config' });
  });
});
