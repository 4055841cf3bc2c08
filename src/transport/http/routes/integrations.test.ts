import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { startTestHub, type TestHub } from '../../../../test/helpers/hub.js';

let hub: TestHub;
let harbourOperator = '';
let campusIngest = '';
let investigator = '';
const DOOR = 'd2b87427-7efa-43c1-aa52-b00d40d99ecf';
const now = () => new Date().toISOString();

beforeAll(async () => {
  hub = await startTestHub();
  for (const [id, type, site, zone] of [
    ['pr-camera-1', 'lpr', 'harbour', 'gate-north'],
    ['2090267338', 'lpr', 'harbour', 'gate-south'],
    [`ua-${DOOR}`, 'access', 'harbour', 'lobby'],
    ['aq-28079004', 'env', 'harbour', 'plaza'],
    ['wifi-7', 'wifi', 'campus', 'quad'],
  ] as const) {
    const r = await hub.api(`/devices/${id}`, { method: 'PUT', body: JSON.stringify({ type, site, zone, name: id, lat: 38.7, lon: -9.1, heartbeat_s: 60 }) });
    expect(r.status).toBe(201);
  }
  harbourOperator = (await hub.deps.auth.createToken('harbour-wall', 'operator', ['harbour'])).secret;
  campusIngest = (await hub.deps.auth.createToken('campus-feeder', 'ingest', ['campus'])).secret;
  investigator = (await hub.deps.auth.createToken('case-desk', 'investigator', [])).secret;
});
afterAll(async () => hub.close());

