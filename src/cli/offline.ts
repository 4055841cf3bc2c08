/**
 * Offline commands (SPEC §3: user, token, device, audit, retention, report, doctor) open the data
 * dir's services without listeners, do their work and close, whether or not a hub runs on it.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { HubDeps } from '../hub.js';
import { loadCliConfig, stderrLogger, type CliContext } from './context.js';

export async function withOffline<T>(cmd: Command, ctx: CliContext, work: (deps: HubDeps) => Promise<T>): Promise<T> {
  const config = loadCliConfig(cmd, ctx);
  // Loaded on use: `--help` and `simulate` need none of the server stack.
  const { openOffline } = await import('../hub.js');
  const hub = await openOffline({ config, env: { ...ctx.env }, logger: stderrLogger(config.log.level) });
  try {
    return await work(hub.deps);
  } finally {
    await hub.close();
  }
}

/**
 * Who an offline command acts as in the audit log (SPEC §5.7: admin changes are audited whichever
 * way they are made): `cli:<operating-system user>` — whoever can run it holds the data dir.
 */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username || 'unknown'}`;
  } catch {
    return 'cli:unknown';
  }
}
