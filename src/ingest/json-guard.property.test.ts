/**
 * Property-based tests of the bounded JSON decoders (SPEC §5.6): whatever bytes arrive, decoding
 * either yields exactly what JSON.parse yields or refuses with one of our error codes — never an
 * unexpected exception, never a limit missed or wrongly applied.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParapetError } from '../core/errors.js';
import { parseBoundedJson, parseNdjson, scanJson, type JsonLimits } from './json-guard.js';

const roomy: JsonLimits = { maxDepth: 64, maxString: 100_000 };
const DECODE_CODES = new Set(['json_too_deep', 'string_too_long', 'invalid_json']);

function outcome(fn: () => unknown): { ok: true; value: unknown } | { ok: false; code: string } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    return { ok: false, code: e instanceof ParapetError ? e.code : `unexpected:${String(e)}` };
  }
}

/** Nesting depth of a JSON value as the scanner counts it (arrays and objects). */
function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v !== null && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

describe('bounded JSON (properties)', () => {
  it('decodes every JSON document within the limits exactly as JSON.parse does', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const text = JSON.stringify(v);
        expect(parseBoundedJson(text, roomy)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses arbitrary text only with its own error codes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', ':', ',', '1', ' ') })), (text) => {
        const r = outcome(() => parseBoundedJson(text, { maxDepth: 4, maxString: 8 }));
        if (!r.ok) expect(DECODE_CODES).toContain(r.code);
      }),
      { numRuns: 1000 },
    );
  });

  it('applies the depth limit exactly: refused iff deeper than maxDepth', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 1, max: 8 }), (v, maxDepth) => {
        const r = outcome(() => parseBoundedJson(JSON.stringify(v), { maxDepth, maxString: 100_000 }));
        if (depthOf(v) > maxDepth) expect(r).toEqual({ ok: false, code: 'json_too_deep' });
        else expect(r.ok).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('applies the string limit exactly on escape-free strings, and ignores brackets inside strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '[', '{', ']', '}', ' ', 'é'), maxLength: 40 }), fc.integer({ min: 0, max: 40 }), (s, maxString) => {
        const r = outcome(() => parseBoundedJson(JSON.stringify({ k: s }), { maxDepth: 1, maxString: Math.max(maxString, 1) }));
        if (s.length > Math.max(maxString, 1)) expect(r).toEqual({ ok: false, code: 'string_too_long' });
        else expect(r).toEqual({ ok: true, value: { k: s } });
      }),
      { numRuns: 500 },
    );
  });

  it('scans without recursion: very deep input is refused, not a stack overflow', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000, max: 200_000 }), fc.constantFrom('[', '{"a":'), (n, open) => {
        expect(outcome(() => scanJson(open.repeat(n), roomy))).toEqual({ ok: false, code: 'json_too_deep' });
      }),
      { numRuns: 20 },
    );
  });
});

describe('NDJSON (properties)', () => {
  it('yields one item per non-blank line, each as JSON.parse reads it, bad lines isolated', () => {
    const line = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ unit: fc.constantFrom('{', '"', 'x', '1', ']') , maxLength: 6 }),
      fc.constant(''),
      fc.constant('   '),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        const items = parseNdjson(lines.join(eol), roomy, 1000);
        const expected = lines.filter((l) => l.trim().length > 0);
        expect(items).toHaveLength(expected.length);
        items.forEach((it, i) => {
          const src = expected[i] ?? '';
          const direct = outcome(() => JSON.parse(src) as unknown);
          if (it.ok) expect(direct).toEqual({ ok: true, value: it.value });
          else {
            expect(direct.ok).toBe(false);
            expect(DECODE_CODES).toContain(it.error.code);
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  it('gives each line the verdict parseBoundedJson gives it alone, short lines (parsed, then depth-checked) and long ones (scanned) alike', () => {
    const nested = fc.tuple(fc.integer({ min: 0, max: 24 }), fc.constantFrom('[', '{"a":'), fc.string({ maxLength: 30 })).map(([n, open, leaf]) => {
      const close = open === '[' ? ']' : '}';
      return `${open.repeat(n)}${JSON.stringify(leaf)}${close.repeat(n)}`;
    });
    const padded = nested.map((l) => `{"pad":"${'x'.repeat(5000)}","v":${l}}`);
    fc.assert(
      fc.property(fc.array(fc.oneof(nested, padded), { minLength: 1, maxLength: 6 }), fc.integer({ min: 2, max: 20 }), fc.integer({ min: 16, max: 6000 }), (lines, maxDepth, maxString) => {
        const limits = { maxDepth, maxString };
        const items = parseNdjson(lines.join('\n'), limits, 100);
        items.forEach((it, i) => {
          const alone = outcome(() => parseBoundedJson(lines[i] ?? '', limits));
          if (it.ok) expect(alone).toEqual({ ok: true, value: it.value });
          else expect(alone).toEqual({ ok: false, code: it.error.code });
        });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses more than maxItems lines with batch_too_large, and never fewer', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 20 }), (n, max) => {
        const r = outcome(() => parseNdjson('{}\n'.repeat(n), roomy, max));
        if (n > max) expect(r).toEqual({ ok: false, code: 'batch_too_large' });
        else expect(r.ok && Array.isArray(r.value) && r.value.length === n).toBe(true);
      }),
    );
  });
});
