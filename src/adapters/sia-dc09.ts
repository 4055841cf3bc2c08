/**
 * SIA DC-09 framing (ANSI/SIA DC-09-2013, "Internet Protocol Event Reporting"), clear and encrypted.
 *
 *   <LF><crc><0LLL><"id"><seq>[R<rcvr>]L<pref>#<acct>[<data>][<x-data>]…[_HH:MM:SS,MM-DD-YYYY]<CR>
 *   <LF><crc><0LLL><"*id"><seq>[R<rcvr>]L<pref>#<acct>[<hex of AES(pad|data][x-data]…_timestamp)><CR>
 *
 * - crc:  4 upper-case hex digits, CRC-16/ARC (polynomial 0x8005 reflected = 0xA001, initial 0)
 *         over every byte from the opening quote of the id through the end of the timestamp (for an
 *         encrypted message, through the last hex digit);
 * - 0LLL: '0' and 3 hex digits, the length of that same span;
 * - id:   "SIA-DCS", "ADM-CID" (Contact ID) or "NULL" (link test); a leading '*' marks an
 *         encrypted message (§5.4, sia-crypto.ts), whose region after "[" is AES-CBC hex;
 * - seq:  4 decimal digits; rcvr and pref 1–6 hex digits; acct 3–16 hex digits;
 * - timestamp: UTC; optional for unencrypted messages and required for encrypted ones (§5.5.2.1),
 *         checked against a window of 40 s in the past and 20 s in the future (§5.5.1.8; the
 *         window pysiaalarm and other receivers use).
 *
 * Responses (DC-09 §5.5.3): ACK echoes seq, rcvr, pref and acct with empty data, and to an
 * encrypted message is itself encrypted ("*ACK", its own pad and the receiver's timestamp); DUH is
 * the clear ACK layout for a message understood but not accepted; NAK, for a bad CRC, length,
 * format or time, is `"NAK"0000R0L0A0[]` with the receiver's timestamp, since no field of a bad
 * message is trusted, and "is never encrypted" (§5.5.3.2).
 */
import { isCipherHex, openRegion, sealRegion, type Dc09Key } from './sia-crypto.js';

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

/** The clear header of a frame: all a DUH or ACK echoes. */
export interface Dc09Header {
  readonly id: string;
  readonly encrypted: boolean;
  readonly seq: string;
  /** Without their letters; receiver is null when absent. */
  readonly receiver: string | null;
  readonly prefix: string;
  readonly account: string;
}

export interface Dc09Message extends Dc09Header {
  /** The first bracketed block (the event data), without brackets. */
  readonly data: string;
  /** Further bracketed blocks (DC-09 extended data, e.g. `X…`, `Y…`, `M…`); kept only to be ignored. */
  readonly extended: readonly string[];
  /** Epoch ms of the message timestamp, or null when the message has none. */
  readonly timestamp: number | null;
}

/** Refusals answered NAK: nothing in the frame is trusted, the panel retransmits. */
export type Dc09NakReason = 'crc' | 'length' | 'format' | 'timestamp';
/**
 * Refusals answered DUH (§5.5.3.3, "unable to process an otherwise correctly received message"):
 * an encrypted message for an account with no key, or one that does not decrypt to a padded
 * DC-09 region with the configured key. A retransmission cannot succeed, so NAK would only
 * make the panel repeat it.
 */
export type Dc09DuhReason = 'no_key' | 'decrypt';

export type Dc09Parse =
  | { readonly ok: true; readonly message: Dc09Message }
  | { readonly ok: false; readonly reason: Dc09NakReason; readonly detail: string }
  | { readonly ok: false; readonly reason: Dc09DuhReason; readonly detail: string; readonly header: Dc09Header };

/** The key of an account, if it has one (accounts in upper case). */
export type Dc09KeyOf = (account: string) => Dc09Key | undefined;

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

const outsideWindow = (ts: number, now: number): boolean => ts < now - SKEW_PAST_MS || ts > now + SKEW_FUTURE_MS;
const WINDOW_DETAIL = 'the message timestamp is outside the accepted window (-40 s, +20 s)';

