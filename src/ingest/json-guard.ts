/**
 * Bounded JSON decoding (SPEC §5.6). Before JSON.parse sees a document, one linear scan checks its
 * nesting depth and string lengths, so a 100,000-deep body is refused at parse time without ever
 * recursing, and an oversized string never becomes an object.
 */
import { ParapetError } from '../core/errors.js';

export interface JsonLimits {
  /** Deepest nesting of arrays/objects accepted. */
  readonly maxDepth: number;
  /** Longest string (in UTF-16 code units of the source text, escapes counted raw). */
  readonly maxString: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const OPEN_ARR = 0x5b;
const CLOSE_OBJ = 0x7d;
const CLOSE_ARR = 0x5d;

/** Throws json_too_deep / string_too_long; does not validate syntax (JSON.parse does). */
export function scanJson(text: string, limits: JsonLimits, start = 0, end = text.length): void {
  let depth = 0;
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const s = ++i;
      while (i < end) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i += 2;
        else if (d === QUOTE) break;
        else i++;
      }
      if (i - s > limits.maxString) {
        throw new ParapetError('string_too_long', `a string of ${i - s} characters exceeds the limit of ${limits.maxString}`);
      }
    } else if (c === OPEN_OBJ || c === OPEN_ARR) {
      if (++depth > limits.maxDepth) {
        throw new ParapetError('json_too_deep', `JSON nests deeper than ${limits.maxDepth} levels`);
      }
    } else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
      depth--;
    }
    i++;
  }
}

/** Scans then parses one JSON document. */
export function parseBoundedJson(text: string, limits: JsonLimits): unknown {
  scanJson(text, limits);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ParapetError('invalid_json', (err as Error).message);
  }
}

export type NdjsonItem = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: ParapetError };

/**
 * Splits NDJSON into items; a bad line becomes a failed item (so valid lines of the batch survive)
 * rather than failing the request. Blank lines are skipped. `maxItems` bounds the batch early.
 */
export function parseNdjson(text: string, limits: JsonLimits, maxItems: number): NdjsonItem[] {
  const out: NdjsonItem[] = [];
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = n;
    let lineEnd = nl;
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 0x0d) lineEnd--;
    if (lineEnd > pos && text.slice(pos, lineEnd).trim().length > 0) {
      if (out.length >= maxItems) {
        throw new ParapetError('batch_too_large', `more than ${maxItems} events in one request`);
      }
      try {
        scanJson(text, limits, pos, lineEnd);
        out.push({ ok: true, value: JSON.parse(text.slice(pos, lineEnd)) as unknown });
      } catch (err) {
        out.push({ ok: false, error: err instanceof ParapetError ? err : new ParapetError('invalid_json', (err as Error).message) });
      }
    }
    pos = nl + 1;
  }
  return out;
}