const post = (path: string, body: unknown, token = hub.ingestToken, contentType = 'application/json') =>
  hub.api(`/integrations/${path}`, { method: 'POST', token, body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': contentType } });

const stream = (plate: string, ts = now()) => ({
  hook: { target: 'https://hub.example/', id: 'camera-1', event: 'recognition' },
  data: {
    camera_id: 'camera-1',
    timestamp: ts,
    results: [{ plate, region: { code: 'gb', score: 0.41 }, score: 0.839, vehicle: { type: 'Sedan' }, color: [{ color: 'white', score: 0.67 }], orientation: [{ orientation: 'Rear', score: 0.6 }] }],
  },
});

describe('POST /integrations/platerecognizer', () => {
  it('stores a plate read with the plate pseudonymised, and answers like POST /events', async () => {
    const r = await post('platerecognizer?device_prefix=pr-', stream('ab12 cde'));
    expect(r.status).toBe(202);
    expect(await r.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [], dropped: [] });
    const read = (await (await hub.api('/events?kind=lpr.read&device=pr-camera-1', { token: hub.operatorToken })).json()) as { events: Array<{ data: { plate: string; direction: string } }> };
    const plate = read.events[0]?.data.plate ?? '';
    expect(plate).not.toMatch(/ab12|AB12/i);
    expect(plate.length).toBeGreaterThan(16);
    expect(read.events[0]?.data.direction).toBe('receding');
  });

  it('counts a retried webhook as a duplicate', async () => {
    const body = stream('XY99ZZZ', new Date(Date.now() - 1000).toISOString());
    expect(await (await post('platerecognizer?device_prefix=pr-', body)).json()).toMatchObject({ accepted: 1 });
    expect(await (await post('platerecognizer?device_prefix=pr-', body)).json()).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('answers the first error when nothing was kept (unknown device → 404), naming where it came from', async () => {
    const r = await post('platerecognizer', stream('AB12CDE'));
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ error: 'unknown_device', accepted: 0, rejected: [{ index: 0, at: 'data.results[0]', error: 'unknown_device' }] });
  });

  it('needs an ingest or admin credential', async () => {
    expect((await post('platerecognizer?device_prefix=pr-', stream('AB12CDE'), hub.operatorToken)).status).toBe(403);
    const anon = await hub.api('/integrations/platerecognizer', { method: 'POST', token: null, body: '{}' });
    expect(anon.status).toBe(401);
  });

  it('answers bad bodies with 400, never 500', async () => {
    expect(await (await post('platerecognizer', '{oops')).json()).toMatchObject({ error: 'invalid_json' });
    expect((await post('platerecognizer', '')).status).toBe(400);
    const deep = `${'['.repeat(100)}${']'.repeat(100)}`;
    expect(await (await post('platerecognizer', deep)).json()).toMatchObject({ error: 'json_too_deep' });
    expect((await post('platerecognizer?device=bad id', stream('X'))).status).toBe(400);
    expect((await post('platerecognizer?nope=1', stream('X'))).status).toBe(400);
  });

  it('keeps another site’s device out of reach of a site-scoped credential', async () => {
    const r = await post('platerecognizer?device_prefix=pr-', stream('CAMPUS1'), campusIngest);
    expect(r.status).toBe(404);
  });
});

/** Plate Recognizer's "webhook with image": field `json` + file `upload` (its webhook_tester.py does the same). */
function withImage(json: unknown, image = new Blob([Buffer.alloc(20_000, 0xd8)], { type: 'image/jpeg' }), extra: (f: FormData) => void = () => undefined): FormData {
  const f = new FormData();
  f.append('json', typeof json === 'string' ? json : JSON.stringify(json));
  f.append('upload', image, 'camera-1_screenshots/AB12CDE.jpg');
  extra(f);
  return f;
}
/** The form encoded as undici sends it (bytes + content type with its boundary). */
async function encodeForm(form: FormData): Promise<{ body: Uint8Array<ArrayBuffer>; type: string }> {
  const r = new Request('http://parapet.test/', { method: 'POST', body: form });
  return { body: new Uint8Array(await r.arrayBuffer()), type: r.headers.get('content-type') ?? '' };
}
async function gzip(body: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await new Response(new Blob([body]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
}
async function postForm(on: TestHub, path: string, form: FormData, headers: Record<string, string> = {}, token = on.ingestToken): Promise<Response> {
  const { body, type } = await encodeForm(form);
  const gz = headers['content-encoding'] === 'gzip';
  return on.api(`/integrations/${path}`, { method: 'POST', token, body: gz ? await gzip(body) : body, headers: { 'content-type': type, ...headers } });
}
const plateReads = async (on: TestHub, device = 'pr-camera-1') =>
  ((await (await on.api(`/events?kind=lpr.read&device=${device}&limit=500`, { token: on.operatorToken })).json()) as { events: Array<{ ts: string; data: { plate: string } }> }).events;

describe('POST /integrations/platerecognizer as multipart/form-data (webhook with image)', () => {
  it('stores a Stream read with the plate pseudonymised and reports the image as dropped', async () => {
    const ts = new Date(Date.now() - 5000).toISOString();
    const r = await postForm(hub, 'platerecognizer?device_prefix=pr-', withImage(stream('mp42 xyz', ts)));
    expect(r.status).toBe(202);
    const text = await r.text();
    expect(JSON.parse(text)).toEqual({ accepted: 1, duplicates: 0, rejected: [], dropped: [{ at: 'upload', reason: 'image', detail: 'the image was not kept' }] });
    expect(text).not.toMatch(/mp42|AB12CDE/i);
    const read = (await plateReads(hub)).find((e) => e.ts === ts);
    expect(read?.data.plate).toBeDefined();
    expect(read?.data.plate).not.toMatch(/mp42/i);
    expect(read?.data.plate.length).toBeGreaterThan(16);
    expect(JSON.stringify(await plateReads(hub))).not.toMatch(/mp42 ?xyz/i);
  });

  it('stores a Snapshot read (image.done) sent with its image, and counts the retry as a duplicate', async () => {
    const snapshot = {
      hook: { target: 'https://hub.example/', id: 1207, event: 'image.done', filename: 'AB12CDE.jpg' },
      data: { camera_id: 'camera-1', filename: 'AB12CDE.jpg', timestamp: new Date(Date.now() - 7000).toISOString(), processing_time: 288.6, results: [{ plate: 'sn4p 5ht', score: 0.9, region: { code: 'pt' } }] },
    };
    expect(await (await postForm(hub, 'platerecognizer?device_prefix=pr-', withImage(snapshot))).json()).toMatchObject({ accepted: 1, dropped: [{ reason: 'image' }] });
    expect(await (await postForm(hub, 'platerecognizer?device_prefix=pr-', withImage(snapshot))).json()).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('accepts a gzip multipart body like any gzip body', async () => {
    const r = await postForm(hub, 'platerecognizer?device_prefix=pr-', withImage(stream('GZ11ZZZ', new Date(Date.now() - 9000).toISOString())), { 'content-encoding': 'gzip' });
    expect(r.status).toBe(202);
    expect(await r.json()).toMatchObject({ accepted: 1, dropped: [{ reason: 'image' }] });
  });

  it('drops unknown extra parts, counted as unsupported, without failing', async () => {
    const form = withImage(stream('EX7RA11', new Date(Date.now() - 11_000).toISOString()), undefined, (f) => {
      f.append('note', 'AB12CDE');
      f.append('clip', new Blob([Buffer.alloc(64)], { type: 'video/mp4' }), 'clip.mp4');
    });
    const r = await postForm(hub, 'platerecognizer?device_prefix=pr-', form);
    expect(r.status).toBe(202);
    const out = (await r.json()) as { accepted: number; dropped: Array<{ at: string; reason: string }> };
    expect(out.accepted).toBe(1);
    expect(out.dropped.map((d) => [d.at, d.reason])).toEqual([
      ['upload', 'image'],
      ['note', 'unsupported'],
      ['clip', 'unsupported'],
    ]);
  });

  it('refuses a form without a json part, with invalid JSON in it, or without a usable boundary', async () => {
    const noJson = new FormData();
    noJson.append('upload', new Blob([Buffer.alloc(100)], { type: 'image/jpeg' }), 'x.jpg');
    const missing = await postForm(hub, 'platerecognizer?device_prefix=pr-', noJson);
    expect(missing.status).toBe(400);
    const why = (await missing.json()) as { error: string; detail: string };
    expect(why.error).toBe('invalid_multipart');
    expect(why.detail).toContain('no json field');
    expect(await (await postForm(hub, 'platerecognizer?device_prefix=pr-', withImage('{oops'))).json()).toMatchObject({ error: 'invalid_json' });
    const deep = `${'['.repeat(100)}${']'.repeat(100)}`;
    expect(await (await postForm(hub, 'platerecognizer?device_prefix=pr-', withImage(deep))).json()).toMatchObject({ error: 'json_too_deep' });
    const { body } = await encodeForm(withImage(stream('NOB0UND')));
    for (const type of ['multipart/form-data', 'multipart/form-data; boundary=not-the-one-used']) {
      const r = await hub.api('/integrations/platerecognizer?device_prefix=pr-', { method: 'POST', token: hub.ingestToken, body, headers: { 'content-type': type } });
      expect(r.status, type).toBe(400);
      expect(await r.json(), type).toMatchObject({ error: 'invalid_multipart' });
    }
  });

  it('still needs an ingest or admin credential', async () => {
    expect((await postForm(hub, 'platerecognizer?device_prefix=pr-', withImage(stream('AUTH001')), {}, hub.operatorToken)).status).toBe(403);
  });

  it('is refused with 415 by every other route', async () => {
    for (const path of ['openalpr', 'unifi-access', 'ngsi-ld/notify']) {
      const r = await postForm(hub, path, withImage(stream('OTHER01')));
      expect(r.status, path).toBe(415);
      expect(await r.json(), path).toMatchObject({ error: 'unsupported_media_type' });
    }
    const { body, type } = await encodeForm(withImage(stream('OTHER01')));
    const events = await hub.api('/events', { method: 'POST', token: hub.ingestToken, body, headers: { 'content-type': type } });
    expect(events.status).toBe(415);
    const device = await hub.api('/devices/pr-camera-1', { method: 'PUT', body, headers: { 'content-type': type } });
    expect(device.status).toBe(415);
    expect((await postForm(hub, 'no-such-vendor', withImage(stream('OTHER01')))).status).toBe(404);
  });
});

describe('POST /integrations/platerecognizer multipart bounds', () => {
  let small: TestHub;
  const LIMIT = 64 * 1024;
  beforeAll(async () => {
    small = await startTestHub({ http: { port: 0, body_limit_bytes: LIMIT } });
    const r = await small.api('/devices/pr-camera-1', { method: 'PUT', body: JSON.stringify({ type: 'lpr', site: 'harbour', zone: 'gate', name: 'gate', lat: 38.7, lon: -9.1, heartbeat_s: 60 }) });
    expect(r.status).toBe(201);
  });
  afterAll(async () => small.close());
  const bigImage = () => new Blob([Buffer.alloc(4 * LIMIT, 0xd8)], { type: 'image/jpeg' });

  it('refuses a body over the limit with 413, storing nothing (declared length, gzip, chunked)', async () => {
    const declared = await postForm(small, 'platerecognizer?device_prefix=pr-', withImage(stream('B1GB0DY'), bigImage()));
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: 'payload_too_large' });
    // gzip: small on the wire, over the limit once inflated.
    const inflated = await postForm(small, 'platerecognizer?device_prefix=pr-', withImage(stream('B1GB0DY'), bigImage()), { 'content-encoding': 'gzip' });
    expect(inflated.status).toBe(413);
    expect(await inflated.json()).toMatchObject({ error: 'payload_too_large' });
    // No Content-Length: refused while streaming.
    const { body, type } = await encodeForm(withImage(stream('B1GB0DY'), bigImage()));
    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < body.length; i += 16 * 1024) c.enqueue(body.subarray(i, i + 16 * 1024));
        c.close();
      },
    });
    const streamed = await small.api('/integrations/platerecognizer?device_prefix=pr-', { method: 'POST', token: small.ingestToken, body: chunks, headers: { 'content-type': type }, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ error: 'payload_too_large' });
    expect(await plateReads(small)).toEqual([]);
  });

  it('accepts the same webhook with an image that fits', async () => {
    const r = await postForm(small, 'platerecognizer?device_prefix=pr-', withImage(stream('F1TS0K1')));
    expect(await r.json()).toMatchObject({ accepted: 1, dropped: [{ reason: 'image' }] });
  });
});

