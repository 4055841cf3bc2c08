import { describe, expect, it } from 'vitest';
import { decodeContactId, mapSiaMessage } from './contact-id.js';
import { buildFrame, dc09Timestamp, parseFrame, type Dc09Message } from './sia-dc09.js';

const NOW = Date.UTC(2026, 10, 26, 10, 0, 0);
const msg = (body: string): Dc09Message => {
  const r = parseFrame(buildFrame(body), NOW);
  if (!r.ok) throw new Error(r.detail);
  return r.message;
};
const cid = (data: string, ts = '') => msg(`"ADM-CID"0007L0#1234[#1234|${data}]${ts}`);
const items = (m: Dc09Message) => mapSiaMessage(m, 'panel-1', NOW).items.map((i) => i.input.item as { kind: string; data: Record<string, unknown>; id?: string; ts: number });

describe('decodeContactId', () => {
  it('reads qualifier, event code, partition and zone', () => {
    expect(decodeContactId('#1234|1110 00 015')).toEqual({ qualifier: 1, code: 110, group: '00', zone: '015' });
    expect(decodeContactId('3113 02 004')).toEqual({ qualifier: 3, code: 113, group: '02', zone: '004' });
  });

  it('refuses anything but QEEE GG ZZZ', () => {
    for (const bad of ['1110 00 15', '2110 00 015', '1110-00-015', '', '#1234|']) expect(decodeContactId(bad)).toBeNull();
  });
});

describe('Contact ID → fire.* kinds', () => {
  it.each([
    ['1110 00 015', 'fire.alarm', { point: '015' }],
    ['1111 00 016', 'fire.alarm', { point: '016' }],
    ['1113 00 004', 'fire.waterflow', { point: '004' }],
    ['1200 00 021', 'fire.supervisory', { point: '021', condition: 'Fire supervisory' }],
    ['1203 00 022', 'fire.supervisory', { point: '022', condition: 'Gate valve sensor' }],
    ['1301 00 000', 'fire.trouble', { point: '000', condition: 'AC loss' }],
    ['1373 01 007', 'fire.trouble', { point: '01-007', condition: 'Fire trouble' }],
    ['3110 00 015', 'fire.restore', { point: '015' }],
    ['3301 00 000', 'fire.restore', { point: '000' }],
  ])('%s → %s', (data, kind, expected) => {
    expect(items(cid(data))).toEqual([expect.objectContaining({ kind, device: 'panel-1', data: expected })]);
  });

  it('maps burglary to a forced entry and its restore to secured (no intruder kind in v1)', () => {
    expect(items(cid('1130 01 009'))).toEqual([expect.objectContaining({ kind: 'access.door_forced', data: { door: 'zone 01-009' } })]);
    expect(items(cid('3130 01 009'))).toEqual([expect.objectContaining({ kind: 'access.door_secured', data: { door: 'zone 01-009' } })]);
  });

  it('records a periodic test as a heartbeat', () => {
    expect(items(cid('1602 00 000'))).toEqual([expect.objectContaining({ kind: 'device.heartbeat', data: {} })]);
  });

  it('acknowledges but does not record medical, panic and open/close reports (user numbers point at people)', () => {
    for (const data of ['1100 00 001', '1121 00 001', '1401 01 012', '3401 01 012']) {
      const r = mapSiaMessage(cid(data), 'panel-1', NOW);
      expect(r.items, data).toEqual([]);
      expect(r.dropped[0]?.reason).toBe('unsupported');
    }
  });

  it('uses the message timestamp as event time and gives it a retransmission-proof id', () => {
    const stamped = cid('1110 00 015', dc09Timestamp(NOW - 10_000));
    const [a] = items(stamped);
    const [b] = items(stamped);
    expect(a?.ts).toBe(NOW - 10_000);
    expect(a?.id).toMatch(/^sia-[0-9a-f]{40}$/);
    expect(a?.id).toBe(b?.id);
  });

  it('gives an untimed message no id, so a recycled sequence number never swallows a real alarm', () => {
    const [a] = items(cid('1110 00 015'));
    expect(a?.id).toBeUndefined();
    expect(a?.ts).toBe(NOW);
  });

  it('refuses malformed Contact ID data', () => {
    expect(mapSiaMessage(cid('1110 00 15'), 'panel-1', NOW).refused).toEqual([expect.objectContaining({ error: 'invalid_event' })]);
  });
});

describe('SIA-DCS codes', () => {
  it('maps the DC-09 example NFA129 to a fire alarm at point 129', () => {
    expect(items(msg('"SIA-DCS"9876R579BDFL789ABC#12345A[#12345A|NFA129]'))).toEqual([expect.objectContaining({ kind: 'fire.alarm', data: { point: '129' } })]);
  });

  it('reads the area modifier and several events in one message', () => {
    const out = items(msg('"SIA-DCS"0002L0#AAA[#AAA|Nri2/FA015/SA004/FT007]'));
    expect(out.map((i) => [i.kind, i.data])).toEqual([
      ['fire.alarm', { point: '02-015' }],
      ['fire.waterflow', { point: '02-004' }],
      ['fire.trouble', { point: '02-007', condition: 'Fire trouble' }],
    ]);
  });

  it('restores with FH and drops codes without a kind (WA is a water leak, OP an opening by a user)', () => {
    expect(items(msg('"SIA-DCS"0003L0#AAA[#AAA|Nri1/FH015]'))).toEqual([expect.objectContaining({ kind: 'fire.restore', data: { point: '01-015' } })]);
    const r = mapSiaMessage(msg('"SIA-DCS"0004L0#AAA[#AAA|Nri1/WA000/OP001]'), 'panel-1', NOW);
    expect(r.items).toEqual([]);
    expect(r.dropped.map((d) => d.reason)).toEqual(['unsupported', 'unsupported']);
  });

  it('records a NULL link test as a heartbeat and drops extended data (MAC, location)', () => {
    const r = mapSiaMessage(msg('"NULL"0000L0#AAA[][M0026B9E4268B]'), 'panel-1', NOW);
    expect(r.items.map((i) => (i.input.item as { kind: string }).kind)).toEqual(['device.heartbeat']);
    expect(r.dropped).toEqual([expect.objectContaining({ at: 'extended', reason: 'unsupported' })]);
  });
});
