import { describe, expect, it } from 'vitest';
import { ParapetError } from '../core/errors.js';
import { unknownWriteFailure, writeFailure } from './write-failure.js';

const withCode = (code: string, message = 'internal text /var/lib/x.db') => Object.assign(new Error(message), { code });

describe('a failed store write as the client hears it', () => {
  it.each([
    ['SQLITE_FULL', /store is full/],
    ['SQLITE_IOERR_WRITE', /I\/O error/],
    ['SQLITE_READONLY_DBMOVED', /read-only/],
    ['SQLITE_BUSY_TIMEOUT', /busy/],
    ['53100', /out of disk space/],
    ['53200', /out of resources/],
    ['57P01', /database is unreachable/],
    ['08006', /database is unreachable/],
    ['ECONNREFUSED', /database is unreachable/],
  ])('%s: 503 unavailable, in words, never the adapter\'s own text', (code, words) => {
    const e = writeFailure(withCode(code));
    expect(e).toBeInstanceOf(ParapetError);
    expect(e).toMatchObject({ code: 'unavailable', status: 503 });
    expect((e as ParapetError).detail).toMatch(words);
    expect((e as ParapetError).detail).toMatch(/nothing of this request was stored/);
    expect((e as ParapetError).detail).not.toContain('/var/lib');
  });

  it('leaves an error of unknown cause for the pipeline, which answers without a reason', () => {
    const odd = withCode('SQLITE_CONSTRAINT_UNIQUE');
    expect(writeFailure(odd)).toBe(odd);
    expect(writeFailure(new Error('no code'))).toBeInstanceOf(Error);
    expect(unknownWriteFailure()).toMatchObject({ code: 'unavailable', status: 503 });
  });

  it('passes a ParapetError through as it is', () => {
    const p = new ParapetError('invalid_event', 'event time cannot be stored');
    expect(writeFailure(p)).toBe(p);
  });
});
