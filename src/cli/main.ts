/**
 * The `parapet` command line (SPEC §3), commander 14. The entry point is the only place besides
 * hub.ts that reads `process.env`: it hands the environment down in a `CliContext`, with the
 * output streams and signal plumbing. Each command is a file in commands/ exporting
 * `register(program, ctx)`; adding a command = one import and one entry in COMMANDS below.
 * Global flags `--config F` and `--data-dir D` are accepted before or after the command name.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { EXIT_USAGE, line, type CliContext } from './context.js';
import { describeFailure } from './failure.js';
import { register as registerStart } from './commands/start.js';
import { register as registerDemo } from './commands/demo.js';
import { register as registerSimulate } from './commands/simulate.js';
import { register as registerUser } from './commands/user.js';
import { register as registerToken } from './commands/token.js';
import { register as registerDevice } from './commands/device.js';
import { register as registerDoctor } from './commands/doctor.js';
import { register as registerAudit } from './commands/audit.js';
import { register as registerRetention } from './commands/retention.js';
import { register as registerReport } from './commands/report.js';

export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/** In the order `parapet --help` lists them. */
const COMMANDS: readonly RegisterCommand[] = [
  registerStart,
  registerDemo,
  registerSimulate,
  registerUser,
  registerToken,
  registerDevice,
  // Offline commands of other features (leak guard, audit, privacy), each `register(program, ctx)`
  // in src/cli/commands/<name>.ts, using withOffline() from ../offline.js for data-dir work.
  registerDoctor,
  registerAudit,
  registerRetention,
  registerReport,
];

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function buildProgram(ctx: CliContext): Command {
  const program = new Command()
    .name('parapet')
    .description('Parapet: the operations hub of a smart district')
    .version(version(), '-V, --version')
    .option('--config <file>', 'configuration file (JSON or YAML)')
    .option('--data-dir <dir>', 'data directory (database, keys); default ./parapet-data')
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) })
    .exitOverride()
    .showHelpAfterError('(run parapet --help for usage)');
  for (const register of COMMANDS) register(program, ctx);
  return program;
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: readonly string[], ctx: CliContext): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    // Commander has printed its own message (usage error, help, version).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
    const failure = describeFailure(err);
    line(ctx.stderr, `parapet: ${failure.message}`);
    if (failure.stack !== undefined && ctx.env.PARAPET_DEBUG) line(ctx.stderr, failure.stack);
    return failure.exitCode;
  }
}

const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/** The real process: its environment, streams and signals. A second signal exits at once. */
export function processContext(): CliContext {
  const handlers = new Set<(signal: string) => void>();
  let installed = false;
  let received = 0;
  const onProcessSignal = (signal: NodeJS.Signals): void => {
    received++;
    if (handlers.size === 0 || received > 1) process.exit(SIGNAL_EXIT[signal] ?? 1);
    for (const h of [...handlers]) h(signal);
  };
  return {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    onSignal(handler) {
      if (!installed) {
        process.on('SIGINT', onProcessSignal);
        process.on('SIGTERM', onProcessSignal);
        installed = true;
      }
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  };
}

export async function runFromProcess(): Promise<void> {
  // Everything Parapet writes (database, WAL, keys, reports) is private to its user (SPEC §5.8:
  // the leak guard refuses a data dir readable by others), whatever the shell's umask.
  process.umask(0o077);
  process.exitCode = await main(process.argv, processContext());
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) await runFromProcess();
