import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HmacSha256Key } from './hmac-sha256.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

describe('HmacSha256Key', () => {
  // RFC 4231 test cases 1, 2, 4, 6 and 7 (6 and 7: keys longer than a block, and a 152-byte message).
  const vectors: Array<[Buffer, Buffer, string]> = [
    [Buffer.alloc(20, 0x0b), Buffer.from('Hi There'), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
    [Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
    [hex('0102030405060708090a0b0c0d0e0f10111213141516171819'), Buffer.alloc(50, 0xcd), '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b'],
    [Buffer.alloc(131, 0xaa), Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First'), '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54'],
    [
      Buffer.alloc(131, 0xaa),
      Buffer.from('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.'),
      '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    ],
  ];

  it.each(vectors.map((v, i) => [i, ...v] as const))('matches RFC 4231 vector %i', (_i, key, msg, expected) => {
    expect(new HmacSha256Key(key).mac(msg).toString('hex')).toBe(expected);
  });

  it('equals node:crypto HMAC-SHA-256 for any key and message, across block and padding boundaries', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 150 }), fc.uint8Array({ minLength: 0, maxLength: 300 }), (key, msg) => {
        const expected = createHmac('sha256', key).update(msg).digest();
        expect(new HmacSha256Key(key).mac(msg).equals(expected)).toBe(true);
      }),
      { numRuns: 600 },
    );
    // Every length around the one- and two-block padding edges, with one key.
    const key = new HmacSha256Key(Buffer.alloc(32, 9));
    for (let len = 0; len <= 200; len++) {
      const msg = Buffer.alloc(len, len & 0xff);
      expect(key.mac(msg).equals(createHmac('sha256', Buffer.alloc(32, 9)).update(msg).digest())).toBe(true);
    }
  });

  it('hashes only the first len bytes when given a length', () => {
    const key = new HmacSha256Key(Buffer.alloc(32, 3));
    const buf = Buffer.from('plate:AB123-and-garbage-after');
    expect(key.mac(buf, 11).equals(createHmac('sha256', Buffer.alloc(32, 3)).update(buf.subarray(0, 11)).digest())).toBe(true);
  });

  it('keeps keys apart when used interleaved (shared scratch state)', () => {
    const a = new HmacSha256Key(Buffer.alloc(32, 1));
    const b = new HmacSha256Key(Buffer.alloc(32, 2));
    const msg = Buffer.from('AB123');
    const first = a.mac(msg);
    b.mac(msg);
    expect(a.mac(msg).equals(first)).toBe(true);
    expect(b.mac(msg).equals(first)).toBe(false);
  });

  it('refuses to work once destroyed', () => {
    const key = new HmacSha256Key(Buffer.alloc(32, 1));
    key.destroy();
    expect(() => key.mac(Buffer.from('x'))).toThrow(/destroyed/);
  });
});
