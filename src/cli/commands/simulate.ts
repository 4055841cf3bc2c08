/**
 * `parapet simulate --url U --token T [--devices N] [--rate R] [--duration S]` (SPEC §3): the
 * district simulator against any running hub, also the load generator. Devices are registered
 * with PUT /api/v1/devices/:id, which needs the admin role: an ingest token can send events but
 * not register devices, so pass `--register-token` (admin) alongside an ingest `--token`, or use
 * an admin token for both, or `--no-register` when the district is already registered.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError, EXIT_USAGE, line, type CliContext } from '../context.js';
import { integer, positiveNumber } from '../args.js';
import { formatSummary } from '../progress.js';
import { runSession } from '../sim-session.js';
import { createDistrict } from '../../sim/district.js';
import { createGenerator } from '../../sim/generator.js';
import { createHttpSink } from '../../sim/http-sink.js';

interface SimulateOptions {
  url: string;
  token?: string;
  registerToken?: string;
  register: boolean;
  devices: number;
  rate: number;
  duration?: number;
  seed: number;
  site: string;
  batch: number;
  concurrency: number;
  incidentEvery: number;
  ca?: string;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('simulate')
    .description('stream a simulated district to a running hub (also the load generator)')
    .requiredOption('--url <url>', 'the hub, e.g. http://127.0.0.1:7070')
    .option('--token <token>', 'bearer token with the ingest (or admin) role; default $PARAPET_TOKEN')
    .option('--register-token <token>', 'admin token for registering the devices (default: --token)')
    .option('--no-register', 'do not register devices (they already are)')
    .option('--devices <n>', 'devices in the district', integer(1, 100_000), 60)
    .option('--rate <r>', 'events per second', positiveNumber(1_000_000), 50)
    .option('--duration <s>', 'stop after this many seconds (default: until Ctrl-C)', positiveNumber(31 * 86_400))
    .option('--seed <n>', 'seed of the district and its events (same seed, same district)', integer(0, 2 ** 32 - 1), 1)
    .option('--site <site>', 'site name of the district', 'harbour')
    .option('--batch <n>', 'events per request (the hub accepts up to 10,000 by default)', integer(1, 100_000), 2_000)
    .option('--concurrency <n>', 'requests in flight at most', integer(1, 64), 4)
    .option('--incident-every <s>', 'seconds between staged incidents', positiveNumber(86_400), 180)
    .option('--ca <file>', "PEM file of the CA that signed the hub's certificate (hubs off loopback use TLS)")
    .action(async (opts: SimulateOptions) => {
      const token = opts.token ?? ctx.env.PARAPET_TOKEN;
      if (!token) throw new CliError('a token is needed: --token T (ingest or admin role) or PARAPET_TOKEN', EXIT_USAGE);
      let ca: string | undefined;
      if (opts.ca) {
        try {
          ca = readFileSync(opts.ca, 'utf8');
        } catch (err) {
          throw new CliError(`cannot read --ca ${opts.ca}: ${(err as Error).message}`, EXIT_USAGE);
        }
      }
      const sink = createHttpSink({
        url: opts.url,
        token,
        ...(opts.registerToken ? { registerToken: opts.registerToken } : {}),
        registerHint: 'Pass --register-token <admin token>, or --no-register if the district is already registered.',
        ...(ca ? { ca } : {}),
        connections: opts.concurrency,
      });
      try {
        await sink.checkReachable();
        const district = createDistrict({ devices: opts.devices, seed: opts.seed, site: opts.site });
        if (opts.register) {
          await sink.register(district.devices);
          line(ctx.stderr, `registered ${district.devices.length} devices of site ${district.site} at ${opts.url}`);
        }
        const until = opts.duration !== undefined ? `for ${opts.duration} s` : 'until Ctrl-C';
        line(ctx.stderr, `streaming ${opts.rate} events/s from ${district.devices.length} devices ${until}`);
        const generator = createGenerator(district, {
          seed: opts.seed,
          rate: opts.rate,
          incidentEveryMs: opts.incidentEvery * 1000,
          // A new run id per run: this run's events are new, its own resends are duplicates.
          runId: Date.now().toString(36),
        });
        const { stats, error } = await runSession(ctx, {
          generator,
          sink,
          maxBatch: opts.batch,
          concurrency: opts.concurrency,
          // Small ticks at high rates keep batches near --batch; 250 ms is plenty for a gentle stream.
          tickMs: opts.rate >= 2_000 ? 100 : 250,
          ...(opts.duration !== undefined ? { durationMs: opts.duration * 1000 } : {}),
        });
        for (const l of formatSummary(stats)) line(ctx.stdout, l);
        if (error) throw error;
        if (stats.sent > 0 && stats.accepted === 0 && stats.duplicates === 0) {
          throw new CliError('the hub accepted none of the events (see the reasons above)');
        }
      } finally {
        await sink.close();
      }
    });
}
