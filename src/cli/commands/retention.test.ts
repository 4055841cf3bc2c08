import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/hub.js';
import { runCli } from '../../../test/helpers/cli.js';

const run = (...args: string[]) => runCli(args);

describe('parapet retention', () => {
  it('status says what expires when, per kind and key class', async () => {
    const dir = tempDir();
    const r = await run('retention', 'status', '--data-dir', dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^lpr\.read\s+72 h\s+\d{4}-/m);
    expect(r.out).toMatch(/^wifi\.sighting\s+5 min/m);
    expect(r.out).toMatch(/^investigations\s+365 d/m);
    expect(r.out).toMatch(/^plate\s+30 d\s+\d+ live/m);
    const json = await run('retention', 'status', '--json', '--data-dir', dir);
    expect(JSON.parse(json.out)).toMatchObject({ kinds: expect.any(Array) as unknown, keys: expect.any(Array) as unknown });
  });

  it('run purges and reports, in text and JSON', async () => {
    const dir = tempDir();
    const r = await run('retention', 'run', '--data-dir', dir);
    expect(r.code).toBe(0);
    expect(r.err).toContain('purging');
    expect(r.out).toContain('nothing past retention');
    expect(r.out).toMatch(/purge done at .*: 0 records deleted, 0 keys destroyed/);
    const json = await run('--data-dir', dir, 'retention', 'run', '--json');
    expect(JSON.parse(json.out)).toMatchObject({ total: 0, deleted: {}, keys_destroyed: [] });
  });
});
