import { describe, expect, it } from 'vitest';
import { parseDc09Key, type Dc09Key } from './sia-crypto.js';
import { ackFor, buildFrame, crc16, dc09Timestamp, duhFor, nakAt, parseFrame, sealedAckFor, splitFrames, type Dc09KeyOf, type Dc09Message } from './sia-dc09.js';
import { openAnswer, sealedFrame, sealedRawFrame } from './sia-dc09-test-panel.js';

/** The two examples printed in ANSI/SIA DC-09-2013 (CRC and length as published). */
const SPEC_CID = '\n87CD0037"ADM-CID"9876R579BDFL789ABC#12345A[#12345A|1110 00 129]\r';
const SPEC_SIA = '\nCE110032"SIA-DCS"9876R579BDFL789ABC#12345A[#12345A|NFA129]\r';
const NOW = Date.UTC(2026, 10, 26, 10, 0, 0);
const frame = (s: string) => Buffer.from(s, 'latin1');
const ok = (s: string | Buffer, now = NOW): Dc09Message => {
  const r = parseFrame(typeof s === 'string' ? frame(s) : s, now);
  if (!r.ok) throw new Error(`expected a message, got ${r.reason}: ${r.detail}`);
  return r.message;
};

describe('CRC-16 (ARC: poly 0x8005 reflected, init 0)', () => {
  it('gives the standard check value for "123456789"', () => {
    expect(crc16('123456789')).toBe(0xbb3d);
  });

  it("reproduces the CRCs of the standard's own examples", () => {
    expect(crc16('"ADM-CID"9876R579BDFL789ABC#12345A[#12345A|1110 00 129]')).toBe(0x87cd);
    expect(crc16('"SIA-DCS"9876R579BDFL789ABC#12345A[#12345A|NFA129]')).toBe(0xce11);
  });
});

describe('parseFrame', () => {
  it('reads the header fields of the DC-09 Contact ID example', () => {
    expect(ok(SPEC_CID)).toEqual({
      id: 'ADM-CID',
      encrypted: false,
      seq: '9876',
      receiver: '579BDF',
      prefix: '789ABC',
      account: '12345A',
      data: '#12345A|1110 00 129',
      extended: [],
      timestamp: null,
    });
    expect(ok(SPEC_SIA).data).toBe('#12345A|NFA129');
  });

  it('accepts a frame without its LF and CR (one UDP datagram)', () => {
    expect(ok(SPEC_CID.trim()).seq).toBe('9876');
  });

  it('refuses a flipped byte as a CRC error', () => {
    const bad = SPEC_CID.replace('1110 00 129', '1110 00 128');
    expect(parseFrame(frame(bad), NOW)).toMatchObject({ ok: false, reason: 'crc' });
  });

  it('refuses a body whose length differs from the 0LLL field', () => {
    const bad = SPEC_CID.replace('0037', '0038');
    expect(parseFrame(frame(bad), NOW)).toMatchObject({ ok: false, reason: 'length' });
  });

  it('refuses garbage and a frame with no hex header as format errors, never throwing', () => {
    for (const junk of ['', '\n\r', 'this is not a parsable event', '\nZZZZ0003abc\r', '\u0000\u0001\u00ff']) {
      expect(parseFrame(frame(junk), NOW)).toMatchObject({ ok: false, reason: 'format' });
    }
  });

  it('reads a timestamp and extended data blocks', () => {
    const m = ok(buildFrame(`"SIA-DCS"0042L0#AAA[#AAA|Nri1/FA015][X-9.0952W38.7681][M0026B9E4268B]${dc09Timestamp(NOW - 5_000)}`));
    expect(m.timestamp).toBe(NOW - 5_000);
    expect(m.extended).toEqual(['X-9.0952W38.7681', 'M0026B9E4268B']);
    expect(m.receiver).toBeNull();
  });

  it('refuses a timestamp outside the -40 s / +20 s window', () => {
    for (const [offset, okay] of [
      [-39_000, true],
      [-41_000, false],
      [19_000, true],
      [21_000, false],
    ] as const) {
      const r = parseFrame(buildFrame(`"SIA-DCS"0001L0#AAA[#AAA|NFA001]${dc09Timestamp(NOW + offset)}`), NOW);
      expect(r.ok, `offset ${offset}`).toBe(okay);
      if (!r.ok) expect(r.reason).toBe('timestamp');
    }
  });

  it('refuses an impossible date rather than rolling it over', () => {
    const r = parseFrame(buildFrame('"SIA-DCS"0001L0#AAA[#AAA|NFA001]_10:00:00,02-31-2026'), NOW);
    expect(r).toMatchObject({ ok: false, reason: 'format' });
  });

  it('refuses an encrypted message for an account with no key as no_key, keeping its header for the DUH', () => {
    const r = parseFrame(buildFrame('"*SIA-DCS"5994L0#AAA[5AB718E008C616BF16F6468033A11326B0F7546CAB230910BCA10E4DEBA42283C436E4F8EFF50931070DDE36D5BB5F0C'), NOW);
    expect(r).toMatchObject({ ok: false, reason: 'no_key', header: { id: 'SIA-DCS', encrypted: true, seq: '5994', account: 'AAA', prefix: '0', receiver: null } });
  });
});

