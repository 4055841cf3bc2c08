import { describe, expect, it } from 'vitest';
import { toLine } from '../../bench/peer-influx.js';
import { rawEvent } from '../../bench/e2e.js';

describe('bench peer: events as InfluxDB line protocol', () => {
  it('writes device and kind as tags, the id and data as typed fields, the time in nanoseconds', () => {
    const line = toLine({ id: 'lpr-0003-00000001', device: 'lpr-0003', kind: 'lpr.read', data: { plate: 'AB31CD', confidence: 0.9, ok: true } }, '1764201600000000042');
    expect(line).toBe('events,device=lpr-0003,kind=lpr.read id="lpr-0003-00000001",plate="AB31CD",confidence=0.9,ok=true 1764201600000000042');
  });

  it('escapes what line protocol gives meaning to, in tags, field keys and string fields', () => {
    const line = toLine({ id: 'a"b\\c', device: 'gate 1,north=x', kind: 'k', data: { 'my key': 'say "hi"', nested: { a: 1 } }, tags: { zone: null, site: 'old town' } }, '1');
    expect(line).toBe('events,device=gate\\ 1\\,north\\=x,kind=k,site=old\\ town id="a\\"b\\\\c",my\\ key="say \\"hi\\"",nested="{\\"a\\":1}" 1');
  });

  it('keeps an event without id or data a valid point (one field at least)', () => {
    expect(toLine({ id: null, device: 'd', kind: 'device.heartbeat', data: {} }, '5')).toBe('events,device=d,kind=device.heartbeat n=1 5');
  });

  it('carries every field of the (e) stream, plates in clear as the peer stores them', () => {
    for (let d = 0; d < 5; d++) {
      const raw = JSON.parse(rawEvent(d, 3, 1_764_201_600_000)) as { id: string; device: string; kind: string; data: Record<string, unknown> };
      const line = toLine(raw, '1');
      expect(line.startsWith(`events,device=${raw.device},kind=${raw.kind} id="${raw.id}"`)).toBe(true);
      for (const k of Object.keys(raw.data)) expect(line).toContain(`,${k}=`);
    }
    expect(toLine(JSON.parse(rawEvent(3, 1, 0)) as never, '1')).toContain('plate="AB31CD"');
  });
});
