/**
 * `parapet device credentials ID` — a new MQTT secret for a device (SPEC §3), printed once.
 * `parapet device import FILE` — devices from JSON, CSV or GeoJSON (registry/import.ts): the valid
 * rows are registered, each bad row is reported with its row and field, and the exit code is 1
 * when any row was refused. Offline it writes the data dir (a running hub sees the devices after
 * its next start); with `--url` it goes through the running hub's API instead.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { CliError, EXIT_USAGE, line, type CliContext } from '../context.js';
import { cliActor, withOffline } from '../offline.js';
import { createHttpSink } from '../../sim/http-sink.js';
import { detectFormat, formatProblem, IMPORT_FORMATS, parseDevices, type ImportFormat } from '../../registry/import.js';

export function register(program: Command, ctx: CliContext): void {
  const device = program.command('device').description('manage devices on a data dir (works whether or not the hub runs)');

  device
    .command('credentials')
    .description("issue a new MQTT secret for a device (username = the device id); the old one stops working")
    .argument('<id>', 'device id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const secret = await withOffline(cmd, ctx, async (deps) => {
        const known = deps.registry.get(id);
        if (!known) throw new CliError(`no device ${id} is registered; add it first (parapet device import FILE, or PUT /api/v1/devices/${id})`);
        const secret = await deps.auth.rotateDeviceSecret(id);
        await deps.audit.record({ actor: cliActor(), action: 'device.credentials', target: id, outcome: 'success', sites: [known.site] });
        return secret;
      });
      line(ctx.stdout, `new MQTT secret for device ${id} (MQTT username ${id}; topics parapet/v1/${id}/…)`);
      line(ctx.stdout, 'secret (shown only now; Parapet keeps just its hash):');
      line(ctx.stdout, secret);
    });

  device
    .command('import')
    .description('register devices from a JSON, CSV or GeoJSON file (creates or replaces by id)')
    .argument('<file>', 'the file; its format comes from the extension or the content')
    .addOption(new Option('--format <format>', 'force the format').choices(IMPORT_FORMATS))
    .option('--dry-run', 'check the file and report, register nothing')
    .option('--url <url>', 'register through a running hub\'s API instead of the data dir')
    .option('--token <token>', 'admin token for --url (default $PARAPET_TOKEN)')
    .action(async (file: string, opts: { format?: ImportFormat; dryRun?: boolean; url?: string; token?: string }, cmd: Command) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new CliError(`cannot read ${file}: ${(err as Error).message}`, EXIT_USAGE);
      }
      const result = parseDevices(text, opts.format ?? detectFormat(file, text));
      for (const p of result.problems) line(ctx.stderr, `${file}: ${formatProblem(p)}`);
      const refused = new Set(result.problems.map((p) => p.row)).size;
      if (opts.dryRun) {
        line(ctx.stdout, `${file}: ${result.devices.length} of ${result.rows} devices valid (${result.format}); nothing registered (--dry-run)`);
      } else if (opts.url !== undefined) {
        const token = opts.token ?? ctx.env.PARAPET_TOKEN;
        if (!token) throw new CliError('--url needs an admin token: --token T or PARAPET_TOKEN', EXIT_USAGE);
        const sink = createHttpSink({ url: opts.url, token });
        try {
          await sink.checkReachable();
          await sink.register(result.devices);
        } finally {
          await sink.close();
        }
        line(ctx.stdout, `imported ${result.devices.length} of ${result.rows} devices from ${file} (${result.format}) into ${opts.url}`);
      } else {
        let created = 0;
        await withOffline(cmd, ctx, async (deps) => {
          const actor = cliActor();
          for (const d of result.devices) {
            const existing = deps.registry.get(d.id);
            const { created: isNew, device } = await deps.registry.put(d);
            if (isNew) created++;
            // As through the API: one entry per device, a move concerning both sites.
            const sites = existing ? [existing.site, device.site] : [device.site];
            await deps.audit.record({ actor, action: isNew ? 'device.create' : 'device.update', target: d.id, outcome: 'success', detail: { site: device.site, type: device.type, via: 'import' }, sites });
          }
        });
        line(ctx.stdout, `imported ${result.devices.length} of ${result.rows} devices from ${file} (${result.format}): ${created} new, ${result.devices.length - created} updated`);
      }
      if (refused > 0) throw new CliError(`${refused} row${refused === 1 ? '' : 's'} refused (listed above)`);
    });
}