describe('POST /integrations/openalpr', () => {
  it('stores a group result and reports the dropped image crops', async () => {
    const group = {
      data_type: 'alpr_group',
      camera_id: 2090267338,
      best_plate_number: '6PK132',
      best_confidence: 90.25,
      best_region: 'us-mo',
      best_uuid: `agent-2090267338-${Date.now()}`,
      epoch_start: Date.now() - 3000,
      best_plate: { plate: '6PK132', plate_crop_jpeg: '/9j/4AAQ' },
      vehicle_crop_jpeg: '/9j/4AAQ',
    };
    const r = await post('openalpr', group);
    expect(r.status).toBe(202);
    const body = (await r.json()) as { accepted: number; dropped: Array<{ reason: string }> };
    expect(body.accepted).toBe(1);
    expect(body.dropped.map((d) => d.reason)).toEqual(['image', 'image']);
  });
});

describe('POST /integrations/unifi-access', () => {
  const unlock = { event: 'access.door.unlock', data: { location: { id: DOOR, name: 'Door 3855' }, actor: { id: 'u-1', name: 'Jane Doe' }, object: { authentication_type: 'NFC', authentication_value: '0F3E1C42', result: 'Access Granted' } } };
  const dps = (status: string) => ({ event: 'access.device.dps_status', data: { location: { id: DOOR, name: 'Door 3855' }, object: { status } } });

  it('stores a granted unlock with the credential pseudonymised and the name dropped', async () => {
    const r = await post('unifi-access?device_prefix=ua-', unlock);
    expect(await r.json()).toMatchObject({ accepted: 1, dropped: [{ reason: 'person_name' }] });
    const got = (await (await hub.api(`/events?kind=access.granted&device=ua-${DOOR}`, { token: hub.operatorToken })).json()) as { events: Array<{ data: Record<string, unknown> }> };
    expect(JSON.stringify(got)).not.toMatch(/0F3E1C42|Jane/);
  });

  it('a door opened right after a granted unlock is a passage; closing it secures the door', async () => {
    const open = (await (await post('unifi-access?device_prefix=ua-', dps('open'))).json()) as { accepted: number; dropped: Array<{ reason: string }> };
    expect(open.accepted).toBe(0);
    expect(open.dropped.map((d) => d.reason)).toEqual(['no_data']);
    expect(await (await post('unifi-access?device_prefix=ua-', dps('close'))).json()).toMatchObject({ accepted: 1 });
  });

  it('without a configured secret, accepts webhooks whether or not they carry a Signature (as before)', async () => {
    const r = await hub.api('/integrations/unifi-access?device_prefix=ua-', { method: 'POST', token: hub.ingestToken, body: JSON.stringify(dps('close')), headers: { signature: 't=1,v1=00' } });
    expect(r.status).toBe(202);
  });
});

