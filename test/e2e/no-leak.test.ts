/**
 * Proof that nothing leaks (issue 3 §8, SPEC §4.1): identifiers carrying unique markers go in
 * through HTTP and MQTT — accepted, rejected, prohibited, in investigations — and afterwards no
 * file under the data dir (database, WAL, logs, keys) and no API response holds any marker in any
 * encoding that could betray it: as sent, upper and lower case, normalised, hex, base64 (and
 * base64url), UTF-16, and for MACs the six raw bytes.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { testConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/core/log.js';
import { startHub, type Hub } from '../../src/hub.js';
import { normaliseCredential, normaliseMac, normalisePlate } from '../../src/privacy/normalise.js';
import { tempDir } from '../helpers/hub.js';

const rand = (n: number) =>
  [...randomBytes(n)].map((b) => 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'.charAt(b % 32)).join('');

/** Each marker is unique to this run and long enough never to occur by chance. */
const PLATE_HTTP = `QX${rand(8)}`;
const PLATE_MQTT = `ZM${rand(8)}`;
const PLATE_REFUSED = `RF${rand(8)}`;
const PLATE_INVESTIGATED = `IV${rand(8)}`;
const CRED_HTTP = `card-${rand(10)}`;
const CRED_MQTT = `tag-${rand(10)}`;
const MAC_HTTP = randomBytes(6).toString('hex');
const MAC_MQTT = randomBytes(6).toString('hex');

interface Marker {
  readonly sent: string;
  readonly normalised: string;
  readonly raw?: Buffer;
}

const macNotation = (hex: string) => (hex.toUpperCase().match(/../g) ?? []).join(':');

const MARKERS: Marker[] = [
  ...[PLATE_HTTP, PLATE_MQTT, PLATE_REFUSED, PLATE_INVESTIGATED].map((p) => ({ sent: `${p.slice(0, 3).toLowerCase()}-${p.slice(3)}`, normalised: normalisePlate(p) })),
  ...[CRED_HTTP, CRED_MQTT].map((c) => ({ sent: c, normalised: normaliseCredential(c) })),
  ...[MAC_HTTP, MAC_MQTT].map((m) => ({ sent: macNotation(m), normalised: normaliseMac(m), raw: Buffer.from(m, 'hex') })),
];

/** Every byte pattern that would betray a marker. */
function patterns(m: Marker): Array<[string, Buffer]> {
  const texts = new Set([m.sent, m.sent.toUpperCase(), m.sent.toLowerCase(), m.normalised, m.normalised.toUpperCase(), m.normalised.toLowerCase()]);
  const out: Array<[string, Buffer]> = [];
  for (const t of texts) {
    const bytes = Buffer.from(t, 'utf8');
    out.push([`text ${t}`, bytes]);
    out.push([`utf16 ${t}`, Buffer.from(t, 'utf16le')]);
    out.push([`hex ${t}`, Buffer.from(bytes.toString('hex'), 'utf8')]);
    out.push([`HEX ${t}`, Buffer.from(bytes.toString('hex').toUpperCase(), 'utf8')]);
    // base64 at each of the 3 byte alignments it can take inside a longer base64 run: only the
    // characters that depend on the marker's bytes alone
    for (let k = 0; k < 3; k++) {
      const shifted = Buffer.concat([Buffer.alloc(k), bytes]);
      const from = Math.ceil((8 * k) / 6);
      const to = Math.floor((8 * (k + bytes.length)) / 6);
      out.push([`base64@${k} ${t}`, Buffer.from(shifted.toString('base64').slice(from, to), 'utf8')]);
      out.push([`base64url@${k} ${t}`, Buffer.from(shifted.toString('base64url').slice(from, to), 'utf8')]);
    }
  }
  if (m.raw) out.push([`raw bytes ${m.normalised}`, m.raw]);
  return out;
}

const ALL_PATTERNS = MARKERS.flatMap(patterns);

