import { describe, expect, it } from 'vitest';
import { ackFor, buildFrame, crc16, dc09Timestamp, duhFor, nakAt, parseFrame, splitFrames, type Dc09Message } from './sia-dc09.js';

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

  it('marks encrypted messages', () => {
    expect(ok(buildFrame('"*SIA-DCS"5994L0#AAA[5AB718E008C616BF16F6468033A11326]')).encrypted).toBe(true);
  });
});

describe('responses', () => {
  it('ACK echoes sequence, receiver, prefix and account with empty data, framed with CRC and length', () => {
    const ack = ackFor(ok(SPEC_CID)).toString('latin1');
    const body = '"ACK"9876R579BDFL789ABC#12345A[]';
    expect(ack).toBe(`\n${crc16(body).toString(16).toUpperCase().padStart(4, '0')}0${body.length.toString(16).toUpperCase().padStart(3, '0')}${body}\r`);
    expect(parseFrame(Buffer.from(ack, 'latin1'), NOW).ok).toBe(true);
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
