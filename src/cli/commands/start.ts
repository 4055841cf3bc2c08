/**
 * `parapet start [--host H] [--http-port N] [--mqtt-port N] [--role all|ingest] [--standby]` (SPEC §3, §7): runs the hub
 * until SIGINT / SIGTERM, or until another node took over its serving lease (exit code 1).
 */
import type { Command } from 'commander';
import { CliError, line, type CliContext } from '../context.js';
import { port } from '../args.js';
import { addListenOptions, listenOverrides, startFromCli, untilSignal, type ListenFlags } from '../serve.js';

export function register(program: Command, ctx: CliContext): void {
  addListenOptions(program.command('start').description('run the hub (embedded encrypted SQLite store and MQTT broker by default)'), port)
    .option('--role <role>', 'all: the serving node (default); ingest: an extra ingest node on PostgreSQL + NATS (docs/scale-out.md)')
    .option('--standby', 'serving node on PostgreSQL: wait while another node serves the schema, and take over when it stops (node.standby)')
    .action(async (opts: ListenFlags & { role?: string; standby?: boolean }, cmd: Command) => {
      const node = { ...(opts.role !== undefined ? { role: opts.role } : {}), ...(opts.standby ? { standby: true } : {}) };
      const { hub, config } = await startFromCli(cmd, ctx, { ...listenOverrides(opts), ...(Object.keys(node).length > 0 ? { node } : {}) });
      const out = ctx.stdout;
      line(out, config.node.role === 'ingest' ? 'Parapet ingest node is running' : 'Parapet is running');
      if (config.node.role === 'ingest') line(out, `  ingest             ${hub.httpUrl}/api/v1/events`);
      else line(out, `  dashboard and API  ${hub.httpUrl}`);
      if (hub.mqttUrl) line(out, `  MQTT broker        ${hub.mqttUrl}`);
      line(out, `  data dir           ${config.data_dir}`);
      if (hub.firstAdmin) {
        line(out);
        line(out, 'First start: an admin account was created. Its password is shown only this once:');
        line(out, `  user      ${hub.firstAdmin.name}`);
        line(out, `  password  ${hub.firstAdmin.password}`);
      }
      line(out);
      line(out, 'Press Ctrl-C to stop.');
      const stop = await Promise.race([untilSignal(ctx).then((signal) => ({ signal, lost: null })), hub.lost.then((lost) => ({ signal: null, lost }))]);
      if (stop.lost !== null) {
        // Another node serves the schema now, or a store thread died: stop at once (exit 1), so a
        // supervisor restarts this one (as a standby, on PostgreSQL).
        line(ctx.stderr, `${stop.lost}: stopping`);
        await hub.close();
        throw new CliError('stopped: this node no longer holds the serving lease');
      }
      line(ctx.stderr, `${stop.signal}: stopping (finishing what is in flight)…`);
      await hub.close();
      line(ctx.stderr, 'stopped');
    });
}