const KEYS: Record<string, string> = {
  '1234': '00112233445566778899AABBCCDDEEFF',
  C0DE: '000102030405060708090a0b0c0d0e0f1011121314151617',
  '5EA1': '603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4',
  /** pysiaalarm's test key, the ASCII "AAAAAAAAAAAAAAAA" (tests/test_utils.py). */
  AAAB: '41'.repeat(16),
};
const keyOf: Dc09KeyOf = (account) => {
  const hex = KEYS[account];
  return hex === undefined ? undefined : (parseDc09Key(hex) ?? undefined);
};
const sealed = (r: ReturnType<typeof parseFrame>): Dc09Message => {
  if (!r.ok) throw new Error(`expected a message, got ${r.reason}: ${r.detail}`);
  return r.message;
};
const TS = dc09Timestamp(NOW);

describe('parseFrame, encrypted (DC-09 §5.4)', () => {
  it('opens Contact ID under AES-128, -192 and -256 as the clear message would read', () => {
    for (const [account, hex] of [['1234', KEYS['1234']], ['C0DE', KEYS.C0DE], ['5EA1', KEYS['5EA1']]] as const) {
      const clear = ok(buildFrame(`"ADM-CID"0042R1L0#${account}[#${account}|1130 01 015][X-9.0952W38.7681]${TS}`));
      const frame = sealedFrame({ id: 'ADM-CID', seq: '0042', route: `R1L0#${account}`, content: `#${account}|1130 01 015][X-9.0952W38.7681]${TS}`, keyHex: hex ?? '' });
      expect(sealed(parseFrame(frame, NOW, keyOf)), account).toEqual({ ...clear, encrypted: true });
    }
  });

  it("reads pysiaalarm's captured encrypted NULL (known answer; its pad has no \"|\")", () => {
    const frame = buildFrame('"*NULL"0000R0L0#AAAB[B4BC8B40D0E6D959D6BEA78E88CC0B2155741A3C44FBB96D476A3E557CAD64D9');
    const now = Date.UTC(2020, 6, 5, 18, 24, 52);
    expect(sealed(parseFrame(frame, now + 10_000, keyOf))).toEqual({
      id: 'NULL',
      encrypted: true,
      seq: '0000',
      receiver: '0',
      prefix: '0',
      account: 'AAAB',
      data: '',
      extended: [],
      timestamp: now,
    });
  });

  it('reads a Contact ID burglary encrypted by openssl (known answer)', () => {
    // openssl enc -aes-256-cbc -nopad -iv 0…0 of "QWERTYUIO|#1234|1130 01 015]_10:00:00,11-26-2026" (sia-crypto.test.ts).
    const frame = buildFrame('"*ADM-CID"0001L0#5EA1[5DB7430E47DB42CE0C21CD936266C46E4C012466CE829A8AFBFB51AC16D34C020F96E470EEA13CD3C6ECB5E4F96BBB56');
    expect(sealed(parseFrame(frame, NOW, keyOf))).toMatchObject({ id: 'ADM-CID', encrypted: true, account: '5EA1', data: '#1234|1130 01 015', timestamp: NOW });
  });

  it('refuses a wrong key and a bad pad as decrypt (DUH), with the header', () => {
    const content = `#1234|1110 00 001]${TS}`;
    const wrong = sealedFrame({ id: 'ADM-CID', seq: '0002', route: 'L0#1234', content, keyHex: KEYS.C0DE ?? '', pad: Buffer.from('abcdefghi') });
    expect(parseFrame(wrong, NOW, keyOf)).toMatchObject({ ok: false, reason: 'decrypt', header: { seq: '0002', account: '1234', encrypted: true } });
    const bracketInPad = sealedRawFrame('"*ADM-CID"0003L0#1234', Buffer.from(`a[cdefghi|${content}`, 'latin1'), KEYS['1234'] ?? '');
    expect(parseFrame(bracketInPad, NOW, keyOf)).toMatchObject({ ok: false, reason: 'decrypt' });
    const noBar = sealedRawFrame('"*SIA-DCS"0004L0#1234', Buffer.from(`abcdefghijklmnopqNri1/BA015]${TS}`, 'latin1'), KEYS['1234'] ?? '');
    expect(parseFrame(noBar, NOW, keyOf)).toMatchObject({ ok: false, reason: 'decrypt' });
    const noClose = sealedFrame({ id: 'ADM-CID', seq: '0005', route: 'L0#1234', content: '#1234|1110 00 001', keyHex: KEYS['1234'] ?? '' });
    expect(parseFrame(noClose, NOW, keyOf)).toMatchObject({ ok: false, reason: 'decrypt' });
  });

  it('refuses an encrypted message without a timestamp, or outside the window, as timestamp (NAK)', () => {
    const at = (content: string) => parseFrame(sealedFrame({ id: 'SIA-DCS', seq: '0006', route: 'L0#1234', content, keyHex: KEYS['1234'] ?? '' }), NOW, keyOf);
    expect(at('#1234|Nri1/BA015]')).toMatchObject({ ok: false, reason: 'timestamp' });
    expect(at(']')).toMatchObject({ ok: false, reason: 'timestamp' });
    expect(at(`#1234|Nri1/BA015]${dc09Timestamp(NOW - 41_000)}`)).toMatchObject({ ok: false, reason: 'timestamp' });
    expect(at(`#1234|Nri1/BA015]${dc09Timestamp(NOW + 21_000)}`)).toMatchObject({ ok: false, reason: 'timestamp' });
    expect(at(`#1234|Nri1/BA015]${dc09Timestamp(NOW - 39_000)}`).ok).toBe(true);
  });

  it('refuses ciphertext that is not whole blocks of hex as a format error (NAK)', () => {
    for (const tail of ['', 'ABC', '5AB718E008C616BF16F6468033A1132', '5AB718E008C616BF16F6468033A11326]', 'XYZ718E008C616BF16F6468033A11326']) {
      expect(parseFrame(buildFrame(`"*SIA-DCS"0007L0#1234[${tail}`), NOW, keyOf), tail).toMatchObject({ ok: false, reason: 'format' });
    }
  });

  it('never throws on noise ciphertext under a real key, and never takes it for a message', () => {
    let seed = 0x2545f491; // a fixed LCG (Numerical Recipes constants): the same noise every run
    const byte = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) >>> 24;
    for (let i = 0; i < 500; i++) {
      const hex = Buffer.from(Array.from({ length: 16 * (1 + (i % 4)) }, byte)).toString('hex');
      const r = parseFrame(buildFrame(`"*ADM-CID"0008L0#1234[${hex}`), NOW, keyOf);
      expect(r.ok).toBe(false);
    }
  });
});

