/** Test helper: runs the `parapet` command line in-process on a memory store, capturing its output. */
import { main } from '../../src/cli/main.js';
import type { CliContext } from '../../src/cli/context.js';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** `env` adds to (or overrides) the quiet memory-store defaults. */
export async function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  let out = '';
  let err = '';
  const ctx: CliContext = {
    env: { PARAPET_STORE_KIND: 'memory', PARAPET_LOG_LEVEL: 'silent', ...env },
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    onSignal: () => () => undefined,
  };
  const code = await main(['node', 'parapet', ...args], ctx);
  return { code, out, err };
}
