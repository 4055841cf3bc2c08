import { describe, expect, it } from 'vitest';
import { safeEvent } from '../store-events.contract.js';
import { encodeBatch, NO_ZONE, REF_DEVICE, REF_KIND, REF_SITE, REF_ZONE, transferables } from './batch.js';

describe('encodeBatch', () => {
  it('sends each distinct name once and refers to it by index, zone null as NO_ZONE', () => {
    const events = [
      safeEvent({ device: 'cam-1', site: 'harbour', zone: 'gate', kind: 'camera.motion' }),
      safeEvent({ device: 'cam-2', site: 'harbour', zone: null, kind: 'camera.motion' }),
      safeEvent({ device: 'cam-1', site: 'harbour', zone: 'gate', kind: 'device.heartbeat' }),
    ];
    const b = encodeBatch(events, []);
    expect(b.n).toBe(3);
    expect(new Set(b.names).size).toBe(b.names.length);
    const at = (i: number, slot: number): string | null => {
      const r = b.refs[4 * i + slot]!;
      return r === NO_ZONE ? null : b.names[r]!;
    };
    events.forEach((e, i) => {
      expect([at(i, REF_DEVICE), at(i, REF_SITE), at(i, REF_ZONE), at(i, REF_KIND)]).toEqual([e.device, e.site, e.zone, e.kind]);
      expect(b.ts[i]).toBe(e.ts);
      expect(b.data[i]).toBe(JSON.stringify(e.data));
    });
    expect(b.names.filter((n) => n === 'harbour')).toHaveLength(1);
    expect(transferables(b)).toEqual([b.ts.buffer, b.rcv.buffer, b.refs.buffer]);
  });
});
