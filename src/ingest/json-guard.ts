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
      // The closing quote is the next one not escaped by an odd run of backslashes; indexOf finds
      // candidates natively, which matters because most of an event's text is inside strings.
      const s = i + 1;
      let from = s;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q === -1 || q >= end) {
          i = end; // unterminated: JSON.parse reports it
          break;
        }
        let b = q - 1;
        while (b >= s && text.charCodeAt(b) === BACKSLASH) b--;
        if ((q - 1 - b) % 2 === 0) {
          i = q;
          break;
        }
        from = q + 1;
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
    let start = pos;
    while (start < nl && isJsonSpace(text.charCodeAt(start))) start++;
    // A blank line carries no item (other Unicode white space counts as blank too, as String#trim says).
    const blank = start === nl || (text.charCodeAt(start) > 0x7f && text.slice(start, nl).trim().length === 0);
    if (!blank) {
      if (out.length >= maxItems) {
        throw new ParapetError('batch_too_large', `more than ${maxItems} events in one request`);
      }
      try {
        out.push({ ok: true, value: parseLine(text, start, nl, limits) });
      } catch (err) {
        out.push({ ok: false, error: err instanceof ParapetError ? err : new ParapetError('invalid_json', (err as Error).message) });
      }
    }
    pos = nl + 1;
  }
  return out;
}

/**
 * Lines up to SHORT_LINE characters are parsed first and their depth checked on the result: such a
 * line can nest at most SHORT_LINE / 2 levels, so parsing it allocates little whatever it holds, and
 * no string in it can be longer than the limit when the line itself is not. Longer lines are scanned
 * before JSON.parse sees them, so a deep or huge line is refused without being built.
 */
const SHORT_LINE = 4096;

function parseLine(text: string, start: number, end: number, limits: JsonLimits): unknown {
  const len = end - start;
  if (len > SHORT_LINE || len - 2 > limits.maxString) {
    scanJson(text, limits, start, end);
    return JSON.parse(text.slice(start, end)) as unknown;
  }
  const value = JSON.parse(text.slice(start, end)) as unknown;
  if (nestsDeeper(value, limits.maxDepth)) throw new ParapetError('json_too_deep', `JSON nests deeper than ${limits.maxDepth} levels`);
  return value;
}

/** Whether arrays/objects in `value` nest more than `left` levels (recursion bounded by SHORT_LINE / 2). */
function nestsDeeper(value: unknown, left: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (left === 0) return true;
  if (Array.isArray(value)) {
    for (const v of value) if (nestsDeeper(v, left - 1)) return true;
    return false;
  }
  const obj = value as Record<string, unknown>;
  for (const k in obj) if (Object.hasOwn(obj, k) && nestsDeeper(obj[k], left - 1)) return true;
  return false;
}

/** JSON's own white space (RFC 8259): space, tab, line feed, carriage return. */
function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}
