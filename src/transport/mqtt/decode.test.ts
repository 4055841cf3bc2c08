import { describe, expect, it } from 'vitest';
import { ParapetError } from '../../core/errors.js';
import { decodeEvents, decodeHeartbeat, type PayloadLimits } from './decode.js';

const limits: PayloadLimits = { maxDepth: 8, maxString: 64, maxBatch: 3, maxBytes: 1024 };
const buf = (s: string) => Buffer.from(s, 'utf8');

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ParapetError) return err.code;
    throw err;
  }
  return 'none';
}

describe('MQTT payload decoding', () => {
  it('turns one event or an array into inputs whose device is fixed by the topic', () => {
    expect(decodeEvents(buf('{"kind":"camera.motion","device":"other"}'), 'cam-1', limits)).toEqual([{ item: { kind: 'camera.motion', device: 'other' }, device: 'cam-1' }]);
    expect(decodeEvents(buf('[{"a":1},{"b":2}]'), 'cam-1', limits).map((i) => i.device)).toEqual(['cam-1', 'cam-1']);
  });

  it('applies the ingest bounds: size, batch, depth, string length, syntax, encoding', () => {
    expect(codeOf(() => decodeEvents(Buffer.alloc(1025, 0x20), 'd', limits))).toBe('payload_too_large');
    expect(codeOf(() => decodeEvents(buf('[{},{},{},{}]'), 'd', limits))).toBe('batch_too_large');
    expect(codeOf(() => decodeEvents(buf('['.repeat(100_000)), 'd', { ...limits, maxBytes: 1 << 20 }))).toBe('json_too_deep');
    expect(codeOf(() => decodeEvents(buf(`{"s":"${'x'.repeat(65)}"}`), 'd', limits))).toBe('string_too_long');
    expect(codeOf(() => decodeEvents(buf('{nope'), 'd', limits))).toBe('invalid_json');
    expect(codeOf(() => decodeEvents(Buffer.from([0x7b, 0xff, 0x7d]), 'd', limits))).toBe('invalid_json');
    expect(codeOf(() => decodeEvents(buf('  '), 'd', limits))).toBe('invalid_json');
  });

  it('makes an empty heartbeat a device.heartbeat event stamped now', () => {
    expect(decodeHeartbeat(Buffer.alloc(0), 'cam-1', 1234, limits)).toEqual([{ item: { kind: 'device.heartbeat', ts: 1234, data: {} }, device: 'cam-1' }]);
  });

  it('carries heartbeat fields and refuses a heartbeat that is not an object', () => {
    const [input] = decodeHeartbeat(buf('{"uptime_s":5,"firmware":"1.2"}'), 'cam-1', 1, limits);
    expect(input?.item).toEqual({ kind: 'device.heartbeat', ts: 1, data: { uptime_s: 5, firmware: '1.2' } });
    expect(codeOf(() => decodeHeartbeat(buf('[1]'), 'cam-1', 1, limits))).toBe('invalid_event');
    expect(codeOf(() => decodeHeartbeat(buf('7'), 'cam-1', 1, limits))).toBe('invalid_event');
  });
});
