/**
 * SIA DC-09 framing (ANSI/SIA DC-09-2013, "Internet Protocol Event Reporting"), unencrypted.
 *
 *   <LF><crc><0LLL><"id"><seq>[R<rcvr>]L<pref>#<acct>[<data>][<x-data>]…[_HH:MM:SS,MM-DD-YYYY]<CR>
 *
 * - crc:  4 upper-case hex digits, CRC-16/ARC (polynomial 0x8005 reflected = 0xA001, initial 0)
 *         over every byte from the opening quote of the id through the end of the timestamp;
 * - 0LLL: '0' and 3 hex digits, the length of that same span;
 * - id:   "SIA-DCS", "ADM-CID" (Contact ID) or "NULL" (link test); a leading '*' marks an
 *         encrypted message, which this receiver does not support (answered DUH);
 * - seq:  4 decimal digits; rcvr and pref 1–6 hex digits; acct 3–16 hex digits;
 * - timestamp: UTC, optional for unencrypted messages; checked against a window of 40 s in the
 *         past and 20 s in the future when present (DC-09 §5.5.1.8).
 *
 * Responses (DC-09 §5.5.2): ACK echoes seq, rcvr, pref and acct with empty data; DUH is the same
 * for a message understood but not accepted; NAK, for a bad CRC, length, format or time, is
 * `"NAK"0000R0L0A0[]` with the receiver's timestamp, since no field of a bad message is trusted.
 */

export const SKEW_PAST_MS = 40_000;
export const SKEW_FUTURE_MS = 20_000;
/** The longest body a 3-hex-digit length can announce. */
export const MAX_BODY = 0xfff;
const LF = 0x0a;
const CR = 0x0d;

export function crc16(data: Uint8Array | string): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  let crc = 0;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');

export interface Dc09Message {
  readonly id: string;
  readonly encrypted: boolean;
  readonly seq: string;
  /** Without their letters; receiver is null when absent. */
  readonly receiver: string | null;
  readonly prefix: string;
  readonly account: string;
  /** The first bracketed block (the event data), without brackets. */
  readonly data: string;
  /** Further bracketed blocks (DC-09 extended data, e.g. `X…`, `Y…`, `M…`); kept only to be ignored. */
  readonly extended: readonly string[];
  /** Epoch ms of the message timestamp, or null when the message has none. */
  readonly timestamp: number | null;
}

export type Dc09Parse =
  | { readonly ok: true; readonly message: Dc09Message }
  | { readonly ok: false; readonly reason: 'crc' | 'length' | 'format' | 'timestamp'; readonly detail: string };

const HEADER = /^"(\*?)([A-Z0-9-]{1,16})"(\d{4})(?:R([0-9A-Fa-f]{1,6}))?(?:L([0-9A-Fa-f]{1,6}))?#?([0-9A-Fa-f]{1,16})?\[/;
const TIMESTAMP = /^_(\d{2}):(\d{2}):(\d{2}),(\d{2})-(\d{2})-(\d{4})$/;

function parseTimestamp(t: string): number | null | 'bad' {
  if (t === '') return null;
  const m = TIMESTAMP.exec(t);
  if (!m) return 'bad';
  const [, hh, mi, ss, mm, dd, yyyy] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(yyyy, mm - 1, dd, hh, mi, ss);
  const back = new Date(ms);
  // Reject 25:61:61 or 02-31 rather than letting Date roll them over.
  if (back.getUTCHours() !== hh || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== ss || back.getUTCDate() !== dd || back.getUTCMonth() !== mm - 1) return 'bad';
  return ms;
}

/**
 * Parses one frame (with or without its LF/CR). `now` checks the timestamp window. Never throws:
 * any input, however hostile, is either a message or a reason to NAK.
 */
