import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpSink, SimulationError } from './http-sink.js';
import type { SimEvent } from './sim-event.js';

/** A stand-in hub: the routes and roles of SPEC §3 that the simulator touches. */
function fakeHub(opts: { tooManyFirst?: number } = {}) {
  const tokens: Record<string, string> = { 'admin-t': 'admin', 'ingest-t': 'ingest' };
  const devices = new Map<string, unknown>();
  const lines: string[] = [];
  let tooMany = opts.tooManyFirst ?? 0;
  const body = async (req: IncomingMessage) => {
    let s = '';
    for await (const chunk of req) s += String(chunk);
    return s;
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(json));
      };
      const text = await body(req);
      if (req.url === '/healthz') return send(200, { status: 'ok' });
      const role = tokens[(req.headers.authorization ?? '').replace(/^Bearer /, '')];
      if (!role) return send(401, { error: 'unauthenticated', detail: 'no' });
      if (req.method === 'PUT' && req.url?.startsWith('/api/v1/devices/')) {
        if (role !== 'admin') return send(403, { error: 'forbidden', detail: 'admin only' });
        devices.set(decodeURIComponent(req.url.slice('/api/v1/devices/'.length)), JSON.parse(text));
        return send(200, {});
      }
      if (req.method === 'POST' && req.url === '/api/v1/events') {
        if (tooMany-- > 0) return send(429, { error: 'rate_limited', detail: 'slow' }, { 'retry-after': '1' });
        expect(req.headers['content-type']).toBe('application/x-ndjson');
        const items = text.split('\n').filter(Boolean);
        lines.push(...items);
        return send(202, { accepted: items.length - 1, duplicates: 0, rejected: [{ index: 0, error: 'unknown_device', detail: 'x' }] });
      }
      send(404, { error: 'not_found', detail: '' });
    })();
  });
  return { server, devices, lines };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const event = (n: number): SimEvent => ({ id: `cam-001-${n}`, ts: 1, device: 'cam-001', kind: 'camera.motion', data: {} });
const device = { id: 'cam-001', type: 'camera' as const, site: 'harbour' };

describe('http sink', () => {
  it('registers devices with PUT and sends events as NDJSON, reading the per-item answer', async () => {
    const hub = fakeHub();
    const sink = createHttpSink({ url: await listen(hub.server), token: 'admin-t' });
    await sink.checkReachable();
    await sink.register([device, { ...device, id: 'cam-002' }]);
    const r = await sink.send([event(1), event(2), event(3)]);
    await sink.close();
    expect([...hub.devices.keys()]).toEqual(['cam-001', 'cam-002']);
    expect(hub.lines.map((l) => (JSON.parse(l) as SimEvent).id)).toEqual(['cam-001-1', 'cam-001-2', 'cam-001-3']);
    expect(r).toEqual({ accepted: 2, duplicates: 0, rejected: [{ error: 'unknown_device' }] });
  });

  it('explains that an ingest token cannot register devices and how to pass an admin one', async () => {
    const hub = fakeHub();
    const sink = createHttpSink({ url: await listen(hub.server), token: 'ingest-t', registerHint: 'Pass --register-token.' });
    await expect(sink.register([device])).rejects.toThrow(/admin role.*Pass --register-token\./);
    await sink.close();
  });

  it('registers with --register-token while sending with the ingest token', async () => {
    const hub = fakeHub();
    const sink = createHttpSink({ url: await listen(hub.server), token: 'ingest-t', registerToken: 'admin-t' });
    await sink.register([device]);
    expect((await sink.send([event(1)])).accepted).toBe(0);
    await sink.close();
    expect(hub.devices.size).toBe(1);
  });

  it('waits out a 429 as Retry-After asks, then resends the same batch', async () => {
    const hub = fakeHub({ tooManyFirst: 2 });
    const waits: number[] = [];
    const sink = createHttpSink({ url: await listen(hub.server), token: 'admin-t', sleep: async (ms) => void waits.push(ms) });
    const r = await sink.send([event(1), event(2)]);
    await sink.close();
    expect(waits).toEqual([1000, 1000]);
    expect(r.accepted).toBe(1);
  });

  it('names the URL and suggests a fix when nothing listens there', async () => {
    const probe = createServer();
    const url = await listen(probe);
    await new Promise((r) => probe.close(r));
    servers.length = 0;
    const sink = createHttpSink({ url, token: 't', sleep: async () => {} });
    const err = await sink.checkReachable().catch((e: unknown) => e);
    await sink.close();
    expect(err).toBeInstanceOf(SimulationError);
    expect((err as Error).message).toContain(`cannot reach the hub at ${url}`);
    expect((err as Error).message).toContain('ECONNREFUSED');
  });

  it('refuses a bad token with a clear message', async () => {
    const hub = fakeHub();
    const sink = createHttpSink({ url: await listen(hub.server), token: 'nope' });
    await expect(sink.send([event(1)])).rejects.toThrow(/refused the token \(401/);
    await sink.close();
  });

  it('refuses a URL that is not http(s)', () => {
    expect(() => createHttpSink({ url: 'ftp://x', token: 't' })).toThrow(SimulationError);
    expect(() => createHttpSink({ url: 'not a url', token: 't' })).toThrow(/not a URL/);
  });
});
