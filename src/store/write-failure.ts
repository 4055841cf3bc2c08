/**
 * A store write that failed for a reason of the server's (a full disk, an I/O error, a database
 * that went away), as a client should hear it: 503 `unavailable`, what happened in words, and that
 * nothing of its request was stored, so sending it again is right. The adapter's own error, with
 * its internals, goes to the log only (the pipeline's onError).
 */
import { ParapetError } from '../core/errors.js';

const codeOf = (err: unknown): string => (err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : '');

/** SQLite's result codes (extended ones start with the primary). */
function sqliteReason(code: string): string | null {
  if (code === 'SQLITE_FULL') return "the hub's store is full";
  if (code.startsWith('SQLITE_IOERR')) return "the hub's disk reported an I/O error";
  if (code.startsWith('SQLITE_READONLY')) return "the hub's store is read-only";
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return "the hub's store is busy";
  return null;
}

/** PostgreSQL SQLSTATEs (class 53: insufficient resources; 57P: shut down; 08: connection) and socket errors. */
function postgresReason(code: string): string | null {
  if (code === '53100') return "the hub's database is out of disk space";
  if (code.startsWith('53')) return "the hub's database is out of resources";
  if (code.startsWith('57P') || code.startsWith('08') || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code)) return "the hub's database is unreachable";
  return null;
}

/** The failure as a 503 ParapetError when its reason is known, else the error itself (the pipeline wraps it). */
export function writeFailure(err: unknown): unknown {
  if (err instanceof ParapetError) return err;
  const code = codeOf(err);
  const why = sqliteReason(code) ?? postgresReason(code);
  return why === null ? err : new ParapetError('unavailable', `${why}; nothing of this request was stored: send it again later`);
}

/** Any other failure of a write: the same answer without a reason. */
export function unknownWriteFailure(): ParapetError {
  return new ParapetError('unavailable', 'the hub could not store this request; nothing of it was stored: send it again later');
}
