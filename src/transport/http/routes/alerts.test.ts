import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, tempDir, type TestHub } from '../../../../test/helpers/hub.js';
import type { AlertView } from '../../../rules/alert-view.js';

interface ListAnswer {
  alerts: AlertView[];
  next_cursor: string | null;
}

describe('alert routes', () => {
  let hub: TestHub;
  let campusOperator: string;
  const ingest = async (events: unknown[]): Promise<void> => {
    const res = await hub.api('/events', { method: 'POST', body: JSON.stringify(events), token: hub.ingestToken });
    expect(res.status).toBe(202);
    await hub.deps.rules.settle();
  };
  const now = (): string => new Date().toISOString();
  const byRule = async (rule: string, token?: string): Promise<AlertView[]> => ((await (await hub.api(`/alerts?rule=${rule}`, token ? { token } : {})).json()) as ListAnswer).alerts;

  beforeAll(async () => {
    hub = await startTestHub();
    await hub.deps.registry.put({ id: 'acc-1', type: 'access', site: 'harbour', zone: 'lobby', name: 'Lobby door' });
    await hub.deps.registry.put({ id: 'cam-9', type: 'camera', site: 'campus', zone: 'plaza' });
    campusOperator = (await hub.deps.auth.createToken('campus-op', 'operator', ['campus'])).secret;
    await ingest([
      { device: 'acc-1', ts: now(), kind: 'access.door_forced', data: { door: 'D1' } },
      { device: 'acc-1', ts: now(), kind: 'access.door_forced', data: { door: 'D1' } },
      { device: 'cam-9', ts: now(), kind: 'camera.tamper', data: { reason: 'covered' } },
    ]);
  });
  afterAll(async () => hub.close());

  it('lists alerts with filters, and an operator limited to a site sees only that site', async () => {
    const [door] = await byRule('door-forced', hub.operatorToken);
    expect(door).toMatchObject({ state: 'open', occurrences: 2, site: 'harbour', device: 'acc-1', title: 'Door D1 forced open (Lobby door)', severity: 'major' });
    expect(door?.first_seen).toMatch(/^\d{4}-\d\d-\d\dT/);
    const all = (await (await hub.api('/alerts?state=open&severity=major')).json()) as ListAnswer;
    expect(all.alerts.map((a) => a.rule).sort()).toEqual(['camera-tamper', 'door-forced']);
    const scoped = (await (await hub.api('/alerts', { token: campusOperator })).json()) as ListAnswer;
    expect(scoped.alerts.map((a) => a.rule)).toEqual(['camera-tamper']);
    const other = await hub.api(`/alerts/${door?.id ?? ''}`, { token: campusOperator });
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ error: 'not_found' });
  });

  it('pages with a cursor and refuses a bad one or a bad filter', async () => {
    const first = (await (await hub.api('/alerts?limit=1')).json()) as ListAnswer;
    expect(first.alerts).toHaveLength(1);
    expect(first.next_cursor).not.toBeNull();
    const second = (await (await hub.api(`/alerts?limit=1&cursor=${first.next_cursor ?? ''}`)).json()) as ListAnswer;
    expect(second.alerts[0]?.id).not.toBe(first.alerts[0]?.id);
    expect((await hub.api('/alerts?cursor=zzz')).status).toBe(400);
    const bad = await hub.api('/alerts?state=burning');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_query' });
  });

  it('runs the lifecycle: ack, assign, comment, snooze; a forced door cannot be resolved while open', async () => {
    const [door] = await byRule('door-forced');
    const id = door?.id ?? '';
    const post = (path: string, body: unknown, token = hub.operatorToken) => hub.api(`/alerts/${id}/${path}`, { method: 'POST', body: JSON.stringify(body), token });
    const ack = await hub.api(`/alerts/${id}/ack`, { method: 'POST', token: hub.operatorToken });
    expect(ack.status).toBe(200);
    expect(await ack.json()).toMatchObject({ state: 'acknowledged', acknowledged_by: 'test-operator' });
    expect((await post('ack', {})).status).toBe(409);
    expect(await (await post('assign', { assignee: 'guard-7' })).json()).toMatchObject({ assignee: 'guard-7' });
    const c = await post('comments', { text: 'guard on the way' });
    expect(c.status).toBe(201);
    expect(((await c.json()) as AlertView).comments).toEqual([expect.objectContaining({ by: 'test-operator', text: 'guard on the way' })]);
    const snoozed = (await (await post('snooze', { minutes: 10 })).json()) as AlertView;
    expect(typeof snoozed.snoozed_until).toBe('string');
    const refused = await post('resolve', { reason: 'checked' });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/still active/);
    expect((await post('resolve', {})).status).toBe(400);
    expect((await post('snooze', { minutes: 5, until: now() })).status).toBe(400);
    expect((await post('assign', { assignee: 'x', extra: 1 })).status).toBe(400);
    expect((await hub.api('/alerts/nope/ack', { method: 'POST', token: hub.operatorToken })).status).toBe(404);
    expect((await post('comments', { text: 'x' }, hub.ingestToken)).status).toBe(403);

    await ingest([{ device: 'acc-1', ts: now(), kind: 'access.door_secured', data: { door: 'D1' } }]);
    const done = (await (await hub.api(`/alerts/${id}`)).json()) as AlertView;
    expect(done).toMatchObject({ state: 'resolved', resolved_by: 'system', condition: 'cleared' });
    expect(done.history.map((h) => h.action)).toEqual(['opened', 'acknowledged', 'assigned', 'commented', 'snoozed', 'cleared', 'auto_resolved']);
  });

  it('resolves with a reason over HTTP', async () => {
    const [tamper] = await byRule('camera-tamper');
    const res = await hub.api(`/alerts/${tamper?.id ?? ''}/resolve`, { method: 'POST', body: JSON.stringify({ reason: 'camera re-aimed' }), token: hub.operatorToken });
    expect(await res.json()).toMatchObject({ state: 'resolved', resolution: 'camera re-aimed', resolved_by: 'test-operator' });
  });

  it('streams alert changes over SSE, authenticated, and resumes from Last-Event-ID', async () => {
    expect((await hub.api('/alerts/stream', { token: null })).status).toBe(401);
    const url = new URL(`${hub.httpUrl}/api/v1/alerts/stream`);
    const open = (lastEventId: number | null) =>
      new Promise<{ lines: string[]; close: () => void; until: (n: number) => Promise<number[]>; headers: Record<string, unknown> }>((resolve, reject) => {
        const headers: Record<string, string> = { authorization: `Bearer ${hub.operatorToken}` };
        if (lastEventId !== null) headers['last-event-id'] = String(lastEventId);
        const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers }, (res) => {
          const ids: number[] = [];
          const waiters: Array<() => void> = [];
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            buf += c;
            for (const m of buf.matchAll(/^id: (\d+)$/gm)) if (!ids.includes(Number(m[1]))) ids.push(Number(m[1]));
            for (const w of waiters.splice(0)) w();
          });
          resolve({
            lines: [],
            headers: res.headers,
            close: () => res.destroy(),
            until: async (n) => {
              while (ids.length < n) await new Promise<void>((r) => waiters.push(r));
              return ids;
            },
          });
        });
        req.on('error', reject);
        req.end();
      });
    const live = await open(null);
    expect(String(live.headers['content-type'])).toMatch(/text\/event-stream/);
    expect(live.headers['cache-control']).toBe('no-store');
    const start = hub.deps.rules.alerts.lastChange;
    await ingest([{ device: 'acc-1', ts: now(), kind: 'access.door_held', data: { door: 'D4', seconds: 90 } }]);
    const got = await live.until(1);
    expect(got).toEqual([start + 1]);
    live.close();
    await ingest([{ device: 'acc-1', ts: now(), kind: 'access.door_held', data: { door: 'D4', seconds: 95 } }]);
    const resumed = await open(start);
    expect(await resumed.until(2)).toEqual([start + 1, start + 2]);
    resumed.close();
  });

  it('shows webhook health and deliveries', async () => {
    const res = await hub.api('/alerts/webhooks', { token: hub.operatorToken });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ webhooks: [], deliveries: [] });
  });
});