describe('POST /integrations/unifi-access with a webhook secret (signed webhooks)', () => {
  const SECRET = '1a7c9c6a69bb5a1e';
  const DOOR_ID = '7f1c0a55-1d3e-4c1b-9a2f-0c3b5e6d7a88';
  const DEVICE = `ua-${DOOR_ID}`;
  let signed: TestHub;
  const unlock = { event: 'access.door.unlock', data: { location: { id: DOOR_ID, name: 'Porta Nº 3 — átrio' }, object: { authentication_type: 'NFC', authentication_value: '0F3E1C42', result: 'Access Granted' } } };
  const dps = (status: string) => ({ event: 'access.device.dps_status', data: { location: { id: DOOR_ID, name: 'Porta Nº 3 — átrio' }, object: { status } } });
  /** What UniFi Access sends: HMAC-SHA-256 over `<t>.<body bytes>`, keyed with the secret, hex. */
  const signature = (body: string, t = Math.floor(Date.now() / 1000), secret = SECRET) => `t=${t},v1=${createHmac('sha256', secret).update(`${t}.`).update(Buffer.from(body, 'utf8')).digest('hex')}`;
  const send = (body: string, headers: Record<string, string>, token: string | null = signed.ingestToken) =>
    signed.api('/integrations/unifi-access?device_prefix=ua-', { method: 'POST', token, body, headers: { 'content-type': 'application/json', ...headers } });
  const stored = async () => ((await (await signed.api(`/events?device=${DEVICE}&kind=access.*`, { token: signed.operatorToken })).json()) as { events: Array<{ kind: string }> }).events;

  beforeAll(async () => {
    signed = await startTestHub({ integrations: { unifi_access: { secret: SECRET } } });
    const r = await signed.api(`/devices/${DEVICE}`, { method: 'PUT', body: JSON.stringify({ type: 'access', site: 'harbour', zone: 'lobby', name: 'door', lat: 38.7, lon: -9.1, heartbeat_s: 60 }) });
    expect(r.status).toBe(201);
  });
  afterAll(async () => signed.close());

  it('refuses unsigned, forged, stale and mis-formatted webhooks with 401 bad_signature, storing nothing', async () => {
    const body = JSON.stringify(unlock);
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<Record<string, string>> = [
      {},
      { signature: signature(body, now, '6601f1243d2ff70f') },
      { signature: signature(JSON.stringify(dps('open'))) },
      // Well outside ±300 s: this test's clock reads and the hub's are up to a second or so apart.
      { signature: signature(body, now - 400) },
      { signature: signature(body, now + 400) },
      { signature: `v1=${'0'.repeat(64)}` },
    ];
    for (const headers of cases) {
      const r = await send(body, headers);
      expect(r.status, JSON.stringify(headers)).toBe(401);
      const why = (await r.json()) as { error: string; detail: string };
      expect(why.error).toBe('bad_signature');
      expect(why.detail.length).toBeGreaterThan(10);
      expect(why.detail).not.toContain(SECRET);
    }
    expect(await stored()).toEqual([]);
  });

  it('audits a refused signature as an authentication failure', async () => {
    const before = (await signed.deps.audit.list({ action: 'auth.failure', limit: 100 })).length;
    expect((await send(JSON.stringify(dps('close')), { signature: signature('{}') })).status).toBe(401);
    await expect.poll(async () => (await signed.deps.audit.list({ action: 'auth.failure', limit: 100 })).length).toBe(before + 1);
    // The bearer token was accepted: the entry names who sent the forged webhook.
    const [latest] = await signed.deps.audit.list({ action: 'auth.failure', limit: 1 });
    expect(latest?.actor).toMatch(/^token:/);
  });

  it('a forged "granted" unlock cannot excuse a forced door', async () => {
    expect((await send(JSON.stringify(unlock), { signature: signature(JSON.stringify(unlock), undefined, 'not-the-secret-at-all') })).status).toBe(401);
    const open = JSON.stringify(dps('open'));
    const r = await send(open, { signature: signature(open) });
    expect(await r.json()).toMatchObject({ accepted: 1 });
    const close = JSON.stringify(dps('close'));
    expect((await send(close, { signature: signature(close) })).status).toBe(202);
    expect((await stored()).map((e) => e.kind).sort()).toEqual(['access.door_forced', 'access.door_secured']);
  });

  it('accepts a signed webhook once, verified over the exact UTF-8 bytes, and refuses its replay', async () => {
    const body = JSON.stringify(unlock);
    const sig = signature(body);
    const r = await send(body, { signature: sig });
    expect(r.status).toBe(202);
    expect(await r.json()).toMatchObject({ accepted: 1, rejected: [] });
    const replay = await send(body, { signature: sig });
    expect(replay.status).toBe(401);
    const why = (await replay.json()) as { error: string; detail: string };
    expect(why.error).toBe('bad_signature');
    expect(why.detail).toMatch(/already accepted/);
    expect((await stored()).filter((e) => e.kind === 'access.granted')).toHaveLength(1);
  });

  it('verifies a gzip-encoded body over the bytes UniFi signed (the decoded JSON)', async () => {
    const body = JSON.stringify(dps('closed'));
    const r = await signed.api('/integrations/unifi-access?device_prefix=ua-', {
      method: 'POST',
      token: signed.ingestToken,
      body: gzipSync(Buffer.from(body, 'utf8')),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', signature: signature(body) },
    });
    expect(r.status).toBe(202);
  });

  it('still needs the bearer token: a valid signature is not a credential (SPEC §5.1)', async () => {
    const body = JSON.stringify(dps('close'));
    expect((await send(body, { signature: signature(body) }, null)).status).toBe(401);
    const asOperator = await send(body, { signature: signature(body) }, signed.operatorToken);
    expect(asOperator.status).toBe(403);
  });
});

