/**
 * The embedded MQTT broker end to end (SPEC §3, §5.1; issue 2 §4) with a real MQTT client over TCP:
 * who may connect, publish and subscribe, and that a QoS 1 PUBACK means "committed".
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { testConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/core/log.js';
import { ParapetError } from '../../src/core/errors.js';
import type { SafeEvent } from '../../src/core/event.js';
import { startHub, type Hub } from '../../src/hub.js';
import { startMqttBroker, type MqttBroker } from '../../src/transport/mqtt/broker.js';
import { tempDir } from '../helpers/hub.js';

let hub: Hub;
let broker: MqttBroker;
const secrets = new Map<string, string>();
let operatorToken = '';
let campusOperatorToken = '';
let ingestToken = '';
let logText = '';
const clients: MqttClient[] = [];

const PLATE = 'ZZ-987-QQ';
const SENTINEL = 'sentinel-ethnicity-value';

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logText += chunk.toString('utf8');
      cb();
    },
  });
  const config = testConfig({
    data_dir: tempDir(),
    http: { port: 0 },
    mqtt: { enabled: true, host: '127.0.0.1', port: 0 },
    store: { kind: 'memory' },
    ingest: { commit_delay_ms: 1 },
    log: { level: 'debug' },
  });
  hub = await startHub({ config, env: {}, logger: createLogger('debug', sink) });
  if (!hub.mqtt) throw new Error('the broker did not start');
  broker = hub.mqtt;
  for (const [id, type, site] of [
    ['cam-1', 'camera', 'harbour'],
    ['cam-2', 'camera', 'harbour'],
    ['lpr-1', 'lpr', 'harbour'],
    ['env-1', 'env', 'campus'],
  ] as const) {
    await hub.deps.registry.put({ id, type, site, zone: 'gate-north', name: id, lat: 38.7, lon: -9.1, heartbeat_s: 60 });
    secrets.set(id, await hub.deps.auth.rotateDeviceSecret(id));
  }
  operatorToken = (await hub.deps.auth.createToken('wall', 'operator', [])).secret;
  campusOperatorToken = (await hub.deps.auth.createToken('campus-wall', 'operator', ['campus'])).secret;
  ingestToken = (await hub.deps.auth.createToken('feeder', 'ingest', [])).secret;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await hub.close();
});

function connect(username: string | undefined, password: string | undefined, extra: IClientOptions = {}): Promise<MqttClient> {
  const opts: IClientOptions = { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000, ...extra };
  if (username !== undefined) opts.username = username;
  if (password !== undefined) opts.password = password;
  const c = mqtt.connect(broker.url, opts);
  clients.push(c);
  return new Promise((resolve, reject) => {
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

const asDevice = (id: string, extra: IClientOptions = {}) => connect(id, secrets.get(id), extra);
const refusalCode = (p: Promise<unknown>) => p.then(() => 0, (err: { code?: number }) => err.code ?? -1);
const closed = (c: MqttClient) => new Promise<void>((resolve) => c.once('close', () => resolve()));
const nextMessage = (c: MqttClient) =>
  new Promise<{ topic: string; body: Record<string, unknown> }>((resolve) => {
    c.once('message', (topic, payload) => resolve({ topic, body: JSON.parse(payload.toString('utf8')) as Record<string, unknown> }));
  });
const ev = (id: string, over: Record<string, unknown> = {}) => ({ id, ts: new Date().toISOString(), kind: 'camera.intrusion', data: { zone: 'gate-north', object: 'person' }, ...over });
const stored = async (device: string, kind?: string) => (await hub.deps.store.events.query({ device, limit: 100, ...(kind ? { kind } : {}) })).events;

describe('MQTT connect (SPEC §5.1)', () => {
  it('starts with the hub and reports its URL', () => {
    expect(hub.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(hub.mqttUrl).toBe(broker.url);
  });

  it('names --mqtt-port when its port is already taken', async () => {
    const port = Number(new URL(broker.url).port);
    const err = await startMqttBroker(hub.deps, { host: '127.0.0.1', port }).then(
      async (b) => {
        await b.close();
        return null;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ParapetError);
    expect(err).toMatchObject({ code: 'invalid_config' });
    expect((err as ParapetError).detail).toMatch(/already in use; choose another with --mqtt-port/);
  });

  it('refuses an anonymous client with CONNACK not authorized', async () => {
    expect(await refusalCode(connect(undefined, undefined))).toBe(5);
  });

  it('refuses a wrong password, an unregistered device and a bad token', async () => {
    expect(await refusalCode(connect('cam-1', 'ppd_wrong'))).toBe(4);
    expect(await refusalCode(connect('ghost-7', 'ppd_wrong'))).toBe(4);
    expect(await refusalCode(connect('token', 'ppt_not-a-token'))).toBe(4);
  });

  it('refuses a token whose role cannot read alerts', async () => {
    expect(await refusalCode(connect('token', ingestToken))).toBe(5);
  });

  it('refuses a client that asks for a will message', async () => {
    expect(await refusalCode(asDevice('cam-2', { will: { topic: 'parapet/v1/cam-2/heartbeat', payload: Buffer.alloc(0), qos: 0, retain: false } }))).toBe(5);
  });

  it('refuses to let one principal take over a client id held by another', async () => {
    await asDevice('cam-1', { clientId: 'shared-id-1' });
    expect(await refusalCode(asDevice('cam-2', { clientId: 'shared-id-1' }))).toBe(5);
  });
});

describe('MQTT device publishes (SPEC §3)', () => {
  it('stores a QoS 1 event before answering PUBACK, with the device taken from the topic', async () => {
    const c = await asDevice('cam-1');
    await c.publishAsync('parapet/v1/cam-1/events', JSON.stringify(ev('m-1')), { qos: 1 });
    expect((await stored('cam-1')).find((e) => e.id === 'm-1')).toMatchObject({ device: 'cam-1', site: 'harbour', kind: 'camera.intrusion' });
  });

  it('rejects an event naming another device than its topic, storing it under neither', async () => {
    const c = await asDevice('cam-1');
    await c.subscribeAsync('parapet/v1/cam-1/errors', { qos: 1 });
    const report = nextMessage(c);
    await c.publishAsync('parapet/v1/cam-1/events', JSON.stringify(ev('m-2', { device: 'cam-2' })), { qos: 1 });
    expect((await report).body).toMatchObject({ accepted: 0, rejected: [{ index: 0, error: 'forbidden' }] });
    expect((await stored('cam-1')).some((e) => e.id === 'm-2')).toBe(false);
    expect((await stored('cam-2')).some((e) => e.id === 'm-2')).toBe(false);
  });

  it('accepts a JSON array in one publish', async () => {
    const c = await asDevice('cam-1');
    await c.publishAsync('parapet/v1/cam-1/events', JSON.stringify([ev('arr-1'), ev('arr-2')]), { qos: 1 });
    const ids = (await stored('cam-1')).map((e) => e.id);
    expect(ids).toEqual(expect.arrayContaining(['arr-1', 'arr-2']));
  });

  it('does not send PUBACK until the store commit has finished', async () => {
    const events = hub.deps.store.events;
    const original = events.append.bind(events);
    const order: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let appendCalled: () => void = () => undefined;
    const called = new Promise<void>((r) => (appendCalled = r));
    events.append = async (batch: readonly SafeEvent[], liveness) => {
      if (!batch.some((e) => e.id === 'slow-1')) return original(batch, liveness);
      order.push('append-start');
      appendCalled();
      await gate;
      const r = await original(batch, liveness);
      order.push('committed');
      return r;
    };
    try {
      const device = await asDevice('cam-1');
      const operator = await connect('token', operatorToken);
      await operator.subscribeAsync('parapet/v1/alerts/#', { qos: 1 });
      const acked = device.publishAsync('parapet/v1/cam-1/events', JSON.stringify(ev('slow-1')), { qos: 1 }).then(() => order.push('puback'));
      await called;
      // A full round trip through the broker on another connection while the commit is held.
      const got = nextMessage(operator);
      await broker.publishAlert('info', { id: 'probe', site: 'harbour' });
      await got;
      expect(order).toEqual(['append-start']);
      release();
      await acked;
      expect(order).toEqual(['append-start', 'committed', 'puback']);
      expect((await stored('cam-1')).some((e) => e.id === 'slow-1')).toBe(true);
    } finally {
      events.append = original;
    }
  });

  it('closes the connection of a device publishing to another device’s topic, storing nothing', async () => {
    const c = await asDevice('cam-1');
    const gone = closed(c);
    c.publish('parapet/v1/cam-2/events', JSON.stringify(ev('forged-1')), { qos: 1 });
    await gone;
    await hub.deps.pipeline.drain();
    expect((await stored('cam-2')).some((e) => e.id === 'forged-1')).toBe(false);
  });

  it('refuses publishes to the alerts subtree and to unknown channels', async () => {
    for (const topic of ['parapet/v1/alerts/critical', 'parapet/v1/cam-1/status', 'parapet/v1/cam-1/errors']) {
      const c = await asDevice('cam-1');
      const gone = closed(c);
      c.publish(topic, '{}', { qos: 1 });
      await gone;
    }
  });

  it('reports a payload over 256 KiB and closes the connection on a packet far beyond it, before buffering it', async () => {
    const c = await asDevice('cam-2');
    await c.subscribeAsync('parapet/v1/cam-2/errors', { qos: 1 });
    const report = nextMessage(c);
    await c.publishAsync('parapet/v1/cam-2/events', Buffer.alloc(256 * 1024 + 1, 0x20), { qos: 1 });
    expect((await report).body).toMatchObject({ error: 'payload_too_large' });
    const gone = closed(c);
    c.publish('parapet/v1/cam-2/events', Buffer.alloc(1024 * 1024, 0x20), { qos: 1 });
    await gone;
  });

  it('turns a heartbeat publish into a device.heartbeat and marks the device online', async () => {
    expect(hub.deps.registry.view('env-1')?.status).toBe('unknown');
    const c = await asDevice('env-1');
    await c.publishAsync('parapet/v1/env-1/heartbeat', JSON.stringify({ uptime_s: 42, firmware: '2.1.0' }), { qos: 1 });
    await c.publishAsync('parapet/v1/env-1/heartbeat', '', { qos: 1 });
    const beats = await stored('env-1', 'device.heartbeat');
    expect(beats).toHaveLength(2);
    expect(beats.map((b) => b.data)).toEqual(expect.arrayContaining([{ uptime_s: 42, firmware: '2.1.0' }, {}]));
    expect(hub.deps.registry.view('env-1')?.status).toBe('online');
  });

  it('refuses a prohibited attribute, stores nothing of it, reports it to the device and logs no payload', async () => {
    const c = await asDevice('lpr-1');
    await c.subscribeAsync('parapet/v1/lpr-1/errors', { qos: 1 });
    const report = nextMessage(c);
    const batch = [
      { id: 'lpr-ok', ts: new Date().toISOString(), kind: 'lpr.read', data: { plate: PLATE } },
      { id: 'lpr-bad', ts: new Date().toISOString(), kind: 'lpr.read', data: { plate: PLATE, ethnicity: SENTINEL } },
    ];
    await c.publishAsync('parapet/v1/lpr-1/events', JSON.stringify(batch), { qos: 1 });
    const { topic, body } = await report;
    expect(topic).toBe('parapet/v1/lpr-1/errors');
    expect(body).toMatchObject({ channel: 'events', accepted: 1, rejected: [{ index: 1, error: 'prohibited_attribute' }] });
    const reads = await stored('lpr-1', 'lpr.read');
    expect(reads.map((e) => e.id)).toEqual(['lpr-ok']);
    expect(JSON.stringify(reads)).not.toContain(PLATE);
    expect(logText).toContain('mqtt publish had rejected content');
    expect(logText).not.toContain(SENTINEL);
    expect(logText).not.toContain(PLATE);
  });

  it('acknowledges an undecodable payload and reports it instead of storing anything', async () => {
    const c = await asDevice('cam-2');
    await c.subscribeAsync('parapet/v1/cam-2/#', { qos: 1 });
    const report = nextMessage(c);
    await c.publishAsync('parapet/v1/cam-2/events', '{"id": "x", ', { qos: 1 });
    expect((await report).body).toMatchObject({ channel: 'events', accepted: 0, error: 'invalid_json' });
  });
});

describe('MQTT subscriptions and alerts (SPEC §3)', () => {
  it('delivers publishAlert to an operator token subscribed to the alerts subtree', async () => {
    const c = await connect('token', operatorToken);
    const granted = await c.subscribeAsync('parapet/v1/alerts/#', { qos: 1 });
    expect(granted[0]?.qos).toBe(1);
    const got = nextMessage(c);
    await broker.publishAlert('critical', { id: 'alr-1', title: 'Door forced', site: 'harbour' });
    expect(await got).toEqual({ topic: 'parapet/v1/alerts/critical', body: { id: 'alr-1', title: 'Door forced', site: 'harbour' } });
  });

  it('delivers to a site-scoped operator only the alerts of its sites', async () => {
    const c = await connect('token', campusOperatorToken);
    await c.subscribeAsync('parapet/v1/alerts/+', { qos: 1 });
    const got = nextMessage(c);
    await broker.publishAlert('major', { id: 'alr-harbour', site: 'harbour' });
    await broker.publishAlert('major', { id: 'alr-campus', site: 'campus' });
    expect((await got).body).toMatchObject({ id: 'alr-campus' });
  });

  it('refuses a device subscribing to alerts, to another device or to everything', async () => {
    const c = await asDevice('cam-1');
    for (const filter of ['parapet/v1/alerts/#', 'parapet/v1/cam-2/errors', '#', 'parapet/v1/+/events']) {
      await expect(c.subscribeAsync(filter, { qos: 1 }), filter).rejects.toThrow(/Subscribe error/);
    }
  });

  it('refuses an operator subscribing beyond the alerts subtree', async () => {
    const c = await connect('token', operatorToken);
    for (const filter of ['parapet/v1/#', 'parapet/v1/cam-1/events', '$SYS/#']) {
      await expect(c.subscribeAsync(filter, { qos: 1 }), filter).rejects.toThrow(/Subscribe error/);
    }
  });

  it('never forwards a raw device publish, even to the device’s own subscription', async () => {
    const c = await asDevice('cam-2');
    await c.subscribeAsync('parapet/v1/cam-2/#', { qos: 1 });
    const messages: string[] = [];
    c.on('message', (topic) => messages.push(topic));
    await c.publishAsync('parapet/v1/cam-2/events', JSON.stringify(ev('echo-1')), { qos: 1 });
    // A rejected publish produces an errors message; its arrival bounds when an echo would have come.
    const report = nextMessage(c);
    await c.publishAsync('parapet/v1/cam-2/events', JSON.stringify(ev('echo-2', { kind: 'nope.kind' })), { qos: 1 });
    await report;
    expect(messages).toEqual(['parapet/v1/cam-2/errors']);
  });

  it('rejects an unknown severity in publishAlert', async () => {
    await expect(broker.publishAlert('loud' as 'info', {})).rejects.toMatchObject({ code: 'bad_request' });
  });
});
