/**
 * A panel's side of DC-09 encryption, for tests only: written from ANSI/SIA DC-09-2013 §5.4 with
 * Node's cipher directly, independently of sia-crypto.ts, so a round trip checks the receiver
 * against the standard rather than against itself. Pads are binary (0–255 except "|", "[", "]"),
 * as §5.4.4.2 allows, where the receiver sends printable ones.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { buildFrame, crc16 } from './sia-dc09.js';

const aes = (keyHex: string): { key: Buffer; name: string } => {
  const key = Buffer.from(keyHex, 'hex');
  return { key, name: `aes-${key.length * 8}-cbc` };
};

/** Encrypts whole 16-byte blocks with an all-zero IV and no padding of the cipher's own → upper-case hex. */
export function encryptHex(plain: Buffer, keyHex: string): string {
  const { key, name } = aes(keyHex);
  const c = createCipheriv(name, key, Buffer.alloc(16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(plain), c.final()]).toString('hex').toUpperCase();
}

export function decryptHex(hex: string, keyHex: string): Buffer {
  const { key, name } = aes(keyHex);
  const d = createDecipheriv(name, key, Buffer.alloc(16));
  d.setAutoPadding(false);
  return Buffer.concat([d.update(Buffer.from(hex, 'hex')), d.final()]);
}

/** A random pad of `n` bytes, none of them "|", "[" or "]". */
export function binaryPad(n: number): Buffer {
  const out = randomBytes(n);
  for (let i = 0; i < n; i++) while (out[i] === 0x7c || out[i] === 0x5b || out[i] === 0x5d) out[i] = randomBytes(1)[0] ?? 0;
  return out;
}

export interface SealedPanelMessage {
  /** Without the "*": SIA-DCS, ADM-CID, NULL. */
  readonly id: string;
  readonly seq: string;
  /** `[R<rcvr>]L<pref>#<acct>`. */
  readonly route: string;
  /** What follows the pad's "|": `data]` + extended blocks + timestamp. */
  readonly content: string;
  readonly keyHex: string;
  /** A chosen pad; by default a random binary one of the length §5.4.4.3 asks for (1–16 bytes). */
  readonly pad?: Buffer;
}

/** The frame a panel sends: `"*id"seq route [hex(AES(pad|content))`. */
export function sealedFrame(m: SealedPanelMessage): Buffer {
  const body = Buffer.from(`|${m.content}`, 'latin1');
  const pad = m.pad ?? binaryPad(16 - (body.length % 16));
  return buildFrame(`"*${m.id}"${m.seq}${m.route}[${encryptHex(Buffer.concat([pad, body]), m.keyHex)}`);
}

/** Any plaintext of whole blocks, sealed under the header: for malformed regions. */
export function sealedRawFrame(header: string, plain: Buffer, keyHex: string): Buffer {
  return buildFrame(`${header}[${encryptHex(plain, keyHex)}`);
}

export interface OpenedAnswer {
  readonly word: string;
  readonly encrypted: boolean;
  /** seq + route, e.g. `0001R1L0#1234`. */
  readonly header: string;
  /** The decrypted region of an encrypted answer (pad included), or the clear text after "[". */
  readonly region: string;
}

/** Reads a receiver's answer as the panel would: checks CRC and length, decrypts "*ACK". */
export function openAnswer(answer: string, keyHex: string): OpenedAnswer {
  const m = /^\n([0-9A-F]{4})0([0-9A-F]{3})(.*)\r$/s.exec(answer);
  if (!m) throw new Error(`not a DC-09 frame: ${JSON.stringify(answer)}`);
  const [, crc = '', len = '', body = ''] = m;
  if (parseInt(len, 16) !== body.length) throw new Error('answer length field is wrong');
  if (parseInt(crc, 16) !== crc16(body)) throw new Error('answer CRC is wrong');
  const h = /^"(\*?)([A-Z]{3})"([^[]*)\[(.*)$/s.exec(body);
  if (!h) throw new Error(`not a DC-09 answer: ${body}`);
  const [, star = '', word = '', header = '', rest = ''] = h;
  return { word, encrypted: star === '*', header, region: star === '*' ? decryptHex(rest, keyHex).toString('latin1') : rest };
}
