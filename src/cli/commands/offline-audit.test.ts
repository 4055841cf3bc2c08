/**
 * Admin changes made with offline commands are audited like the same changes made through the API
 * (SPEC §5.7), with the operating-system user who ran the command as the actor.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/hub.js';
import { runCli } from '../../../test/helpers/cli.js';
import { openOffline } from '../../hub.js';
import { testConfig } from '../../config/load.js';
import { createLogger } from '../../core/log.js';

describe('offline admin commands write the audit log', () => {
  it('records user add, token create, device import and device credentials with the CLI user as actor', async () => {
    const dir = tempDir();
    const env = { PARAPET_STORE_KIND: 'sqlite' };
    const file = join(dir, 'devices.json');
    writeFileSync(file, JSON.stringify([{ id: 'cam-1', type: 'camera', site: 'harbour' }]));
    for (const args of [
      ['user', 'add', 'olga', '--role', 'operator', '--site', 'harbour'],
      ['token', 'create', '--name', 'feed', '--role', 'ingest'],
      ['device', 'import', file],
      ['device', 'credentials', 'cam-1'],
    ]) {
      const r = await runCli([...args, '--data-dir', dir], env);
      expect(r.code, r.err).toBe(0);
    }
    writeFileSync(file, JSON.stringify([{ id: 'cam-1', type: 'camera', site: 'campus' }]));
    expect((await runCli(['device', 'import', file, '--data-dir', dir], env)).code).toBe(0);

    const hub = await openOffline({ config: testConfig({ data_dir: dir, store: { kind: 'sqlite' } }), env: {}, logger: createLogger('silent') });
    try {
      const entries = (await hub.deps.audit.list({ limit: 100 })).filter((e) => e.actor.startsWith('cli:'));
      expect(entries.map((e) => [e.action, e.target, e.sites])).toEqual(
        expect.arrayContaining([
          ['users.create', 'olga', ['harbour']],
          ['tokens.create', expect.any(String), []],
          ['device.create', 'cam-1', ['harbour']],
          ['device.credentials', 'cam-1', ['harbour']],
          ['device.update', 'cam-1', ['campus', 'harbour']],
        ]),
      );
      expect(entries).toHaveLength(5);
      expect(new Set(entries.map((e) => e.actor))).toEqual(new Set([`cli:${userInfo().username}`]));
      expect((await hub.deps.audit.verify()).ok).toBe(true);
      // No secret in the log: the token's and the device's are printed once, never recorded.
      expect(JSON.stringify(entries)).not.toMatch(/secret|password/i);
    } finally {
      await hub.close();
    }
  });
});