describe('NGSI-LD', () => {
  const aq = (extra: Record<string, unknown> = {}) => ({
    id: `urn:ngsi-ld:AirQualityObserved:${Math.random()}`,
    type: 'AirQualityObserved',
    dateObserved: { type: 'Property', value: { '@type': 'DateTime', '@value': now() } },
    pm25: { type: 'Property', value: 61, unitCode: 'GQ' },
    refDevice: { type: 'Relationship', object: 'urn:ngsi-ld:Device:28079004' },
    '@context': ['https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld'],
    ...extra,
  });

  it('accepts a batch upsert sent as application/ld+json', async () => {
    const r = await post('ngsi-ld/entityOperations/upsert?device_prefix=aq-', [aq(), aq()], hub.ingestToken, 'application/ld+json');
    expect(r.status).toBe(202);
    expect(await r.json()).toMatchObject({ accepted: 2, rejected: [] });
  });

  it('accepts a notification and refuses an upsert that is not an array', async () => {
    expect(await (await post('ngsi-ld/notify?device_prefix=aq-', { id: 'n', type: 'Notification', subscriptionId: 's', data: [aq()] })).json()).toMatchObject({ accepted: 1 });
    expect((await post('ngsi-ld/entityOperations/upsert', { not: 'an array' })).status).toBe(400);
  });

  it('refuses a prohibited attribute with 422 and counts it as a policy violation against the device', async () => {
    const before = hub.deps.pipeline.metrics.policyViolations;
    const r = await post('ngsi-ld/entityOperations/upsert?device_prefix=aq-', [aq({ gender: { type: 'Property', value: 'x' } })]);
    expect(r.status).toBe(422);
    expect(await r.json()).toMatchObject({ error: 'prohibited_attribute', rejected: [{ at: '[0]', error: 'prohibited_attribute' }] });
    expect(hub.deps.pipeline.metrics.policyViolations).toBe(before + 1);
  });

  it('lists devices as NGSI-LD entities within the caller’s sites, with the context in a Link header', async () => {
    const r = await hub.api('/integrations/ngsi-ld/entities?type=Device', { token: harbourOperator });
    expect(r.status).toBe(200);
    expect(r.headers.get('link')).toContain('ngsi-ld-core-context.jsonld');
    const list = (await r.json()) as Array<{ id: string; deviceState: { value: string } }>;
    expect(list.map((e) => e.id)).toContain('urn:ngsi-ld:Device:parapet:aq-28079004');
    expect(list.map((e) => e.id)).not.toContain('urn:ngsi-ld:Device:parapet:wifi-7');
    const kv = (await (await hub.api('/integrations/ngsi-ld/entities?type=Device&options=keyValues&limit=1', { token: hub.operatorToken })).json()) as Array<Record<string, unknown>>;
    expect(kv).toHaveLength(1);
    expect(typeof kv[0]?.deviceState).toBe('string');
  });

  it('lists alerts for operators only, and needs a type', async () => {
    expect((await hub.api('/integrations/ngsi-ld/entities?type=Alert', { token: hub.operatorToken })).status).toBe(200);
    expect((await hub.api('/integrations/ngsi-ld/entities?type=Alert', { token: investigator })).status).toBe(403);
    expect((await hub.api('/integrations/ngsi-ld/entities?type=Device', { token: investigator })).status).toBe(200);
    expect((await hub.api('/integrations/ngsi-ld/entities', { token: hub.operatorToken })).status).toBe(400);
    expect((await hub.api('/integrations/ngsi-ld/entities?type=Device', { token: hub.ingestToken })).status).toBe(403);
  });
});
