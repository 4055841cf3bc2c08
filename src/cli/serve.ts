/** Starting the hub from the command line: flags → config overrides, then wait for a signal to stop. */
import type { Command } from 'commander';
import type { ConfigOverrides } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Hub } from '../hub.js';
import { loadCliConfig, stderrLogger, type CliContext } from './context.js';
import { describeFailure } from './failure.js';
import { CliError } from './context.js';

export interface ListenFlags {
  host?: string;
  httpPort?: number;
  mqttPort?: number;
}

export function listenOverrides(flags: ListenFlags): ConfigOverrides {
  const http: Record<string, unknown> = {};
  const mqtt: Record<string, unknown> = {};
  // The HTTP listener only: the embedded broker has no TLS, so it stays on loopback unless
  // `mqtt.host` is configured on purpose (and the hub refuses that without TLS, SPEC §5.5).
  if (flags.host !== undefined) http.host = flags.host;
  if (flags.httpPort !== undefined) http.port = flags.httpPort;
  if (flags.mqttPort !== undefined) mqtt.port = flags.mqttPort;
  return { ...(Object.keys(http).length > 0 ? { http } : {}), ...(Object.keys(mqtt).length > 0 ? { mqtt } : {}) };
}

export function addListenOptions(cmd: Command, parsePort: (v: string) => number): Command {
  return cmd
    .option('--host <host>', 'address of the HTTP listener (default 127.0.0.1; anything else requires TLS)')
    .option('--http-port <n>', 'HTTP port for the dashboard and API (0 = any free port)', parsePort)
    .option('--mqtt-port <n>', 'port of the embedded MQTT broker (0 = any free port)', parsePort);
}

export async function startFromCli(cmd: Command, ctx: CliContext, overrides: ConfigOverrides): Promise<{ hub: Hub; config: Readonly<Config> }> {
  const config = loadCliConfig(cmd, ctx, overrides);
  // Loaded on use, so commands that do not serve start fast.
  const { startHub } = await import('../hub.js');
  try {
    const hub = await startHub({ config, env: { ...ctx.env }, logger: stderrLogger(config.log.level) });
    return { hub, config };
  } catch (err) {
    const f = describeFailure(err, { http: config.http.port, ...(config.mqtt.enabled ? { mqtt: config.mqtt.port } : {}) });
    if (f.stack === undefined) throw new CliError(f.message, f.exitCode);
    throw err;
  }
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(ctx: CliContext): Promise<string> {
  return new Promise((resolve) => {
    const off = ctx.onSignal((signal) => {
      off();
      resolve(signal);
    });
  });
}
