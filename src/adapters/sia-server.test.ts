import { connect, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../test/helpers/hub.js';
import { buildFrame, dc09Timestamp, parseFrame } from './sia-dc09.js';
import { openAnswer, sealedFrame, sealedRawFrame } from './sia-dc09-test-panel.js';
import type { SiaOutcome } from './sia-server.js';

const KEY128 = '00112233445566778899AABBCCDDEEFF';
const KEY192 = '000102030405060708090a0b0c0d0e0f1011121314151617';
const KEY256 = '603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4';
const PYSIA_NULL = '"*SIA-DCS"5994L0#AAA[5AB718E008C616BF16F6468033A11326B0F7546CAB230910BCA10E4DEBA42283C436E4F8EFF50931070DDE36D5BB5F0C';

let hub: TestHub;
let tcpPort = 0;
let udpPort = 0;

beforeAll(async () => {
  hub = await startTestHub({
    integrations: {
      sia: {
        enabled: true,
        host: '127.0.0.1',
        port: 0,
        accounts: { '1234': 'panel-1', AAA: 'panel-2', BEEF: 'panel-ghost', C0DE: 'panel-3', '5EA1': 'panel-4' },
        // DEAD has a key but no device: its link tests are answered, nothing is recorded.
        keys: { c0de: KEY128, '5EA1': KEY256, DEAD: KEY192 },
      },
    },
  });
  for (const id of ['panel-1', 'panel-2', 'panel-3', 'panel-4']) {
    const r = await hub.api(`/devices/${id}`, { method: 'PUT', body: JSON.stringify({ type: 'fire', site: 'harbour', zone: 'tower-b', name: id }) });
    expect(r.status).toBe(201);
  }
  const sia = hub.integrations?.sia;
  if (!sia) throw new Error('the SIA receiver did not start');
  tcpPort = sia.tcpPort;
  udpPort = sia.udpPort;
});
afterAll(async () => hub.close());

/** One TCP connection to the receiver: raw writes, and its answers in order. */
async function panel(): Promise<{ write(bytes: Buffer): void; next(): Promise<string>; send(frame: Buffer): Promise<string>; close(): void }> {
  const socket: Socket = connect(tcpPort, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let buffered = '';
  const answers: string[] = [];
  const waiting: Array<(s: string) => void> = [];
  socket.on('data', (d: Buffer) => {
    buffered += d.toString('latin1');
    for (let cr = buffered.indexOf('\r'); cr !== -1; cr = buffered.indexOf('\r')) {
      const answer = buffered.slice(0, cr + 1);
      buffered = buffered.slice(cr + 1);
      const w = waiting.shift();
      if (w) w(answer);
      else answers.push(answer);
    }
  });
  const next = (): Promise<string> => {
    const ready = answers.shift();
    return ready !== undefined ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
  };
  return {
    write: (bytes) => socket.write(bytes),
    next,
    send(frame) {
      socket.write(frame);
      return next();
    },
    close: () => socket.destroy(),
  };
}

async function udp(frame: Buffer): Promise<string> {
  const s = createSocket('udp4');
  try {
    return await new Promise<string>((resolve, reject) => {
      s.once('message', (m) => resolve(m.toString('latin1')));
      s.once('error', reject);
      s.send(frame, udpPort, '127.0.0.1');
    });
  } finally {
    s.close();
  }
}

const word = (answer: string) => /"\*?(ACK|NAK|DUH)"/.exec(answer)?.[1];
const counts = (): Readonly<Record<SiaOutcome, number>> => ({ ...(hub.integrations?.sia?.counts ?? ({} as Record<SiaOutcome, number>)) });
const now = () => dc09Timestamp(Date.now());
/** The ACK a panel reads back: encrypted, for the same sequence and route, pad|] and a fresh receiver time. */
function expectSealedAck(answer: string, keyHex: string, header: string): void {
  const a = openAnswer(answer, keyHex);
  expect(a).toMatchObject({ word: 'ACK', encrypted: true, header });
  const m = /^[^|[\]]{1,16}\|\]_(\d{2}):(\d{2}):(\d{2}),(\d{2})-(\d{2})-(\d{4})$/.exec(a.region);
  if (!m) throw new Error(`the ACK region is not pad|]timestamp: ${JSON.stringify(a.region)}`);
  const [hh, mi, ss, mm, dd, yyyy] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  expect(Math.abs(Date.UTC(yyyy, mm - 1, dd, hh, mi, ss) - Date.now())).toBeLessThan(5_000);
}
const events = async (device: string, kind: string) =>
  ((await (await hub.api(`/events?device=${device}&kind=${kind}`, { token: hub.operatorToken })).json()) as { events: Array<{ data: Record<string, unknown>; ts: string }> }).events;

describe('SIA DC-09 receiver over TCP', () => {
  it('stores a Contact ID fire alarm and ACKs it after the commit, echoing the header', async () => {
    const p = await panel();
    try {
      const answer = await p.send(buildFrame(`"ADM-CID"0001R1L0#1234[#1234|1110 00 015]${dc09Timestamp(Date.now())}`));
      expect(word(answer)).toBe('ACK');
      expect(answer).toContain('"ACK"0001R1L0#1234[]');
      expect(parseFrame(Buffer.from(answer, 'latin1'), Date.now()).ok).toBe(true);
      expect((await events('panel-1', 'fire.alarm')).map((e) => e.data)).toEqual([{ point: '015' }]);
      // The restore on the same connection clears it.
      expect(word(await p.send(buildFrame('"ADM-CID"0002R1L0#1234[#1234|3110 00 015]')))).toBe('ACK');
      expect((await events('panel-1', 'fire.restore')).map((e) => e.data)).toEqual([{ point: '015' }]);
    } finally {
      p.close();
    }
  });

  it('NAKs a bad CRC with the receiver timestamp and stores nothing', async () => {
    const p = await panel();
    try {
      const good = buildFrame('"ADM-CID"0003L0#1234[#1234|1113 00 004]').toString('latin1');
      const answer = await p.send(Buffer.from(good.replace('1113', '1114'), 'latin1'));
      expect(answer).toMatch(/"NAK"0000R0L0A0\[\]_\d{2}:\d{2}:\d{2},\d{2}-\d{2}-\d{4}\r$/);
      expect(await events('panel-1', 'fire.waterflow')).toEqual([]);
    } finally {
      p.close();
    }
  });

  it('exports its counters on GET /metrics, by answer', async () => {
    const scrape = async () => (await (await hub.api('/metrics')).text()).split('\n');
    const sample = (lines: string[], outcome: string) => Number(lines.find((l) => l.startsWith(`parapet_sia_messages_total{outcome="${outcome}"} `))?.split(' ')[1]);
    const before = await scrape();
    expect(before).toContain('# TYPE parapet_sia_messages_total counter');
    const p = await panel();
    try {
      const good = buildFrame('"ADM-CID"0003L0#1234[#1234|1113 00 004]').toString('latin1');
      await p.send(Buffer.from(good.replace('1113', '1114'), 'latin1'));
    } finally {
      p.close();
    }
    const after = await scrape();
    const nak = Object.keys(counts()).filter((o) => o.startsWith('nak_'));
    expect(nak.reduce((n, o) => n + sample(after, o) - sample(before, o), 0)).toBe(1);
    expect(sample(after, 'ack')).toBe(counts().ack);
  });

  it('NAKs a message whose timestamp is too old (replay window)', async () => {
    const p = await panel();
    try {
      expect(word(await p.send(buildFrame(`"SIA-DCS"0004L0#AAA[#AAA|Nri1/FA001]${dc09Timestamp(Date.now() - 120_000)}`)))).toBe('NAK');
    } finally {
      p.close();
    }
  });

  it('answers DUH to an unknown account, an unregistered device and an encrypted message', async () => {
    const p = await panel();
    try {
      expect(word(await p.send(buildFrame('"ADM-CID"0005L0#9999[#9999|1110 00 001]')))).toBe('DUH');
      expect(word(await p.send(buildFrame('"ADM-CID"0006L0#BEEF[#BEEF|1110 00 001]')))).toBe('DUH');
      expect(word(await p.send(buildFrame(PYSIA_NULL)))).toBe('DUH');
    } finally {
      p.close();
    }
  });

  it('handles frames split across TCP packets and several frames in one packet', async () => {
    const p = await panel();
    try {
      const both = Buffer.concat([buildFrame('"SIA-DCS"0008L0#AAA[#AAA|Nri1/FT007]'), buildFrame('"NULL"0009L0#AAA[]')]);
      p.write(both.subarray(0, 7));
      p.write(both.subarray(7));
      expect([word(await p.next()), word(await p.next())]).toEqual(['ACK', 'ACK']);
      expect((await events('panel-2', 'fire.trouble')).map((e) => e.data)).toEqual([{ point: '01-007', condition: 'Fire trouble' }]);
    } finally {
      p.close();
    }
  });
});

describe('SIA DC-09 receiver over UDP', () => {
  it('answers each datagram: ACK for a stored waterflow, NAK for garbage', async () => {
    expect(word(await udp(buildFrame('"SIA-DCS"0010L0#AAA[#AAA|Nri1/SA004]')))).toBe('ACK');
    expect((await events('panel-2', 'fire.waterflow')).map((e) => e.data)).toEqual([{ point: '01-004' }]);
    expect(word(await udp(Buffer.from('hello')))).toBe('NAK');
  });

  it('ACKs a link test from any account but records a heartbeat only for a known one', async () => {
    expect(word(await udp(buildFrame('"NULL"0000L0#0[]')))).toBe('ACK');
    expect(word(await udp(buildFrame('"NULL"0000L0#1234[]')))).toBe('ACK');
    expect((await events('panel-1', 'device.heartbeat')).length).toBeGreaterThan(0);
  });
});

describe('SIA DC-09 receiver, encrypted (DC-09 §5.4) over TCP', () => {
  it('stores an encrypted Contact ID burglary as access.door_forced and answers an encrypted ACK', async () => {
    const p = await panel();
    try {
      const before = counts();
      const answer = await p.send(sealedFrame({ id: 'ADM-CID', seq: '0101', route: 'R1L0#C0DE', content: `#C0DE|1130 01 015]${now()}`, keyHex: KEY128 }));
      expectSealedAck(answer, KEY128, '0101R1L0#C0DE');
      expect((await events('panel-3', 'access.door_forced')).map((e) => e.data)).toEqual([{ door: 'zone 01-015' }]);
      // The restore on the same connection secures it.
      expectSealedAck(await p.send(sealedFrame({ id: 'ADM-CID', seq: '0102', route: 'R1L0#C0DE', content: `#C0DE|3130 01 015]${now()}`, keyHex: KEY128 })), KEY128, '0102R1L0#C0DE');
      expect((await events('panel-3', 'access.door_secured')).map((e) => e.data)).toEqual([{ door: 'zone 01-015' }]);
      expect(counts().ack - before.ack).toBe(2);
    } finally {
      p.close();
    }
  });

  it('answers an encrypted NULL with an encrypted ACK and records a heartbeat', async () => {
    const p = await panel();
    try {
      const before = (await events('panel-3', 'device.heartbeat')).length;
      expectSealedAck(await p.send(sealedFrame({ id: 'NULL', seq: '0000', route: 'R0L0#C0DE', content: `]${now()}`, keyHex: KEY128 })), KEY128, '0000R0L0#C0DE');
      expect((await events('panel-3', 'device.heartbeat')).length).toBe(before + 1);
    } finally {
      p.close();
    }
  });

  it('answers DUH in the clear to a wrong key or a bad pad, stores nothing and counts them', async () => {
    const p = await panel();
    try {
      const before = counts();
      const content = `#C0DE|1110 01 016]${now()}`;
      const wrongKey = await p.send(sealedFrame({ id: 'ADM-CID', seq: '0103', route: 'L0#C0DE', content, keyHex: KEY256.slice(0, 32) }));
      expect(wrongKey).toContain('"DUH"0103L0#C0DE[]');
      const badPad = await p.send(sealedRawFrame('"*ADM-CID"0104L0#C0DE', Buffer.from(`abc]efghi|${content}`.slice(0, 48), 'latin1'), KEY128));
      expect(badPad).toContain('"DUH"0104L0#C0DE[]');
      expect(counts().duh_decrypt - before.duh_decrypt).toBe(2);
      expect(await events('panel-3', 'fire.alarm')).toEqual([]);
    } finally {
      p.close();
    }
  });

  it('NAKs an encrypted message with no timestamp or a stale one, in the clear with the receiver time', async () => {
    const p = await panel();
    try {
      const before = counts();
      for (const content of ['#C0DE|1110 01 017]', `#C0DE|1110 01 017]${dc09Timestamp(Date.now() - 120_000)}`]) {
        const answer = await p.send(sealedFrame({ id: 'ADM-CID', seq: '0105', route: 'L0#C0DE', content, keyHex: KEY128 }));
        expect(answer).toMatch(/^\n[0-9A-F]{4}0[0-9A-F]{3}"NAK"0000R0L0A0\[\]_\d{2}:\d{2}:\d{2},\d{2}-\d{2}-\d{4}\r$/);
      }
      expect(counts().nak_timestamp - before.nak_timestamp).toBe(2);
      expect(await events('panel-3', 'fire.alarm')).toEqual([]);
    } finally {
      p.close();
    }
  });

  it('answers DUH to a clear message from an account that has a key, and to an encrypted one from an account without', async () => {
    const p = await panel();
    try {
      const before = counts();
      expect(await p.send(buildFrame(`"ADM-CID"0106L0#C0DE[#C0DE|1110 01 018]${now()}`))).toContain('"DUH"0106L0#C0DE[]');
      expect(await p.send(buildFrame('"NULL"0107L0#C0DE[]'))).toContain('"DUH"0107L0#C0DE[]');
      expect(await p.send(sealedFrame({ id: 'ADM-CID', seq: '0108', route: 'L0#9999', content: `#9999|1110 01 018]${now()}`, keyHex: KEY128 }))).toContain('"DUH"0108L0#9999[]');
      expect(await p.send(sealedFrame({ id: 'NULL', seq: '0109', route: 'L0#1234', content: `]${now()}`, keyHex: KEY128 }))).toContain('"DUH"0109L0#1234[]');
      const after = counts();
      expect([after.duh_clear - before.duh_clear, after.duh_no_key - before.duh_no_key]).toEqual([2, 2]);
      expect(await events('panel-3', 'fire.alarm')).toEqual([]);
    } finally {
      p.close();
    }
  });
});

describe('SIA DC-09 receiver, encrypted over UDP', () => {
  it('stores an encrypted SIA-DCS burglary under AES-256 and answers an encrypted ACK', async () => {
    const answer = await udp(sealedFrame({ id: 'SIA-DCS', seq: '0201', route: 'R2L1#5EA1', content: `#5EA1|Nri1/BA015]${now()}`, keyHex: KEY256 }));
    expectSealedAck(answer, KEY256, '0201R2L1#5EA1');
    expect((await events('panel-4', 'access.door_forced')).map((e) => e.data)).toEqual([{ door: 'zone 01-015' }]);
  });

  it('ACKs an encrypted link test (AES-192) from a keyed account with no device, recording nothing', async () => {
    expectSealedAck(await udp(sealedFrame({ id: 'NULL', seq: '0000', route: 'L0#DEAD', content: `]${now()}`, keyHex: KEY192 })), KEY192, '0000L0#DEAD');
  });

  it('answers DUH to a wrong key and NAK to a missing timestamp', async () => {
    expect(await udp(sealedFrame({ id: 'SIA-DCS', seq: '0202', route: 'L0#5EA1', content: `#5EA1|Nri1/BA016]${now()}`, keyHex: KEY128 }))).toContain('"DUH"0202L0#5EA1[]');
    expect(word(await udp(sealedFrame({ id: 'SIA-DCS', seq: '0203', route: 'L0#5EA1', content: '#5EA1|Nri1/BA016]', keyHex: KEY256 })))).toBe('NAK');
    expect(await events('panel-4', 'access.door_forced')).toHaveLength(1);
  });
});
