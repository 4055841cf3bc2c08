/**
 * `parapet doctor` (SPEC §3, §5.8): the leak guard's checks, one line each, without starting the
 * hub; exits 1 when any check fails. `--no-probe` skips the network probes of external services.
 */
import type { Command } from 'commander';
import { runGuard } from '../../guard/guard.js';
import { failures, formatCheck } from '../../guard/check.js';
import { CliError, globalOptions, line, loadCliConfig, type CliContext } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description("run the leak guard's checks (public listeners without TLS, exposed keys, open databases or brokers, retention, secrets in config)")
    .option('--no-probe', 'do not probe external database, bus or broker over the network')
    .action(async (opts: { probe: boolean }, cmd: Command) => {
      const config = loadCliConfig(cmd, ctx);
      const { config: configFile } = globalOptions(cmd);
      const results = await runGuard({ config, probe: opts.probe && config.guard.probe_external, ...(configFile !== undefined ? { configFile } : {}) });
      for (const r of results) line(ctx.stdout, formatCheck(r));
      const bad = failures(results);
      if (bad.length > 0) {
        const override = config.guard.allow_unsafe ? ' (guard.allow_unsafe is set: the hub would start anyway, loudly)' : ' (the hub refuses to start)';
        throw new CliError(`leak guard: ${bad.length} failure(s)${override}`, 1);
      }
      line(ctx.stdout, `all ${results.length} checks passed`);
    });
}
