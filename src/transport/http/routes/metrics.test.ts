import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../../test/helpers/hub.js';

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({ store: { kind: 'sqlite' } });
  expect((await hub.api('/devices/cam-m', { method: 'PUT', body: JSON.stringify({ type: 'camera', site: 'harbour', name: 'cam-m' }) })).status).toBe(201);
});
afterAll(async () => hub.close());

const busy = async (): Promise<Map<string, number>> => {
  const r = await hub.api('/metrics');
  expect(r.status).toBe(200);
  const text = await r.text();
  expect(text).toContain('# TYPE parapet_thread_busy_seconds_total counter');
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^parapet_thread_busy_seconds_total\{thread="([a-z]+)"\} ([0-9.]+)$/gm)) out.set(m[1] as string, Number(m[2]));
  return out;
};

describe('GET /metrics: how busy each hub thread is', () => {
  it('reports the main thread and the SQLite store threads, and the writer gets busier with ingest', async () => {
    const before = await busy();
    expect([...before.keys()].sort()).toEqual(['checkpoint', 'main', 'reader', 'writer']);
    const now = Date.now();
    const body = Array.from({ length: 2_000 }, (_, i) => JSON.stringify({ id: `m-${i}`, ts: new Date(now - i).toISOString(), device: 'cam-m', kind: 'camera.motion', data: { zone: 'gate' } })).join('\n');
    const r = await hub.api('/events', { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' }, token: hub.ingestToken });
    expect(await r.json()).toMatchObject({ accepted: 2_000 });
    const after = await busy();
    expect(after.get('writer')).toBeGreaterThan(before.get('writer') as number);
    expect(after.get('main')).toBeGreaterThan(before.get('main') as number);
  });

  it('is for admins only', async () => {
    expect((await hub.api('/metrics', { token: hub.operatorToken })).status).toBe(403);
    expect((await hub.api('/metrics', { token: null })).status).toBe(401);
  });
});