describe('responses', () => {
  it('ACK echoes sequence, receiver, prefix and account with empty data, framed with CRC and length', () => {
    const ack = ackFor(ok(SPEC_CID)).toString('latin1');
    const body = '"ACK"9876R579BDFL789ABC#12345A[]';
    expect(ack).toBe(`\n${crc16(body).toString(16).toUpperCase().padStart(4, '0')}0${body.length.toString(16).toUpperCase().padStart(3, '0')}${body}\r`);
    expect(parseFrame(Buffer.from(ack, 'latin1'), NOW).ok).toBe(true);
  });

  it('the ACK to an encrypted message is "*ACK" whose sealed region is pad|] and the receiver time', () => {
    const key = keyOf('C0DE') as Dc09Key;
    const m = sealed(parseFrame(sealedFrame({ id: 'ADM-CID', seq: '0042', route: 'R1L0#C0DE', content: `#C0DE|1130 01 015]${TS}`, keyHex: KEYS.C0DE ?? '' }), NOW, keyOf));
    const ack = sealedAckFor(m, key, NOW + 1000).toString('latin1');
    const opened = openAnswer(ack, KEYS.C0DE ?? '');
    expect(opened).toMatchObject({ word: 'ACK', encrypted: true, header: '0042R1L0#C0DE' });
    expect(opened.region).toMatch(/^[A-Za-z0-9]{1,16}\|\]_10:00:01,11-26-2026$/);
    expect(opened.region.length % 16).toBe(0);
    // Our own parser reads it back too: an ACK is a DC-09 frame like any other.
    expect(sealed(parseFrame(Buffer.from(ack, 'latin1'), NOW, keyOf))).toMatchObject({ id: 'ACK', encrypted: true, seq: '0042', data: '', timestamp: NOW + 1000 });
  });

  it('DUH has the ACK layout', () => {
    expect(duhFor(ok(SPEC_SIA)).toString('latin1')).toContain('"DUH"9876R579BDFL789ABC#12345A[]');
  });

  it('NAK carries 0000R0L0A0 and the receiver time', () => {
    const nak = nakAt(NOW).toString('latin1');
    expect(nak).toContain('"NAK"0000R0L0A0[]_10:00:00,11-26-2026');
    expect(nak.startsWith('\n') && nak.endsWith('\r')).toBe(true);
  });
});

describe('splitFrames', () => {
  it('splits a stream at CR and keeps an unfinished frame for later', () => {
    const a = frame(SPEC_CID);
    const b = frame(SPEC_SIA);
    const { frames, rest } = splitFrames(Buffer.concat([a, b, b.subarray(0, 10)]));
    expect(frames.map((f) => f.toString('latin1'))).toEqual([SPEC_CID, SPEC_SIA]);
    expect(rest.toString('latin1')).toBe(SPEC_SIA.slice(0, 10));
  });
});
