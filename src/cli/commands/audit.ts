/**
 * `parapet audit verify` (SPEC §3, §5.7): walks the audit hash chain and its signed checkpoints on a
 * data dir (whether or not a hub runs on it) and names the first edited, deleted or reordered entry.
 * Exit 0 when intact, 1 when broken. `--json` prints the full report.
 */
import type { Command } from 'commander';
import { openOffline } from '../../hub.js';
import { CliError, line, loadCliConfig, stderrLogger, type CliContext } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description('walk the hash chain and signed checkpoints; report the first broken link')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const config = loadCliConfig(cmd, ctx);
      const hub = await openOffline({ config, env: ctx.env, logger: stderrLogger('warn') });
      try {
        const report = await hub.deps.audit.verify();
        if (opts.json) line(ctx.stdout, JSON.stringify(report, null, 2));
        else {
          line(ctx.stdout, `entries: ${report.entries}, checkpoints: ${report.checkpoints}, signed through entry ${report.signed_through}`);
          line(ctx.stdout, `signing key ${report.key_id} (Ed25519 public key ${report.public_key})`);
          line(ctx.stdout, report.problem ? `BROKEN at entry ${report.problem.seq} (${report.problem.kind}): ${report.problem.message}` : 'ok: the chain is intact');
        }
        if (report.problem) throw new CliError(`audit log broken at entry ${report.problem.seq}: ${report.problem.kind}`, 1);
      } finally {
        await hub.close();
      }
    });
}
