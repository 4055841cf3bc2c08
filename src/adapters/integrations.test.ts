import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../config/load.js';
import { startTestHub, type TestHub } from '../../test/helpers/hub.js';
import { startIntegrations } from './integrations.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => hub.close());

describe('startIntegrations', () => {
  it('starts nothing unless configured', async () => {
    expect(hub.integrations).toMatchObject({ frigate: null, sia: null });
  });

  it('refuses to expose the unauthenticated DC-09 receiver off loopback (SPEC §5.5)', async () => {
    const config = testConfig({ integrations: { sia: { enabled: true, host: '0.0.0.0', port: 0 } } });
    await expect(startIntegrations({ ...hub.deps, config })).rejects.toMatchObject({ code: 'invalid_config' });
  });

  it('refuses a Frigate bridge without credentials before connecting anywhere', async () => {
    const config = testConfig({ integrations: { frigate: { enabled: true, url: 'mqtt://127.0.0.1:1' } } });
    await expect(startIntegrations({ ...hub.deps, config })).rejects.toMatchObject({ code: 'invalid_config' });
  });
});
