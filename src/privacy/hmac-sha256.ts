/**
 * HMAC-SHA-256 (RFC 2104, FIPS 180-4) with the key's inner and outer midstates computed once.
 *
 * Why by hand: every identifier of every event is pseudonymised on the main thread, and Node's
 * `createHmac` re-hashes the padded key twice and builds a native object per call (~4.8 µs on
 * this machine; a KeyObject key or two one-shot `crypto.hash` calls ~3.5 µs). Node exposes no
 * midstate, and the library that does (@noble/hashes' `hmac.clone()`) measured 4.3–7 µs here.
 * Starting from the stored midstates, an identifier (one 64-byte block) costs two compressions:
 * ~1.4 µs. The output is byte-for-byte HMAC-SHA-256: property-tested against `node:crypto` over
 * random keys and lengths 0–300, and the RFC 4231 vectors.
 *
 * A midstate is as secret as the key it came from: `destroy()` zeroes it, and the keyring calls it
 * wherever it zeroes the key (crypto-shredding).
 */

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const BLOCK = 64;

// Scratch space: the hub's main thread is single-threaded and `mac` never yields, so one set serves all keys.
const W = new Int32Array(64);
const H = new Int32Array(8);
const PAD = new Uint8Array(2 * BLOCK);

/** One SHA-256 compression of the 64 bytes at `block[off]` into the state `h`. */
function compress(h: Int32Array, block: Uint8Array, off: number): void {
  const w = W;
  for (let i = 0; i < 16; i++) {
    const j = off + i * 4;
    w[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, k = h[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (k + s1 + ch + K[i]! + w[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    k = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + ((s0 + maj) | 0)) | 0;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
  h[5] = (h[5]! + f) | 0;
  h[6] = (h[6]! + g) | 0;
  h[7] = (h[7]! + k) | 0;
}

/**
 * Hashes `msg[0..len)` onward from state `h`, where `prefix` bytes (whole blocks) were already
 * compressed into it: message blocks, then the final padding with the total bit length.
 */
function finish(h: Int32Array, msg: Uint8Array, len: number, prefix: number): void {
  let off = 0;
  for (; off + BLOCK <= len; off += BLOCK) compress(h, msg, off);
  const rest = len - off;
  const blocks = rest < 56 ? 1 : 2;
  const pad = PAD;
  pad.fill(0, 0, blocks * BLOCK);
  for (let i = 0; i < rest; i++) pad[i] = msg[off + i]!;
  pad[rest] = 0x80;
  // Bit length as a 64-bit big-endian integer; messages here are far below 2^53 bits.
  const bits = (prefix + len) * 8;
  const end = blocks * BLOCK;
  const hi = Math.floor(bits / 0x100000000);
  pad[end - 8] = hi >>> 24;
  pad[end - 7] = hi >>> 16;
  pad[end - 6] = hi >>> 8;
  pad[end - 5] = hi;
  pad[end - 4] = bits >>> 24;
  pad[end - 3] = bits >>> 16;
  pad[end - 2] = bits >>> 8;
  pad[end - 1] = bits;
  compress(h, pad, 0);
  if (blocks === 2) compress(h, pad, BLOCK);
}

const DIGEST = new Uint8Array(32);

function writeState(h: Int32Array, out: Uint8Array): void {
  for (let i = 0; i < 8; i++) {
    const v = h[i]!;
    out[i * 4] = v >>> 24;
    out[i * 4 + 1] = v >>> 16;
    out[i * 4 + 2] = v >>> 8;
    out[i * 4 + 3] = v;
  }
}

export class HmacSha256Key {
  /** State after the inner (key ⊕ ipad) and outer (key ⊕ opad) blocks. */
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  private destroyed = false;

  constructor(key: Uint8Array) {
    const block = new Uint8Array(BLOCK);
    if (key.length > BLOCK) {
      H.set(IV);
      finish(H, key, key.length, 0);
      writeState(H, block);
    } else block.set(key);
    for (let i = 0; i < BLOCK; i++) block[i]! ^= 0x36;
    this.inner.set(IV);
    compress(this.inner, block, 0);
    for (let i = 0; i < BLOCK; i++) block[i]! ^= 0x36 ^ 0x5c;
    this.outer.set(IV);
    compress(this.outer, block, 0);
    block.fill(0);
    W.fill(0);
  }

  /** HMAC-SHA-256 of `msg[0..len)` (default: all of it), 32 bytes, into a new Buffer. */
  mac(msg: Uint8Array, len: number = msg.length): Buffer {
    if (this.destroyed) throw new Error('HMAC key destroyed');
    H.set(this.inner);
    finish(H, msg, len, BLOCK);
    writeState(H, DIGEST);
    H.set(this.outer);
    finish(H, DIGEST, 32, BLOCK);
    const out = Buffer.allocUnsafe(32);
    writeState(H, out);
    return out;
  }

  /** Zeroes the midstates (and the shared scratch); the key can no longer be used. */
  destroy(): void {
    this.inner.fill(0);
    this.outer.fill(0);
    H.fill(0);
    W.fill(0);
    PAD.fill(0);
    DIGEST.fill(0);
    this.destroyed = true;
  }
}
