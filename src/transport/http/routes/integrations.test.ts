import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
