/**
 * `parapet demo` (SPEC §3, issue 2 §1 and §10): `start` plus a simulated harbour district streaming
 * at a gentle, natural pace, with an incident every minute, so a newcomer sees a live map at once.
 * Prints the URL and, on the first start of the data dir, the one-time admin password, boxed.
 */
import type { Command } from 'commander';
import { line, type CliContext, type Output } from '../context.js';
import { integer, port, positiveNumber } from '../args.js';
import { formatSummary } from '../progress.js';
import { runSession } from '../sim-session.js';
import { addListenOptions, listenOverrides, startFromCli, type ListenFlags } from '../serve.js';
import { inProcessSink } from '../in-process-sink.js';
import { createDistrict } from '../../sim/district.js';
import { createGenerator } from '../../sim/generator.js';

interface DemoOptions extends ListenFlags {
  devices: number;
  rate?: number;
  seed: number;
  incidentEvery: number;
  verbose?: boolean;
}

function box(out: Output, rows: string[]): void {
  const width = Math.max(...rows.map((r) => r.length)) + 4;
  line(out, '┌' + '─'.repeat(width) + '┐');
  for (const r of rows) line(out, '│  ' + r.padEnd(width - 4) + '  │');
  line(out, '└' + '─'.repeat(width) + '┘');
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program.command('demo').description('start the hub with a simulated district streaming into it');
  addListenOptions(cmd, port)
    .option('--devices <n>', 'devices in the simulated district', integer(1, 10_000), 40)
    .option('--rate <r>', 'events per second (default: the district’s natural pace, a few per second)', positiveNumber(100_000))
    .option('--seed <n>', 'seed of the district', integer(0, 2 ** 32 - 1), 1)
    .option('--incident-every <s>', 'seconds between staged incidents', positiveNumber(86_400), 60)
    .option('--verbose', 'show the hub’s info-level log lines')
    .action(async (opts: DemoOptions, command: Command) => {
      const quiet = !opts.verbose && ctx.env.PARAPET_LOG_LEVEL === undefined;
      const { hub } = await startFromCli(command, ctx, { ...listenOverrides(opts), ...(quiet ? { log: { level: 'warn' } } : {}) });
      try {
        const district = createDistrict({ devices: opts.devices, seed: opts.seed });
        const sink = inProcessSink(hub.deps);
        await sink.register(district.devices);
        const rows = ['Parapet demo: a simulated harbour district is live', '', `Open      ${hub.httpUrl}`];
        if (hub.firstAdmin) {
          rows.push(`User      ${hub.firstAdmin.name}`, `Password  ${hub.firstAdmin.password}`, '', 'The password is shown only this once: copy it now.');
        } else {
          rows.push('', 'This data dir has its admin already (the password was shown on its first start).');
          rows.push('Another account: parapet user add NAME --role operator --data-dir DIR');
        }
        if (hub.mqttUrl) rows.push('', `MQTT      ${hub.mqttUrl}`);
        rows.push('', `${district.devices.length} devices · incidents every ${opts.incidentEvery} s · Ctrl-C stops`);
        box(ctx.stdout, rows);
        const generator = createGenerator(district, {
          seed: opts.seed,
          ...(opts.rate !== undefined ? { rate: opts.rate } : {}),
          incidentEveryMs: opts.incidentEvery * 1000,
          firstIncidentAfterMs: 15_000,
          runId: Date.now().toString(36),
        });
        const { stats, error } = await runSession(ctx, { generator, sink, tickMs: 500 });
        for (const l of formatSummary(stats)) line(ctx.stderr, l);
        if (error) line(ctx.stderr, `simulator stopped: ${error.message}`);
      } finally {
        line(ctx.stderr, 'stopping the hub…');
        await hub.close();
      }
    });
}
