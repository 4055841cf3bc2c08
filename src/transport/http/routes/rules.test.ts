import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../../test/helpers/hub.js';

interface RuleAnswer {
  id: string;
  enabled: boolean;
  source: string;
  overrides: string | null;
  priority: number;
}

const noise = { type: 'match', kinds: ['env.noise'], where: { 'data.laeq': { gt: 85 } }, severity: 'minor', priority: 80, title: 'Noise {{data.laeq}} dB at {{device_name}}', procedure: 'Check the source of the noise.' };

describe('rule routes', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
    await hub.deps.registry.put({ id: 'env-1', type: 'env', site: 'harbour', name: 'Quay sensor' });
  });
  afterAll(async () => hub.close());

  const put = (path: string, body: unknown, token = hub.adminToken) => hub.api(path, { method: 'PUT', body: JSON.stringify(body), token });

  it('lists the built-in pack for operators', async () => {
    const res = await hub.api('/rules', { token: hub.operatorToken });
    const body = (await res.json()) as { rules: RuleAnswer[]; active: number };
    expect(body.rules.find((r) => r.id === 'fire-alarm')).toMatchObject({ source: 'builtin', enabled: true, priority: 1 });
    expect(body.active).toBe(body.rules.length);
    expect(await (await hub.api('/rules/door-forced', { token: hub.operatorToken })).json()).toMatchObject({ id: 'door-forced', type: 'match' });
    expect((await hub.api('/rules/nope')).status).toBe(404);
  });

  it('creates a rule that takes effect at once, and refuses writes from operators', async () => {
    expect((await put('/rules/loud-noise', noise, hub.operatorToken)).status).toBe(403);
    const res = await put('/rules/loud-noise', noise);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id: 'loud-noise', source: 'api', updated_by: 'test-admin' });
    expect((await put('/rules/loud-noise', { ...noise, priority: 70 })).status).toBe(200);
    const ingest = await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: JSON.stringify({ device: 'env-1', ts: new Date().toISOString(), kind: 'env.noise', data: { laeq: 91 } }) });
    expect(ingest.status).toBe(202);
    await hub.deps.rules.settle();
    const alerts = (await (await hub.api('/alerts?rule=loud-noise')).json()) as { alerts: Array<{ title: string; priority: number }> };
    expect(alerts.alerts).toEqual([expect.objectContaining({ title: 'Noise 91 dB at Quay sensor', priority: 70 })]);
  });

  it('answers 400 invalid_rule naming every problem with its path', async () => {
    const res = await put('/rules/bad', { ...noise, kinds: ['env.noize'], window: 3, priority: 0 });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; detail: string };
    expect(body.error).toBe('invalid_rule');
    expect(body.detail).toContain('rule(bad): unknown field window');
    expect(body.detail).toContain('rule(bad).priority: must be >= 1');
    expect((await put('/rules/bad', { ...noise, id: 'other' })).status).toBe(400);
    expect((await hub.api('/rules/bad', { method: 'PUT', body: '{"type":', token: hub.adminToken })).status).toBe(400);
    expect((await hub.api('/rules/bad')).status).toBe(404);
  });

  it('overrides and disables a built-in rule, and PUT /rules replaces the API set', async () => {
    const off = await put('/rules/low-battery', { ...noise, kinds: ['device.battery'], where: {}, title: 'battery', enabled: false });
    expect(await off.json()).toMatchObject({ source: 'api', overrides: 'builtin', enabled: false });
    expect(hub.deps.rules.engine.activeRules()).not.toContain('low-battery');
    const replaced = await put('/rules', { rules: [{ ...noise, id: 'loud-noise-2' }] });
    expect(replaced.status).toBe(200);
    const ids = ((await replaced.json()) as { rules: RuleAnswer[] }).rules.filter((r) => r.source === 'api').map((r) => r.id);
    expect(ids).toEqual(['loud-noise-2']);
    expect(await (await hub.api('/rules/low-battery')).json()).toMatchObject({ source: 'builtin', enabled: true });
    expect((await put('/rules', [{ ...noise, id: 'x', severity: 'apocalyptic' }])).status).toBe(400);
    expect(hub.deps.rules.book.entry('loud-noise-2')?.source).toBe('api');
  });
});
