/**
 * What every command gets from the entry point (main.ts): the environment (nothing else reads
 * `process.env`, STYLE §1), where to write, and helpers that turn the global `--config` /
 * `--data-dir` flags into the one loaded config (flags > PARAPET_* env > file > defaults).
 */
import type { Command } from 'commander';
import { pino } from 'pino';
import { loadConfig, type ConfigOverrides } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createLogger, type Logger } from '../core/log.js';

export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Output;
  readonly stderr: Output;
  /** Process signals (SIGINT / SIGTERM) end long-running commands gracefully through this. */
  readonly onSignal: (handler: (signal: string) => void) => () => void;
}

/** A failure meant for the operator: printed as one sentence, no stack trace, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit codes: 1 = the command failed, 2 = it was asked wrongly (usage, config, a port in use). */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface GlobalOptions {
  readonly config?: string;
  readonly dataDir?: string;
}

/** Reads the global flags wherever they were given (before or after the command name). */
export function globalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<{ config?: unknown; dataDir?: unknown }>();
  return {
    ...(typeof o.config === 'string' ? { config: o.config } : {}),
    ...(typeof o.dataDir === 'string' ? { dataDir: o.dataDir } : {}),
  };
}

/** The config for this command: the global flags plus the command's own overrides. */
export function loadCliConfig(cmd: Command, ctx: CliContext, overrides: ConfigOverrides = {}): Readonly<Config> {
  const g = globalOptions(cmd);
  const flags: ConfigOverrides = { ...overrides };
  if (g.dataDir !== undefined) flags.data_dir = g.dataDir;
  return loadConfig({ ...(g.config !== undefined ? { file: g.config } : {}), env: { ...ctx.env }, flags });
}

/** Log lines go to standard error so standard output stays for results (and a secret on its last line). */
export function stderrLogger(level: string): Logger {
  return createLogger(level, pino.destination(2));
}

export function line(out: Output, text = ''): void {
  out.write(text + '\n');
}
