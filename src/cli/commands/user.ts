/** `parapet user add NAME --role R [--site S…]` (SPEC §3): a password printed once, stored hashed. */
import type { Command } from 'commander';
import { line, type CliContext } from '../context.js';
import { cliActor, withOffline } from '../offline.js';
import { collect, role } from '../args.js';
import type { Role } from '../../store/store.js';

export function register(program: Command, ctx: CliContext): void {
  const user = program.command('user').description('manage user accounts on a data dir (works whether or not the hub runs)');
  user
    .command('add')
    .description('create a user; the password is printed once, alone on the last line')
    .argument('<name>', 'login name')
    .requiredOption('--role <role>', 'admin, operator, investigator, auditor or ingest', role)
    .option('--site <site>', 'limit the user to a site (repeatable; default: every site)', collect)
    .action(async (name: string, opts: { role: Role; site?: string[] }, cmd: Command) => {
      const sites = opts.site ?? [];
      const { password } = await withOffline(cmd, ctx, async (deps) => {
        const made = await deps.auth.createUser(name, opts.role, sites);
        await deps.audit.record({ actor: cliActor(), action: 'users.create', target: name, outcome: 'success', detail: { role: opts.role, sites }, sites });
        return made;
      });
      line(ctx.stdout, `created user ${name} (role ${opts.role}, ${sites.length > 0 ? `sites ${sites.join(', ')}` : 'every site'})`);
      if (opts.role === 'admin' || opts.role === 'investigator') {
        line(ctx.stdout, `${opts.role} accounts enrol a second factor (TOTP) at their first login (SPEC §5.4)`);
      }
      line(ctx.stdout, 'password (shown only now; Parapet keeps just its hash):');
      line(ctx.stdout, password);
    });
}
