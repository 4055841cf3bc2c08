/**
 * A full store (config `store.sqlite_max_mb`, SQLite's max_page_count; a full disk gives SQLite the
 * same SQLITE_FULL): ingest answers 503 `unavailable` saying the store is full, with Retry-After,
 * never 500; nothing acknowledged before is lost; reads and the rest of the hub go on; and once
 * there is room again (here: the cap raised at a restart) ingest resumes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { startTestHub, tempDir, type TestHub } from '../helpers/hub.js';

interface Answer {
  accepted?: number;
  error?: string;
  detail?: string;
}

const dataDir = tempDir('parapet-full-');

describe('a full store (SPEC §3: a clear error, never 500; nothing accepted is lost)', () => {
  let hub: TestHub | null = null;
  afterAll(async () => {
    await hub?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const batch = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      id: `m-${from + i}`,
      ts: new Date(Date.now() - (from + i)).toISOString(),
      device: 'meter-1',
      kind: 'telemetry.reading',
      data: { metric: `power_kw_${(from + i) % 997}_${'x'.repeat(40)}`, value: from + i, unit: 'kW' },
    }));

  const post = async (h: TestHub, body: unknown): Promise<{ status: number; retryAfter: string | null; body: Answer }> => {
    const res = await fetch(`${h.httpUrl}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${h.ingestToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Answer };
  };

  const stored = async (h: TestHub): Promise<number> => {
    const r = (await (await h.api('/events/histogram?device=meter-1&kind=telemetry.reading&from=2000-01-01T00:00:00Z&interval=1d', { token: h.operatorToken })).json()) as { buckets: Array<{ count: number }> };
    return r.buckets.reduce((a, b) => a + b.count, 0);
  };

  it('answers 503 "store is full" once the cap is reached, keeping every event it acknowledged before', async () => {
    hub = await startTestHub({ data_dir: dataDir, store: { kind: 'sqlite', sqlite_max_mb: 3 } });
    const put = await hub.api('/devices/meter-1', { method: 'PUT', body: JSON.stringify({ type: 'meter', site: 'harbour', name: 'meter-1', heartbeat_s: 0 }) });
    expect(put.status).toBe(201);
    let acknowledged = 0;
    let full: Awaited<ReturnType<typeof post>> | null = null;
    let refused = 0;
    for (let sent = 0; sent < 200_000 && !full; sent += 1000) {
      const r = await post(hub, batch(sent, 1000));
      if (r.status === 202) acknowledged += r.body.accepted ?? 0;
      else [full, refused] = [r, sent];
    }
    expect(full, 'the cap was never reached').not.toBeNull();
    expect(full?.status).toBe(503);
    expect(full?.body.error).toBe('unavailable');
    expect(full?.body.detail).toMatch(/store is full; nothing of this request was stored/);
    expect(full?.retryAfter).toBe('5');
    expect(acknowledged).toBeGreaterThan(0);
    // Every acknowledged event is there; the refused batch left nothing behind.
    expect(await stored(hub)).toBe(acknowledged);
    // Operators see it on /metrics.
    const metrics = await (await hub.api('/metrics', { token: hub.adminToken })).text();
    expect(metrics).toMatch(/^parapet_events_store_failed_total 1000$/m);
    expect(metrics).toMatch(/^parapet_store_max_bytes 3145728$/m);
    const fileBytes = Number(/^parapet_store_file_bytes (\d+)$/m.exec(metrics)?.[1]);
    expect(fileBytes).toBeGreaterThan(3_000_000);
    expect(fileBytes).toBeLessThanOrEqual(3145728);
    expect(metrics).toMatch(/^parapet_store_free_bytes \d+$/m);
    // The control room sees it (GET /status, the Device health screen).
    const status = (await (await hub.api('/status', { token: hub.operatorToken })).json()) as { problems: Array<{ code: string; detail: string }>; ingest: { store_failed: number } };
    expect(status.problems.map((p) => p.code)).toEqual(['store_full']);
    expect(status.ingest.store_failed).toBe(1000);
    // The rest of the hub goes on.
    expect((await fetch(`${hub.httpUrl}/healthz`)).status).toBe(200);
    expect((await hub.api('/devices', { token: hub.operatorToken })).status).toBe(200);
    // The same request again: refused again, the same way (what is left is too small for it).
    expect((await post(hub, batch(refused, 1000))).status).toBe(503);
    expect(await stored(hub)).toBe(acknowledged);

    await hub.close();
    hub = await startTestHub({ data_dir: dataDir, store: { kind: 'sqlite', sqlite_max_mb: 64 } });
    expect(await stored(hub)).toBe(acknowledged);
    const again = await post(hub, batch(900_000, 10));
    expect(again.status).toBe(202);
    expect(again.body.accepted).toBe(10);
    expect(await stored(hub)).toBe(acknowledged + 10);
    expect(await (await hub.api('/metrics', { token: hub.adminToken })).text()).toMatch(/^parapet_store_max_bytes 67108864$/m);
    expect(((await (await hub.api('/status', { token: hub.operatorToken })).json()) as { problems: unknown[] }).problems).toEqual([]);
  }, 120_000);
});
