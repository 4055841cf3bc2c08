/** `parapet token create --name N --role R [--site S…]` (SPEC §3): a bearer token for machines, printed once. */
import type { Command } from 'commander';
import { line, type CliContext } from '../context.js';
import { cliActor, withOffline } from '../offline.js';
import { collect, role } from '../args.js';
import type { Role } from '../../store/store.js';

export function register(program: Command, ctx: CliContext): void {
  const token = program.command('token').description('manage API tokens on a data dir (works whether or not the hub runs)');
  token
    .command('create')
    .description('create a token; the secret is printed once, alone on the last line')
    .requiredOption('--name <name>', 'what the token is for, e.g. "gate-lpr-feed"')
    .requiredOption('--role <role>', 'ingest for devices and feeds; admin, operator, investigator or auditor', role)
    .option('--site <site>', 'limit the token to a site (repeatable; default: every site)', collect)
    .action(async (opts: { name: string; role: Role; site?: string[] }, cmd: Command) => {
      const sites = opts.site ?? [];
      const { token: record, secret } = await withOffline(cmd, ctx, async (deps) => {
        const made = await deps.auth.createToken(opts.name, opts.role, sites);
        const t = made.token;
        await deps.audit.record({ actor: cliActor(), action: 'tokens.create', target: t.id, outcome: 'success', detail: { name: t.name, role: t.role, sites }, sites });
        return made;
      });
      line(ctx.stdout, `created token ${opts.name} (id ${record.id}, role ${opts.role}, ${sites.length > 0 ? `sites ${sites.join(', ')}` : 'every site'})`);
      line(ctx.stdout, 'secret (shown only now; use it as "Authorization: Bearer <secret>"):');
      line(ctx.stdout, secret);
    });
}
