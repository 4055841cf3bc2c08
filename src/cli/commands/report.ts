/**
 * `parapet report transparency --from A --to B --out F` and `parapet report ropa --out F` (SPEC §3,
 * §4.8): the public transparency report and the GDPR Art. 30 record, each as readable HTML (inline
 * SVG charts, no external asset) and JSON beside it. Generating a report is audited.
 */
import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { DAY } from '../../core/clock.js';
import { parseTimestamp } from '../../ingest/timestamp.js';
import { ParapetError } from '../../core/errors.js';
import { line, CliError, EXIT_USAGE, type CliContext } from '../context.js';
import { withOffline } from '../offline.js';
import { buildTransparencyReport } from '../../privacy/report.js';
import { renderTransparencyHtml } from '../../privacy/report-html.js';
import { buildRopa, renderRopaHtml } from '../../privacy/ropa.js';

/** RFC 3339, a bare date (midnight UTC) or epoch milliseconds. */
export function reportTime(value: string): number {
  const v = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  try {
    return parseTimestamp(/^\d+$/.test(v) ? Number(v) : v);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof ParapetError ? err.detail.replace(/^ts\b/, 'the time') : 'unreadable time');
  }
}

/** `F.html` + `F.json` from `F`, `F.html` or `F.json`. */
export function reportPaths(out: string): { html: string; json: string } {
  const base = out.replace(/\.(html?|json)$/i, '');
  return { html: `${base}.html`, json: `${base}.json` };
}

function write(path: string, text: string): void {
  // Reports hold counts only, but they are not for the whole machine either: 0640.
  writeFileSync(path, text, { mode: 0o640 });
}

export function register(program: Command, ctx: CliContext): void {
  const report = program.command('report').description('transparency report and record of processing (works whether or not the hub runs)');
  report
    .command('transparency')
    .description('the public transparency report for a period, as HTML and JSON')
    .option('--from <time>', 'start of the period (RFC 3339, YYYY-MM-DD or epoch ms; default 30 days before --to)', reportTime)
    .option('--to <time>', 'end of the period, exclusive (default now)', reportTime)
    .requiredOption('--out <file>', 'where to write: F.html and F.json')
    .action(async (opts: { from?: number; to?: number; out: string }, cmd: Command) => {
      const paths = reportPaths(opts.out);
      const r = await withOffline(cmd, ctx, async (deps) => {
        const now = deps.clock.now();
        const to = opts.to ?? now;
        const from = opts.from ?? to - 30 * DAY;
        if (from >= to) throw new CliError('--from must be before --to', EXIT_USAGE);
        line(ctx.stderr, `building the transparency report for ${new Date(from).toISOString()} … ${new Date(to).toISOString()}`);
        const built = await buildTransparencyReport(
          { config: deps.config, devices: deps.store.devices, events: deps.store.events, kv: deps.store.kv, investigations: deps.investigations, audit: { query: (q) => deps.audit.list(q) } },
          from,
          to,
          now,
        );
        write(paths.json, JSON.stringify(built, null, 2) + '\n');
        write(paths.html, renderTransparencyHtml(built));
        await deps.audit.record({ actor: 'cli', action: 'report.transparency', target: paths.html, outcome: 'success', detail: { from: built.period.from, to: built.period.to } });
        return built;
      });
      line(ctx.stdout, `wrote ${paths.html} and ${paths.json} (${r.sensors.total} sensors, ${Object.values(r.events.stored).reduce((a, b) => a + b, 0)} events stored)`);
    });
  report
    .command('ropa')
    .description('the GDPR Art. 30 record of processing activities, from the configuration')
    .requiredOption('--out <file>', 'where to write: F.html and F.json')
    .option('--controller <name>', 'the controller (organisation) name')
    .option('--contact <text>', "the controller's contact details")
    .option('--dpo <text>', 'the data protection officer')
    .action(async (opts: { out: string; controller?: string; contact?: string; dpo?: string }, cmd: Command) => {
      const paths = reportPaths(opts.out);
      await withOffline(cmd, ctx, async (deps) => {
        const ropa = buildRopa(deps.config, deps.clock.now(), {
          ...(opts.controller !== undefined ? { controller: opts.controller } : {}),
          ...(opts.contact !== undefined ? { contact: opts.contact } : {}),
          ...(opts.dpo !== undefined ? { dpo: opts.dpo } : {}),
        });
        write(paths.json, JSON.stringify(ropa, null, 2) + '\n');
        write(paths.html, renderRopaHtml(ropa));
        await deps.audit.record({ actor: 'cli', action: 'report.ropa', target: paths.html, outcome: 'success', detail: null });
      });
      line(ctx.stdout, `wrote ${paths.html} and ${paths.json}`);
    });
}
