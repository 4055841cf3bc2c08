/**
 * Strings PostgreSQL cannot hold as they are. `text` refuses U+0000, and the driver sends a lone
 * surrogate as U+FFFD, so two different event ids could meet as one (a false duplicate) and read
 * back changed; `jsonb` refuses both as escapes. SQLite stores them exactly, and so must this
 * store — refusing them would fail the whole group of an append (stages/append.ts merges many
 * requests into one), letting one sender sink everyone's events.
 *
 *  - Event text columns hold `toSql(value)`: `\` → `\\`, U+0000 and lone surrogates → `\uXXXX`.
 *    The code is injective and prefix-free, so equality (dedupe, filters) and prefixes (kind
 *    families) mean the same on the encoded values; a value without those characters — every
 *    ordinary one — is stored unchanged.
 *  - Event data is an object; when its JSON text needs an escape jsonb refuses, the column holds
 *    that JSON text as a jsonb string instead, and `fromSqlData` parses it back.
 */
import type { EventData } from '../../core/event.js';

const SPECIAL = /\\|\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const HAS_SPECIAL = /[\\\0\uD800-\uDFFF]/;
const ESCAPE = /\\(\\|u[0-9a-f]{4})/g;

export function toSql(s: string): string {
  if (!HAS_SPECIAL.test(s)) return s;
  return s.replace(SPECIAL, (c) => (c === '\\' ? '\\\\' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

export function toSqlOrNull(s: string | null): string | null {
  return s === null ? null : toSql(s);
}

export function fromSql(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(ESCAPE, (_, e: string) => (e === '\\' ? '\\' : String.fromCharCode(parseInt(e.slice(1), 16))));
}

export function fromSqlOrNull(s: string | null): string | null {
  return s === null ? null : fromSql(s);
}

// An odd run of backslashes before u0000 or a surrogate: a real escape, not an escaped backslash.
const JSONB_REFUSES = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/** The JSON text to cast to jsonb for an event's data. */
export function toSqlData(data: EventData): string {
  const text = JSON.stringify(data);
  return text.includes('\\u') && JSONB_REFUSES.test(text) ? JSON.stringify(text) : text;
}

/** An event's data as read from the jsonb column (the driver has parsed it). */
export function fromSqlData(v: unknown): EventData {
  return (typeof v === 'string' ? JSON.parse(v) : v) as EventData;
}
