import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/hub.js';
import { runCli } from '../../../test/helpers/cli.js';

const run = (env: Record<string, string>, ...args: string[]) => runCli(args, env);

describe('parapet doctor', () => {
  it('prints one line per check and exits 0 on a safe setup', async () => {
    const r = await run({}, 'doctor', '--data-dir', tempDir());
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok {3}listener\.http: HTTP on loopback/m);
    expect(r.out).toMatch(/^ok {3}retention: on/m);
    expect(r.out).toMatch(/all \d+ checks passed/);
  });

  it('names each failure with its fix and exits 1', async () => {
    const dir = tempDir();
    const file = join(dir, 'parapet.yaml');
    writeFileSync(file, 'http:\n  host: 0.0.0.0\n  tls:\n    mode: "off"\nstore:\n  postgres_url: postgres://parapet:hunter2@127.0.0.1:5432/parapet\n');
    chmodSync(file, 0o644);
    const r = await run({}, 'doctor', '--no-probe', '--config', file, '--data-dir', dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL listener\.http: HTTP listens on 0\.0\.0\.0:\d+ without TLS — fix: /m);
    expect(r.out).toMatch(/^FAIL config\.secrets: .*line 6: a URL with a password/m);
    expect(r.out).not.toContain('hunter2');
    expect(r.err).toMatch(/leak guard: \d+ failure\(s\) \(the hub refuses to start\)/);
  });

  it('probes a configured database anonymously', async () => {
    const r = await run({ PARAPET_STORE_POSTGRES_URL: 'postgres://postgres:pw@127.0.0.1:5432/postgres' }, 'doctor', '--data-dir', tempDir());
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL store\.postgres\.probe: PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/postgres accepts anonymous or passwordless connections/m);
  });
});
