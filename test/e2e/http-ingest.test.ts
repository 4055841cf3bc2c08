import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub.js';

let hub: TestHub;
const now = () => new Date().toISOString();

beforeAll(async () => {
  hub = await startTestHub({ http: { port: 0, max_batch: 100, body_limit_bytes: 64 * 1024 } });
  for (const [id, type, site, zone] of [
    ['cam-1', 'camera', 'harbour', 'gate-north'],
    ['lpr-1', 'lpr', 'harbour', 'gate-north'],
    ['door-1', 'access', 'harbour', 'lobby'],
    ['cam-9', 'camera', 'campus', 'quad'],
  ] as const) {
    const r = await hub.api(`/devices/${id}`, { method: 'PUT', body: JSON.stringify({ type, site, zone, name: id, lat: 38.7, lon: -9.1, heartbeat_s: 60 }) });
    expect(r.status).toBe(201);
  }
});
afterAll(async () => hub.close());

const ev = (over: Record<string, unknown> = {}) => ({ ts: now(), device: 'cam-1', kind: 'camera.intrusion', data: { zone: 'gate-north', object: 'person' }, ...over });

describe('HTTP ingest (SPEC §3)', () => {
  it('answers healthz without credential and nothing else', async () => {
    const r = await fetch(`${hub.httpUrl}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ok' });
  });

  it('refuses every API route without a credential, and with a bad token', async () => {
    for (const [method, path] of [['POST', '/events'], ['GET', '/events'], ['GET', '/devices'], ['GET', '/events/histogram'], ['GET', '/openapi.json'], ['GET', '/nope']] as const) {
      const r = await hub.api(path, { method, token: null, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(await r.json()).toMatchObject({ error: 'unauthenticated' });
    }
    const bad = await hub.api('/events', { token: 'ppt_not-a-real-token' });
    expect(bad.status).toBe(401);
  });

  it('stores one object and answers 202 with per-item counts', async () => {
    const r = await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: JSON.stringify(ev({ id: 'one-1' })) });
    expect(r.status).toBe(202);
    expect(await r.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
  });

  it('keeps valid batch members when one has an unknown field', async () => {
    const batch = [ev({ id: 'b-1' }), ev({ id: 'b-2', data: { zone: 'z', object: 'person', mood: 'grumpy' } }), ev({ id: 'b-3', device: 'ghost' })];
    const r = await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: JSON.stringify(batch) });
    expect(r.status).toBe(202);
    const body = (await r.json()) as { accepted: number; rejected: Array<{ index: number; error: string; detail: string }> };
    expect(body.accepted).toBe(1);
    expect(body.rejected).toEqual([
      { index: 1, error: 'unknown_field', detail: 'unknown field data.mood' },
      { index: 2, error: 'unknown_device', detail: 'device ghost is not registered' },
    ]);
  });

  it('is idempotent on (device, id) across requests and within one', async () => {
    const body = JSON.stringify([ev({ id: 'dup-1' }), ev({ id: 'dup-1' })]);
    const first: unknown = await (await hub.api('/events', { method: 'POST', token: hub.ingestToken, body })).json();
    expect(first).toMatchObject({ accepted: 1, duplicates: 1 });
    const again: unknown = await (await hub.api('/events', { method: 'POST', token: hub.ingestToken, body })).json();
    expect(again).toMatchObject({ accepted: 0, duplicates: 2 });
  });

  it('accepts NDJSON and gzip, keeping good lines when one is broken', async () => {
    const nd = [JSON.stringify(ev({ id: 'nd-1' })), '{oops', JSON.stringify(ev({ id: 'nd-2' }))].join('\n');
    const r = await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: gzipSync(nd), headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' } });
    expect(r.status).toBe(202);
    const out = (await r.json()) as { accepted: number; rejected: Array<{ index: number; error: string }> };
    expect(out.accepted).toBe(2);
    expect(out.rejected).toMatchObject([{ index: 1, error: 'invalid_json' }]);
  });

  it('refuses a prohibited attribute with 422 naming the field, storing nothing', async () => {
    const r = await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: JSON.stringify(ev({ id: 'pro-1', data: { zone: 'z', object: 'person', ethnicity: 'x' } })) });
    expect(r.status).toBe(422);
    const body = (await r.json()) as { error: string; detail: string };
    expect(body.error).toBe('prohibited_attribute');
    expect(body.detail).toContain('data.ethnicity');
    const q = await (await hub.api('/events?device=cam-1&kind=camera.intrusion&limit=1000')).json() as { events: Array<{ id: string }> };
    expect(q.events.map((e) => e.id)).not.toContain('pro-1');
    const v = await (await hub.api('/events?device=cam-1&kind=policy.violation')).json() as { events: Array<{ data: { field: string } }> };
    expect(v.events[0]?.data.field).toBe('data.ethnicity');
    const { secret: auditor } = await hub.deps.auth.createToken('auditor', 'auditor', []);
    const audit = (await (await hub.api('/audit?action=policy.violation', { token: auditor })).json()) as { entries: Array<{ target: string; detail: { field: string } }> };
    expect(audit.entries[0]).toMatchObject({ target: 'cam-1', detail: { field: 'data.ethnicity' } });
    expect(JSON.stringify(audit.entries)).not.toContain('"x"');
  });

  it('bounds batch size, body size, depth and string length with their codes — never 500', async () => {
    const big = JSON.stringify(Array.from({ length: 101 }, (_, i) => ev({ id: `big-${i}` })));
    expect((await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: big })).status).toBe(413);
    const huge = JSON.stringify([ev({ id: 'x', data: { zone: 'z'.repeat(70_000), object: 'person' } })]);
    const h = await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: huge });
    expect(h.status).toBe(413);
    expect(await h.json()).toMatchObject({ error: 'payload_too_large' });
    const deep = await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: '['.repeat(20_000) + ']'.repeat(20_000) });
    expect(deep.status).toBe(400);
    expect(await deep.json()).toMatchObject({ error: 'json_too_deep' });
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20));
    const b = await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: bomb, headers: { 'content-encoding': 'gzip' } });
    expect(b.status).toBe(413);
    for (const garbage of ['', 'null', '42', '"str"', '{"ts":', '\u0000\u0001']) {
      const g = await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: garbage });
      expect(g.status, JSON.stringify(garbage)).toBeGreaterThanOrEqual(400);
      expect(g.status, JSON.stringify(garbage)).toBeLessThan(500);
    }
    const media = await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(media.status).toBe(415);
    const enc = await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: '{}', headers: { 'content-encoding': 'br' } });
    expect(enc.status).toBe(415);
  });

  it('never returns a plate in clear and pseudonymises spellings alike', async () => {
    const plates = ['AB-12 CD', 'ab12cd', 'AB 12 CD'];
    const batch = plates.map((plate, i) => ({ id: `lpr-${i}`, ts: now(), device: 'lpr-1', kind: 'lpr.read', data: { plate } }));
    expect(await (await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: JSON.stringify(batch) })).json()).toMatchObject({ accepted: 3 });
    const res = await hub.api('/events?device=lpr-1&kind=lpr.read');
    const text = await res.text();
    expect(text).not.toMatch(/AB.?12.?CD/i);
    const pseudonyms = new Set((JSON.parse(text) as { events: Array<{ data: { plate: string } }> }).events.map((e) => e.data.plate));
    expect(pseudonyms.size).toBe(1);
    expect([...pseudonyms][0]).toMatch(/^plate:/);
  });

  it('accepts Wi-Fi sightings in counts-only mode without ever storing them, and marks the sensor seen', async () => {
    await hub.api('/devices/wifi-1', { method: 'PUT', body: JSON.stringify({ type: 'wifi', site: 'harbour', zone: 'plaza', heartbeat_s: 60 }) });
    const batch = ['AA:BB:CC:00:11:22', 'aa-bb-cc-00-11-23'].map((mac, i) => ({ id: `w-${i}`, ts: now(), device: 'wifi-1', kind: 'wifi.sighting', data: { mac, rssi: -60 } }));
    const r = (await (await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: JSON.stringify(batch) })).json()) as { accepted: number };
    expect(r.accepted).toBe(2);
    expect(await hub.deps.store.events.count({ kind: 'wifi.sighting' })).toBe(0);
    expect(((await (await hub.api('/devices/wifi-1')).json()) as { status: string }).status).toBe('online');
    expect(hub.deps.wifi.held()).toBeGreaterThanOrEqual(2);
  });

  it('refuses an ingest token on search and an operator on ingest', async () => {
    expect((await hub.api('/events', { token: hub.ingestToken })).status).toBe(403);
    expect((await hub.api('/events', { method: 'POST', token: hub.operatorToken, body: JSON.stringify(ev()) })).status).toBe(403);
  });
});

describe('search (SPEC §3)', () => {
  it('pages by keyset cursor without gaps or repeats, newest first', async () => {
    const base = Date.now() - 60_000;
    const batch = Array.from({ length: 25 }, (_, i) => ({ id: `pg-${i}`, ts: base + i * 100, device: 'door-1', kind: 'access.door_held', data: { door: 'd1', seconds: i } }));
    await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: JSON.stringify(batch) });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/events?device=door-1&kind=access.*&limit=10${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await (await hub.api(url)).json()) as { events: Array<{ id: string; ts: string }>; next_cursor: string | null };
      seen.push(...page.events.map((e) => e.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `pg-${24 - i}`));
  });

  it('filters by site, zone, kind family and time', async () => {
    await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: JSON.stringify([ev({ id: 'site-campus', device: 'cam-9', data: { zone: 'quad', object: 'animal' } })]) });
    const campus = (await (await hub.api('/events?site=campus')).json()) as { events: Array<{ site: string; zone: string }> };
    expect(campus.events.length).toBeGreaterThan(0);
    expect(campus.events.every((e) => e.site === 'campus' && e.zone === 'quad')).toBe(true);
    const future = (await (await hub.api(`/events?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`)).json()) as { events: unknown[] };
    expect(future.events).toEqual([]);
  });

  it('answers bad query parameters with 400 naming the parameter', async () => {
    for (const [q, word] of [['kind=camera.nonsense', 'kind'], ['from=yesterday', 'from'], ['limit=0', 'limit'], ['cursor=%%%', 'cursor'], ['bogus=1', 'bogus']] as const) {
      const r = await hub.api(`/events?${q}`);
      expect(r.status, q).toBe(400);
      const body = (await r.json()) as { error: string; detail: string };
      expect(body.detail + body.error, q).toContain(word);
    }
  });

  it('counts events per bucket in a histogram', async () => {
    const r = await hub.api(`/events/histogram?device=door-1&kind=access.*&interval=1h&from=${Date.now() - 3 * 3_600_000}&to=${Date.now() + 60_000}`);
    expect(r.status).toBe(200);
    const h = (await r.json()) as { interval_ms: number; buckets: Array<{ t: string; count: number }> };
    expect(h.interval_ms).toBe(3_600_000);
    expect(h.buckets.reduce((s, b) => s + b.count, 0)).toBe(25);
  });
});

describe('device registry over HTTP', () => {
  it('reports status unknown before any event and online after one', async () => {
    await hub.api('/devices/env-1', { method: 'PUT', body: JSON.stringify({ type: 'env', site: 'harbour', heartbeat_s: 300 }) });
    expect(((await (await hub.api('/devices/env-1')).json()) as { status: string }).status).toBe('unknown');
    await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: JSON.stringify({ ts: now(), device: 'env-1', kind: 'device.heartbeat', data: {} }) });
    const d = (await (await hub.api('/devices/env-1')).json()) as { status: string; last_seen: string };
    expect(d.status).toBe('online');
    expect(Date.parse(d.last_seen)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('validates device bodies and deletes devices', async () => {
    const bad = await hub.api('/devices/x-1', { method: 'PUT', body: JSON.stringify({ type: 'toaster', site: 'harbour' }) });
    expect(bad.status).toBe(400);
    const bad2 = await hub.api('/devices/x-1', { method: 'PUT', body: JSON.stringify({ type: 'camera', site: 'harbour', lat: 123 }) });
    expect(bad2.status).toBe(400);
    expect((await hub.api('/devices/x-1', { method: 'PUT', body: JSON.stringify({ type: 'camera', site: 'harbour' }) })).status).toBe(201);
    expect((await hub.api('/devices/x-1', { method: 'PUT', body: JSON.stringify({ type: 'camera', site: 'harbour', name: 'renamed' }) })).status).toBe(200);
    expect((await hub.api('/devices/x-1', { method: 'DELETE' })).status).toBe(204);
    const { secret: auditor } = await hub.deps.auth.createToken('auditor-2', 'auditor', []);
    const trail = (await (await hub.api('/audit?target=x-1', { token: auditor })).json()) as { entries: Array<{ action: string }> };
    expect(trail.entries.map((e) => e.action)).toEqual(['device.delete', 'device.update', 'device.create']);
    expect((await hub.api('/devices/x-1')).status).toBe(404);
    expect((await hub.api('/devices/x-1', { method: 'PUT', token: hub.operatorToken, body: JSON.stringify({ type: 'camera', site: 'harbour' }) })).status).toBe(403);
  });

  it('issues a device secret once and stores it only hashed', async () => {
    const r = await hub.api('/devices/cam-1/credentials', { method: 'POST' });
    expect(r.status).toBe(201);
    const { secret } = (await r.json()) as { secret: string };
    expect(secret).toMatch(/^ppd_/);
    expect(await hub.deps.auth.verifyDeviceSecret('cam-1', secret)).toBe(true);
    const rec = await hub.deps.store.principals.getDeviceSecret('cam-1');
    expect(rec?.hash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(rec)).not.toContain(secret);
  });

  it('hides another site from a site-scoped token (404, empty search)', async () => {
    const { secret } = await hub.deps.auth.createToken('campus-op', 'operator', ['campus']);
    expect((await hub.api('/devices/cam-1', { token: secret })).status).toBe(404);
    expect((await hub.api('/devices/cam-9', { token: secret })).status).toBe(200);
    const list = (await (await hub.api('/devices', { token: secret })).json()) as { devices: Array<{ site: string }> };
    expect(list.devices.every((d) => d.site === 'campus')).toBe(true);
    const evs = (await (await hub.api('/events?site=harbour', { token: secret })).json()) as { events: unknown[] };
    expect(evs.events).toEqual([]);
  });
});