export function parseFrame(frame: Uint8Array, now: number): Dc09Parse {
  let start = 0;
  let end = frame.length;
  if (frame[start] === LF) start++;
  if (end > start && frame[end - 1] === CR) end--;
  const text = Buffer.from(frame.subarray(start, end)).toString('latin1');
  if (text.length < 8 || !/^[0-9A-Fa-f]{4}0[0-9A-Fa-f]{3}$/.test(text.slice(0, 8))) {
    return { ok: false, reason: 'format', detail: 'a DC-09 frame starts with 4 hex digits of CRC and 0LLL' };
  }
  const body = text.slice(8);
  const announced = parseInt(text.slice(5, 8), 16);
  if (announced !== body.length) return { ok: false, reason: 'length', detail: `length field says ${announced} bytes, the body has ${body.length}` };
  const crc = parseInt(text.slice(0, 4), 16);
  if (crc !== crc16(body)) return { ok: false, reason: 'crc', detail: 'CRC mismatch' };
  const h = HEADER.exec(body);
  if (!h) return { ok: false, reason: 'format', detail: 'the header does not read "id"seq[Rrcvr]Lpref#acct[' };
  // Bracketed blocks, then an optional timestamp; brackets never nest in DC-09.
  const blocks: string[] = [];
  let i = h[0].length - 1;
  while (body[i] === '[') {
    const close = body.indexOf(']', i + 1);
    if (close === -1) return { ok: false, reason: 'format', detail: 'an unterminated [ block' };
    blocks.push(body.slice(i + 1, close));
    i = close + 1;
  }
  const ts = parseTimestamp(body.slice(i));
  if (ts === 'bad') return { ok: false, reason: 'format', detail: 'the text after the data is not a _HH:MM:SS,MM-DD-YYYY timestamp' };
  if (ts !== null && (ts < now - SKEW_PAST_MS || ts > now + SKEW_FUTURE_MS)) {
    return { ok: false, reason: 'timestamp', detail: 'the message timestamp is outside the accepted window (-40 s, +20 s)' };
  }
  const [, star, id = '', seq = '', receiver, prefix, account] = h;
  return {
    ok: true,
    message: {
      id,
      encrypted: star === '*',
      seq,
      receiver: receiver ?? null,
      prefix: prefix ?? '0',
      account: (account ?? '0').toUpperCase(),
      data: blocks[0] ?? '',
      extended: blocks.slice(1),
      timestamp: ts,
    },
  };
}

function frameOf(body: string): Buffer {
  const len = body.length.toString(16).toUpperCase().padStart(3, '0');
  return Buffer.from(`\n${hex4(crc16(body))}0${len}${body}\r`, 'latin1');
}

/** `_HH:MM:SS,MM-DD-YYYY` in UTC. */
export function dc09Timestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `_${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())},${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${d.getUTCFullYear()}`;
}

function echo(word: 'ACK' | 'DUH', m: Dc09Message): Buffer {
  return frameOf(`"${word}"${m.seq}${m.receiver !== null ? `R${m.receiver}` : ''}L${m.prefix}#${m.account}[]`);
}

export const ackFor = (m: Dc09Message): Buffer => echo('ACK', m);
export const duhFor = (m: Dc09Message): Buffer => echo('DUH', m);
export const nakAt = (now: number): Buffer => frameOf(`"NAK"0000R0L0A0[]${dc09Timestamp(now)}`);

/** Builds a frame as a panel would (tests and the simulator). */
export function buildFrame(body: string): Buffer {
  return frameOf(body);
}

/** Splits a TCP byte stream into LF…CR frames; returns the frames and the unfinished rest. */
export function splitFrames(buffer: Buffer): { frames: Buffer[]; rest: Buffer } {
  const frames: Buffer[] = [];
  let from = 0;
  for (;;) {
    const cr = buffer.indexOf(CR, from);
    if (cr === -1) break;
    let lf = buffer.lastIndexOf(LF, cr);
    if (lf < from) lf = from;
    frames.push(buffer.subarray(lf, cr + 1));
    from = cr + 1;
  }
  return { frames, rest: buffer.subarray(from) };
}