function leaksIn(label: string, data: Buffer): string[] {
  return ALL_PATTERNS.filter(([, p]) => data.includes(p)).map(([what]) => `${label}: ${what}`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

let hub: Hub;
let closed = false;
let dataDir = '';
let adminToken = '';
let ingestToken = '';
const responses: string[] = [];
const clients: MqttClient[] = [];

async function api(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${init.token ?? adminToken}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  const r = await fetch(`${hub.httpUrl}/api/v1${path}`, { ...init, headers });
  const text = await r.text();
  responses.push(`${init.method ?? 'GET'} ${path} → ${r.status} ${text}`);
  return new Response(text, { status: r.status, headers: r.headers });
}

const now = () => new Date().toISOString();

beforeAll(async () => {
  dataDir = tempDir('parapet-noleak-');
  const config = testConfig({
    data_dir: dataDir,
    http: { port: 0 },
    mqtt: { enabled: true, host: '127.0.0.1', port: 0 },
    store: { kind: 'sqlite' },
    ingest: { commit_delay_ms: 1 },
    log: { level: 'trace' },
    // Dwell mode stores sightings, so MACs go as far as they can.
    privacy: { wifi_mode: 'dwell' },
  });
  // Logs go to a file in the data dir, so they are searched with everything else.
  const logger = createLogger('trace', pino.destination({ dest: join(dataDir, 'hub.log'), sync: true, mkdir: true }));
  hub = await startHub({ config, env: {}, logger });
  adminToken = (await hub.deps.auth.createToken('noleak-admin', 'admin', [])).secret;
  ingestToken = (await hub.deps.auth.createToken('noleak-ingest', 'ingest', [])).secret;
  for (const [id, type] of [
    ['lpr-1', 'lpr'],
    ['door-1', 'access'],
    ['wifi-1', 'wifi'],
  ] as const) {
    const r = await api(`/devices/${id}`, { method: 'PUT', body: JSON.stringify({ type, site: 'harbour', zone: 'gate', name: id }) });
    expect(r.status).toBe(201);
  }
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  if (!closed) await hub.close();
});

describe('nothing leaks (issue 3 §8)', () => {
  it('has a search that would find a marker in each encoding', () => {
    const m = MARKERS[0];
    if (!m) throw new Error('no marker');
    const inBase64 = Buffer.from(Buffer.concat([Buffer.from('xy'), Buffer.from(m.normalised), Buffer.from('z')]).toString('base64'));
    expect(leaksIn('canary', inBase64)).not.toEqual([]);
    expect(leaksIn('canary', Buffer.from(`{"plate":"${m.sent.toUpperCase()}"}`))).not.toEqual([]);
    expect(leaksIn('canary', Buffer.from(Buffer.from(m.normalised).toString('hex').toUpperCase()))).not.toEqual([]);
    const mac = MARKERS.find((x) => x.raw);
    expect(leaksIn('canary', Buffer.concat([Buffer.from([1, 2]), mac?.raw ?? Buffer.alloc(0)]))).not.toEqual([]);
    expect(leaksIn('canary', Buffer.from('nothing to see here'))).toEqual([]);
  });

  it('accepts identifiers over HTTP, storing only pseudonyms', async () => {
    const batch = [
      { ts: now(), device: 'lpr-1', kind: 'lpr.read', data: { plate: MARKERS[0]?.sent, confidence: 0.9 } },
      { ts: now(), device: 'door-1', kind: 'access.granted', data: { door: 'front', credential: CRED_HTTP, method: 'card' } },
      { ts: now(), device: 'wifi-1', kind: 'wifi.sighting', data: { mac: macNotation(MAC_HTTP), rssi: -60 } },
    ];
    const r = await api('/events', { method: 'POST', token: ingestToken, body: JSON.stringify(batch) });
    expect(r.status).toBe(202);
    expect(await r.json()).toMatchObject({ accepted: 3 });
  });

  it('refuses identifiers in rejected events without echoing them', async () => {
    const bad = [
      { ts: now(), device: 'lpr-1', kind: 'lpr.read', data: { plate: MARKERS[2]?.sent, gender: 'f' } },
      { ts: now(), device: 'lpr-1', kind: 'lpr.read', data: { plate: MARKERS[2]?.sent, owner: MARKERS[2]?.sent } },
      { ts: now(), device: 'lpr-1', kind: 'lpr.read', data: { plate: `${MARKERS[2]?.sent ?? ''}${'9'.repeat(40)}` } },
      { ts: now(), device: 'wifi-1', kind: 'wifi.sighting', data: { mac: `${MAC_HTTP}zz`, rssi: -60 } },
      { ts: now(), device: 'ghost', kind: 'lpr.read', data: { plate: MARKERS[2]?.sent } },
    ];
    const r = await api('/events', { method: 'POST', token: ingestToken, body: JSON.stringify(bad) });
    const body = (await r.json()) as { accepted: number; rejected: Array<{ error: string }> };
    expect(body.accepted).toBe(0);
    expect(body.rejected).toHaveLength(bad.length);
    expect(body.rejected[0]?.error).toBe('prohibited_attribute');
  });

  it('accepts identifiers over MQTT, storing only pseudonyms', async () => {
    const mqttUrl = hub.mqttUrl;
    expect(mqttUrl).not.toBeNull();
    for (const [device, kind, data] of [
      ['lpr-1', 'lpr.read', { plate: MARKERS[1]?.sent }],
      ['door-1', 'access.denied', { door: 'front', credential: CRED_MQTT, reason: 'unknown' }],
      ['wifi-1', 'wifi.sighting', { mac: macNotation(MAC_MQTT).toLowerCase().replaceAll(':', '-'), rssi: -70 }],
    ] as const) {
      const secret = await hub.deps.auth.rotateDeviceSecret(device);
      const c = await mqtt.connectAsync(mqttUrl ?? '', { username: device, password: secret, protocolVersion: 4, reconnectPeriod: 0 });
      clients.push(c);
      await c.publishAsync(`parapet/v1/${device}/events`, JSON.stringify({ ts: now(), kind, data }), { qos: 1 });
      // a prohibited one too: refused, counted, never stored
      await c.publishAsync(`parapet/v1/${device}/events`, JSON.stringify({ ts: now(), kind, data: { ...data, imsi: '001010123456789' } }), { qos: 1 });
    }
    const stored = await hub.deps.store.events.query({ limit: 100, kind: 'lpr.*' });
    expect(stored.events.length).toBeGreaterThanOrEqual(2);
    expect(stored.events.every((e) => typeof e.data.plate === 'string' && e.data.plate.startsWith('plate:'))).toBe(true);
  });

  it('runs an investigation without keeping or showing the value', async () => {
    const invToken = (await hub.deps.auth.createToken('noleak-investigator', 'investigator', [])).secret;
    const lpr = { ts: now(), device: 'lpr-1', kind: 'lpr.read', data: { plate: MARKERS[3]?.sent } };
    expect((await api('/events', { method: 'POST', token: ingestToken, body: JSON.stringify(lpr) })).status).toBe(202);
    const req = { class: 'plate', value: MARKERS[3]?.sent, case_id: 'CASE-1', reason: 'no-leak end-to-end check', from: new Date(Date.now() - 3_600_000).toISOString(), to: now() };
    const created = await api('/investigations/sightings', { method: 'POST', token: invToken, body: JSON.stringify(req) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await api(`/investigations/${id}/approve`, { method: 'POST', body: '{}' })).status).toBe(200);
    const res = await api(`/investigations/${id}/results`, { token: invToken });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { events: unknown[] }).events).toHaveLength(1);
  });

  it('never answers a marker in any API response', async () => {
    for (const path of ['/events?limit=1000', '/events?kind=lpr.read', '/events?kind=wifi.*', '/investigations', '/stats/occupancy', '/stats/footfall', '/devices']) {
      expect((await api(path)).status, path).toBe(200);
    }
    const leaks = responses.flatMap((text, i) => leaksIn(`response ${i} (${text.slice(0, 60)})`, Buffer.from(text, 'utf8')));
    expect(leaks).toEqual([]);
  });

  it('never writes a marker to any file under the data dir (database, WAL, logs, keys)', async () => {
    await hub.deps.pipeline.drain();
    await hub.deps.keyring.flush();
    const files = filesUnder(dataDir);
    expect(files.some((f) => f.endsWith('hub.log'))).toBe(true);
    expect(files.some((f) => f.endsWith('master.key'))).toBe(true);
    expect(files.some((f) => /parapet\.db/.test(f))).toBe(true);
    expect(readFileSync(join(dataDir, 'hub.log'), 'utf8').length).toBeGreaterThan(0);
    const leaks = files.flatMap((f) => leaksIn(f, readFileSync(f)));
    expect(leaks).toEqual([]);
    // and once more after the hub closed (WAL checkpointed into the database)
    await hub.close();
    closed = true;
    const after = filesUnder(dataDir).flatMap((f) => leaksIn(f, readFileSync(f)));
    expect(after).toEqual([]);
  });
});
