/** `parapet start [--host H] [--http-port N] [--mqtt-port N] [--role all|ingest]` (SPEC §3, §7): runs the hub until SIGINT / SIGTERM. */
import type { Command } from 'commander';
import { line, type CliContext } from '../context.js';
import { port } from '../args.js';
import { addListenOptions, listenOverrides, startFromCli, untilSignal, type ListenFlags } from '../serve.js';

export function register(program: Command, ctx: CliContext): void {
  addListenOptions(program.command('start').description('run the hub (embedded encrypted SQLite store and MQTT broker by default)'), port)
    .option('--role <role>', 'all: the serving node (default); ingest: an extra ingest node on PostgreSQL + NATS (docs/scale-out.md)')
    .action(async (opts: ListenFlags & { role?: string }, cmd: Command) => {
      const { hub, config } = await startFromCli(cmd, ctx, { ...listenOverrides(opts), ...(opts.role !== undefined ? { node: { role: opts.role } } : {}) });
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
      const signal = await untilSignal(ctx);
      line(ctx.stderr, `${signal}: stopping (finishing what is in flight)…`);
      await hub.close();
      line(ctx.stderr, 'stopped');
    });
}
