/**
 * One place that turns an error into what the operator sees: a sentence and an exit code, never a
 * stack trace for a known failure (issue 2 §1: a port already taken names the flag to change).
 */
import { ParapetError } from '../core/errors.js';
import { SimulationError } from '../sim/http-sink.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from './context.js';

export interface Failure {
  readonly message: string;
  readonly exitCode: number;
  /** Only for failures nobody anticipated, shown with PARAPET_DEBUG=1. */
  readonly stack?: string;
}

const PORT_FLAGS: Readonly<Record<string, string>> = { http: '--http-port', mqtt: '--mqtt-port' };

export interface PortHints {
  readonly http?: number;
  readonly mqtt?: number;
}

export function describeFailure(err: unknown, ports: PortHints = {}): Failure {
  if (err instanceof CliError) return { message: err.message, exitCode: err.exitCode };
  if (err instanceof SimulationError) return { message: err.message, exitCode: EXIT_FAILURE };
  if (err instanceof ParapetError) {
    // Configuration and listener problems are the caller's to fix: usage exit code.
    return { message: err.detail, exitCode: err.code === 'invalid_config' ? EXIT_USAGE : EXIT_FAILURE };
  }
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (e && (e.code === 'EADDRINUSE' || e.code === 'EACCES') && typeof e.port === 'number') {
    const which = Object.entries(ports).find(([, p]) => p === e.port)?.[0];
    const flag = which ? PORT_FLAGS[which] : undefined;
    const what = e.code === 'EADDRINUSE' ? 'is already in use' : 'may not be used by this user';
    return { message: `port ${e.port} ${what}; choose another with ${flag ?? '--http-port or --mqtt-port'}`, exitCode: EXIT_USAGE };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { message: `unexpected error: ${message}`, exitCode: EXIT_FAILURE, ...(err instanceof Error && err.stack ? { stack: err.stack } : {}) };
}
