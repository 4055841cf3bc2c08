/**
 * `parapet retention status` / `parapet retention run` (SPEC §3, §4.7): what expires when, and a
 * purge now — on a data dir, whether or not a hub runs on it. The run is audited like the scheduled one.
 */
import type { Command } from 'commander';
import { line, type CliContext, type Output } from '../context.js';
import { withOffline } from '../offline.js';
import { purgeAudit, retentionPlan, runPurge, type PurgeReport, type RetentionPlan } from '../../privacy/retention.js';

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

export function printPlan(out: Output, plan: RetentionPlan): void {
  line(out, `retention as of ${iso(plan.at)}`);
  line(out);
  line(out, `${'kind'.padEnd(22)} ${'kept'.padEnd(8)} a purge now deletes events before`);
  for (const k of plan.kinds) line(out, `${k.kind.padEnd(22)} ${k.retention.padEnd(8)} ${iso(k.cutoff)}`);
  for (const x of plan.extra) line(out, `${x.name.padEnd(22)} ${x.retention.padEnd(8)} ${iso(x.cutoff)}`);
  line(out);
  line(out, 'pseudonym keys (destroyed this long after the end of their day; older pseudonyms can never be linked again)');
  for (const k of plan.keys) {
    const next = k.next_destruction ? `next destroyed ${iso(k.next_destruction.at)} (epoch ${k.next_destruction.epoch}${k.next_destruction.site ? `, site ${k.next_destruction.site}` : ''})` : 'none live';
    line(out, `${k.idClass.padEnd(11)} ${k.retention.padEnd(8)} ${String(k.live_keys).padStart(4)} live   ${next}`);
  }
}

export function printPurge(out: Output, r: PurgeReport): void {
  const kinds = Object.entries(r.deleted);
  if (kinds.length === 0) line(out, 'nothing past retention');
  for (const [kind, n] of kinds) line(out, `deleted ${n} ${kind}`);
  for (const k of r.keys_destroyed) line(out, `destroyed the ${k.idClass} key of ${k.epoch}${k.site ? ` (site ${k.site})` : ''}`);
  line(out, `purge done at ${iso(r.at)}: ${r.total} records deleted, ${r.keys_destroyed.length} keys destroyed`);
}

export function register(program: Command, ctx: CliContext): void {
  const retention = program.command('retention').description('retention and purge (works whether or not the hub runs)');
  retention
    .command('status')
    .description('what expires when: per event kind, per pseudonym key class')
    .option('--json', 'print the plan as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const plan = await withOffline(cmd, ctx, async (deps) =>
        retentionPlan(deps.config, deps.clock.now(), deps.keyring, [deps.investigations.purger()]),
      );
      if (opts.json) line(ctx.stdout, JSON.stringify(plan, null, 2));
      else printPlan(ctx.stdout, plan);
    });
  retention
    .command('run')
    .description('purge now: delete what is past retention and destroy expired keys')
    .option('--json', 'print the purge report as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      if (!opts.json) line(ctx.stderr, 'purging…');
      const report = await withOffline(cmd, ctx, (deps) =>
        runPurge({
          config: deps.config,
          clock: deps.clock,
          store: deps.store,
          keyring: deps.keyring,
          extra: [deps.investigations.purger()],
          onPurge: (r) => deps.audit.record(purgeAudit(r, 'cli')).then(() => undefined),
        }),
      );
      if (opts.json) line(ctx.stdout, JSON.stringify(report, null, 2));
      else printPurge(ctx.stdout, report);
    });
}
