/**
 * The logger (pino). Identifier fields are redacted wherever they could appear, as a second line
 * of defence: pipeline code logs only SafeEvents, whose identifiers are pseudonyms already (SPEC §4.1).
 */
import { pino, type Logger, type DestinationStream } from 'pino';

const SECRET_PATHS = ['password', 'secret', 'token', 'totp', 'authorization', 'cookie'];
const IDENTIFIER_PATHS = ['plate', 'credential', 'mac'];

export const REDACT_PATHS = [
  ...SECRET_PATHS.flatMap((k) => [k, `*.${k}`]),
  ...IDENTIFIER_PATHS.flatMap((k) => [k, `*.${k}`, `*.data.${k}`, `*.*.data.${k}`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
];

export function createLogger(level: string, dest?: DestinationStream): Logger {
  return pino({ level, base: { app: 'parapet' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, dest);
}

export type { Logger };
