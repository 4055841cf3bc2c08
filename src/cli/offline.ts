/**
 * Offline commands (SPEC §3: user, token, device, audit, retention, report, doctor) open the data
 * dir's services without listeners, do their work and close, whether or not a hub runs on it.
 */
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