describe('alert stream at shutdown', () => {
  it('ends open streams when the hub closes', async () => {
    const hub = await startTestHub();
    const url = new URL(`${hub.httpUrl}/api/v1/alerts/stream`);
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      request({ host: url.hostname, port: url.port, path: url.pathname, headers: { authorization: `Bearer ${hub.operatorToken}` } }, resolve).on('error', reject).end();
    });
    res.resume();
    res.on('error', () => undefined); // the server ends the stream mid-response: 'aborted' is expected
    const ended = new Promise<void>((r) => res.on('close', () => r()));
    await hub.close();
    await ended;
    expect(res.complete).toBe(false);
  });
});

describe('alerts on the SQLite store', () => {
  it('keeps open alerts and their dedup across a hub restart on the same data dir', async () => {
    const dir = tempDir();
    const overrides = { data_dir: dir, store: { kind: 'sqlite' as const } };
    const forced = { device: 'acc-1', kind: 'access.door_forced', data: { door: 'D7' } };
    let hub = await startTestHub(overrides);
    try {
      await hub.deps.registry.put({ id: 'acc-1', type: 'access', site: 'harbour' });
      const post = async (h: TestHub) => {
        const res = await h.api('/events', { method: 'POST', token: h.ingestToken, body: JSON.stringify({ ...forced, ts: new Date().toISOString() }) });
        expect(res.status).toBe(202);
        await h.deps.rules.settle();
      };
      await post(hub);
      await hub.close();
      // The leak guard checks file modes at this second start: the store created them owner-only.
      hub = await startTestHub(overrides);
      await post(hub);
      const list = (await (await hub.api('/alerts?rule=door-forced')).json()) as ListAnswer;
      expect(list.alerts).toEqual([expect.objectContaining({ occurrences: 2, state: 'open' })]);
    } finally {
      await hub.close();
    }
  });
});
