import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/hub.js';
import { runCli } from '../../../test/helpers/cli.js';

const run = (...args: string[]) => runCli(args);

describe('parapet audit verify', () => {
  it('reports an intact chain with the signing key, in text and JSON', async () => {
    const dir = tempDir();
    const r = await run('audit', 'verify', '--data-dir', dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^entries: \d+, checkpoints: \d+, signed through entry \d+$/m);
    expect(r.out).toMatch(/^signing key [0-9a-f]{16} \(Ed25519 public key [A-Za-z0-9+/]{43}=\)$/m);
    expect(r.out).toMatch(/^ok: the chain is intact$/m);
    const json = await run('audit', 'verify', '--json', '--data-dir', dir);
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, problem: null });
  });
});
