import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../../test/helpers/hub.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ privacy: { retention: { lpr_minutes: 90 } } });
});
afterAll(async () => hub.close());

describe('GET /retention', () => {
  it('shows the configured retention per kind and the live key classes to admins and auditors', async () => {
    const r = await hub.api('/retention');
    expect(r.status).toBe(200);
    const plan = (await r.json()) as { kinds: Array<{ kind: string; retention_ms: number }>; keys: Array<{ idClass: string }> };
    expect(plan.kinds.find((k) => k.kind === 'lpr.read')?.retention_ms).toBe(90 * 60_000);
    expect(plan.keys.map((k) => k.idClass).sort()).toEqual(['credential', 'mac', 'plate']);
    const { secret } = await hub.deps.auth.createToken('aud', 'auditor', []);
    expect((await hub.api('/retention', { token: secret })).status).toBe(200);
  });

  it('is not for operators', async () => {
    expect((await hub.api('/retention', { token: hub.operatorToken })).status).toBe(403);
  });
});