/** `[data][x…]…_timestamp` (starting at a "[") → blocks and timestamp, or what is wrong. */
function readContent(text: string): { blocks: string[]; ts: number | null } | string {
  // Brackets never nest in DC-09.
  const blocks: string[] = [];
  let i = 0;
  while (text[i] === '[') {
    const close = text.indexOf(']', i + 1);
    if (close === -1) return 'an unterminated [ block';
    blocks.push(text.slice(i + 1, close));
    i = close + 1;
  }
  const ts = parseTimestamp(text.slice(i));
  if (ts === 'bad') return 'the text after the data is not a _HH:MM:SS,MM-DD-YYYY timestamp';
  return { blocks, ts };
}

const messageOf = (header: Dc09Header, blocks: readonly string[], timestamp: number | null): Dc09Message => ({
  ...header,
  data: blocks[0] ?? '',
  extended: blocks.slice(1),
  timestamp,
});

/** Decrypts a sealed region with the account's key; the timestamp is required (§5.5.2.1.2). */
function openSealed(header: Dc09Header, hex: string, now: number, keyOf: Dc09KeyOf): Dc09Parse {
  const key = keyOf(header.account);
  if (key === undefined) return { ok: false, reason: 'no_key', detail: 'an encrypted message for an account with no key', header };
  const opened = openRegion(hex, key, header.id === 'NULL');
  if (!opened.ok) return { ok: false, reason: 'decrypt', detail: opened.detail, header };
  const content = readContent(`[${opened.content}`);
  if (typeof content === 'string') return { ok: false, reason: 'decrypt', detail: `after decryption, ${content}`, header };
  if (content.ts === null) return { ok: false, reason: 'timestamp', detail: 'an encrypted message must carry a timestamp' };
  if (outsideWindow(content.ts, now)) return { ok: false, reason: 'timestamp', detail: WINDOW_DETAIL };
  return { ok: true, message: messageOf(header, content.blocks, content.ts) };
}

/**
 * Parses one frame (with or without its LF/CR). `now` checks the timestamp window; `keyOf` gives
 * the key of an account whose encrypted messages are to be opened. Never throws: any input,
 * however hostile, is either a message or a reason to NAK or DUH.
 */
export function parseFrame(frame: Uint8Array, now: number, keyOf: Dc09KeyOf = () => undefined): Dc09Parse {
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
  const [, star, id = '', seq = '', receiver, prefix, account] = h;
  const header: Dc09Header = {
    id,
    encrypted: star === '*',
    seq,
    receiver: receiver ?? null,
    prefix: prefix ?? '0',
    account: (account ?? '0').toUpperCase(),
  };
  const rest = body.slice(h[0].length - 1);
  if (header.encrypted) {
    const hex = rest.slice(1);
    if (!isCipherHex(hex)) return { ok: false, reason: 'format', detail: 'an encrypted message carries whole AES blocks as hex digits after "["' };
    return openSealed(header, hex, now, keyOf);
  }
  const content = readContent(rest);
  if (typeof content === 'string') return { ok: false, reason: 'format', detail: content };
  if (content.ts !== null && outsideWindow(content.ts, now)) return { ok: false, reason: 'timestamp', detail: WINDOW_DETAIL };
  return { ok: true, message: messageOf(header, content.blocks, content.ts) };
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

const route = (m: Dc09Header): string => `${m.seq}${m.receiver !== null ? `R${m.receiver}` : ''}L${m.prefix}#${m.account}`;

/** ACK to a clear message (§5.5.3.1). */
export const ackFor = (m: Dc09Header): Buffer => frameOf(`"ACK"${route(m)}[]`);
/** ACK to an encrypted message: "*ACK", the empty data and the receiver's timestamp sealed with the account's key. */
export const sealedAckFor = (m: Dc09Header, key: Dc09Key, now: number): Buffer => frameOf(`"*ACK"${route(m)}[${sealRegion(`]${dc09Timestamp(now)}`, key)}`);
/** DUH, in the clear: it often answers a message that could not be decrypted (§5.5.3.3). */
export const duhFor = (m: Dc09Header): Buffer => frameOf(`"DUH"${route(m)}[]`);
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
