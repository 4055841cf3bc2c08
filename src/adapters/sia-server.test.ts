import { connect, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../test/helpers/hub.js';
import { buildFrame, dc09Timestamp, parseFrame } from './sia-dc09.js';

let hub: TestHub;
let tcpPort = 0;
let udpPort = 0;

beforeAll(async () => {
  hub = await startTestHub({ integrations: { sia: { enabled: true, host: '127.0.0.1', port: 0, accounts: { '1234': 'panel-1', AAA: 'panel-2', BEEF: 'panel-ghost' } } } });
  for (const id of ['panel-1', 'panel-2']) {
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

const word = (answer: string) => /"(ACK|NAK|DUH)"/.exec(answer)?.[1];
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
      expect(word(await p.send(buildFrame('"*SIA-DCS"0007L0#AAA[5AB718E008C616BF16F6468033A11326]')))).toBe('DUH');
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
