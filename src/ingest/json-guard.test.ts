import { describe, expect, it } from 'vitest';
import { parseBoundedJson, parseNdjson, scanJson } from './json-guard.js';
import { ParapetError } from '../core/errors.js';

const limits = { maxDepth: 16, maxString: 100 };

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof ParapetError ? e.code : 'other';
  }
}

describe('bounded JSON', () => {
  it('refuses a 100,000-deep body at scan time without overflowing the stack', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(codeOf(() => parseBoundedJson(deep, limits))).toBe('json_too_deep');
    const deepObj = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    expect(codeOf(() => parseBoundedJson(deepObj, limits))).toBe('json_too_deep');
  });

  it('accepts exactly the depth limit and refuses one more', () => {
    expect(parseBoundedJson('['.repeat(16) + ']'.repeat(16), limits)).toBeDefined();
    expect(codeOf(() => scanJson('['.repeat(17) + ']'.repeat(17), limits))).toBe('json_too_deep');
  });

  it('ignores brackets and quotes inside strings', () => {
    const s = JSON.stringify({ a: '[[[[[[[[[[[[[[[[[[[[[[[[', b: 'say \\"hi\\" {{{{{{{{{{{{{{{{{{{{{{' });
    expect(parseBoundedJson(s, limits)).toEqual(JSON.parse(s));
  });

  it('refuses an over-long string, keys included', () => {
    expect(codeOf(() => parseBoundedJson(JSON.stringify({ a: 'x'.repeat(101) }), limits))).toBe('string_too_long');
    expect(codeOf(() => parseBoundedJson(JSON.stringify({ ['k'.repeat(101)]: 1 }), limits))).toBe('string_too_long');
    expect(parseBoundedJson(JSON.stringify({ a: 'x'.repeat(100) }), limits)).toEqual({ a: 'x'.repeat(100) });
  });

  it('reports broken JSON as invalid_json', () => {
    expect(codeOf(() => parseBoundedJson('{"a":', limits))).toBe('invalid_json');
  });
});

describe('NDJSON', () => {
  it('keeps good lines when one is broken, skipping blank lines and CRLF', () => {
    const items = parseNdjson('{"a":1}\r\n\n{broken\n{"b":2}\n', limits, 10);
    expect(items).toHaveLength(3);
    expect(items[0]).toEqual({ ok: true, value: { a: 1 } });
    expect(items[1]?.ok).toBe(false);
    expect(items[2]).toEqual({ ok: true, value: { b: 2 } });
  });

  it('bounds each line separately and the batch size as a whole', () => {
    const items = parseNdjson(`${'['.repeat(20)}${']'.repeat(20)}\n{"ok":true}`, limits, 10);
    expect(items[0]).toMatchObject({ ok: false });
    expect(items[1]).toEqual({ ok: true, value: { ok: true } });
    expect(codeOf(() => parseNdjson('{}\n{}\n{}\n', limits, 2))).toBe('batch_too_large');
  });
});
