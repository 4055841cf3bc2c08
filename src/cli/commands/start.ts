/** `parapet start [--host H] [--http-port N] [--mqtt-port N]` (SPEC §3): runs the hub until SIGINT / SIGTERM. */
import type { Command } from 'commander';
import { line, type CliContext } from '../context.js';
import { port } from '../args.js';
import { addListenOptions, listenOverrides, startFromCli, untilSignal, type ListenFlags } from '../serve.js';

export function register(program: Command, ctx: CliContext): void {
  addListenOptions(program.command('start').description('run the hub (embedded encrypted SQLite store and MQTT broker by default)'), port).action(
    async (opts: ListenFlags, cmd: Command) => {
      const { hub, config } = await startFromCli(cmd, ctx, listenOverrides(opts));
      const out = ctx.stdout;
      line(out, 'Parapet is running');
      line(out, `  dashboard and API  ${hub.httpUrl}`);
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
    },
  );
}
