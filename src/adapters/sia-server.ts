/**
 * The SIA DC-09 receiver (SPEC §6): TCP and UDP on the configured port, DC-09 with SIA-DCS and
 * Contact ID payloads, in the clear or AES-encrypted per account (sia-crypto.ts). Per message:
 *   bad CRC, length, format or timestamp (an encrypted message without one
 *   included)                                   → NAK with the receiver's time (panel retries)
 *   encrypted for an account with no key, or not
 *   decrypting with its key; clear from an account
 *   that has a key; unknown type or account     → DUH (understood, not accepted: fix the config)
 *   NULL link test                              → ACK (and a heartbeat when the account is known)
 *   event                                       → mapped (contact-id.ts), ingested, ACK after the
 *                                                 store commit; DUH when its device is not registered
 * The ACK to an encrypted message is encrypted ("*ACK"); NAK and DUH never are (DC-09 §5.5.3).
 * When the pipeline itself fails nothing is answered, so the panel retransmits: an ACK always
 * means the event is stored. Every answer is counted by outcome (`counts`).
 *
 * An account with a key accepts only encrypted messages, or anyone could bypass its key by
 * sending in the clear. Bounds (SPEC §5.6): a TCP connection buffers at most one maximal frame,
 * idles out after IDLE_MS, and at most MAX_CONNECTIONS are open; datagrams longer than a frame are
 * ignored. Accounts are matched case-insensitively on their hex digits. Unencrypted DC-09 has no
 * authentication, so the hub refuses to bind it anywhere but loopback (SPEC §5.5).
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import type { Config } from '../config/schema.js';
import type { HubDeps } from '../hub-deps.js';
import { integrationPrincipal } from './adapter-kit.js';
import { mapSiaMessage } from './contact-id.js';
import { ingestAdapted, summary } from './ingest-adapted.js';
import type { Dc09Key } from './sia-crypto.js';
import { loadDc09Keys } from './sia-dc09-keys.js';
import { MAX_BODY, ackFor, duhFor, nakAt, parseFrame, sealedAckFor, splitFrames } from './sia-dc09.js';
import { counterLines } from '../core/metric-sources.js';

export type SiaDeps = Pick<HubDeps, 'clock' | 'log' | 'pipeline'>;

/** LF + CRC + 0LLL + body + CR. */
const MAX_FRAME = 1 + 4 + 4 + MAX_BODY + 1;
const IDLE_MS = 60_000;
const MAX_CONNECTIONS = 256;
/** Unanswered frames one TCP connection may have queued. */
const MAX_IN_FLIGHT = 32;

export const SIA_OUTCOMES = [
  'ack',
  'nak_crc',
  'nak_length',
  'nak_format',
  'nak_timestamp',
  /** Encrypted, for an account with no key. */
  'duh_no_key',
  /** Encrypted, but no padded DC-09 region under the account's key (wrong key, bad pad). */
  'duh_decrypt',
  /** In the clear, from an account that has a key. */
  'duh_clear',
  'duh_type',
  'duh_account',
  'duh_device',
  /** The store failed: no answer, the panel retransmits. */
  'unanswered',
] as const;
export type SiaOutcome = (typeof SIA_OUTCOMES)[number];

/** What the receiver knows: accounts → devices, accounts → keys (upper case), and its counters. */
export interface SiaReceiver {
  readonly accounts: ReadonlyMap<string, string>;
  readonly keys: ReadonlyMap<string, Dc09Key>;
  readonly counts: Record<SiaOutcome, number>;
}

export interface SiaServer {
  readonly tcpPort: number;
  readonly udpPort: number;
  /** Answers so far, by outcome. */
  readonly counts: Readonly<Record<SiaOutcome, number>>;
  close(): Promise<void>;
}

export const newSiaCounts = (): Record<SiaOutcome, number> => Object.fromEntries(SIA_OUTCOMES.map((o) => [o, 0])) as Record<SiaOutcome, number>;

/** One frame in, the answer out (or null: say nothing, the panel will retransmit). */
export async function answerFrame(deps: SiaDeps, rx: SiaReceiver, frame: Buffer): Promise<Buffer | null> {
  const now = deps.clock.now();
  const parsed = parseFrame(frame, now, (account) => rx.keys.get(account));
  if (!parsed.ok) {
    if ('header' in parsed) {
      rx.counts[`duh_${parsed.reason}`]++;
      deps.log.warn({ mod: 'sia', reason: parsed.reason, type: parsed.header.id, encrypted: true }, 'DC-09 message not accepted (DUH)');
      return duhFor(parsed.header);
    }
    rx.counts[`nak_${parsed.reason}`]++;
    deps.log.warn({ mod: 'sia', reason: parsed.reason }, 'DC-09 message refused (NAK)');
    return nakAt(now);
  }
  const m = parsed.message;
  // A message that parsed encrypted was opened with its account's key, so key ⇔ encrypted here.
  const key = rx.keys.get(m.account);
  const duh = (outcome: 'duh_clear' | 'duh_type' | 'duh_account' | 'duh_device'): Buffer => {
    rx.counts[outcome]++;
    deps.log.warn({ mod: 'sia', reason: outcome.slice(4), type: m.id, encrypted: m.encrypted }, 'DC-09 message not accepted (DUH)');
    return duhFor(m);
  };
  const ack = (): Buffer => {
    rx.counts.ack++;
    return key !== undefined && m.encrypted ? sealedAckFor(m, key, deps.clock.now()) : ackFor(m);
  };
  if (key !== undefined && !m.encrypted) return duh('duh_clear');
  const device = rx.accounts.get(m.account);
  if (m.id === 'NULL' && device === undefined) return ack();
  if (m.id !== 'SIA-DCS' && m.id !== 'ADM-CID' && m.id !== 'NULL') return duh('duh_type');
  if (device === undefined) return duh('duh_account');
  let answer;
  try {
    answer = await ingestAdapted(deps.pipeline, mapSiaMessage(m, device, now), integrationPrincipal('sia'));
  } catch (err) {
    rx.counts.unanswered++;
    deps.log.error({ mod: 'sia', err }, 'could not store a DC-09 event; not acknowledged');
    return null;
  }
  if (answer.rejected.length > 0) deps.log.warn({ mod: 'sia', device, ...summary(answer) }, 'DC-09 message partly rejected');
  if (answer.rejected.some((r) => r.error === 'unknown_device')) return duh('duh_device');
  return ack();
}

export async function startSiaServer(deps: SiaDeps & Pick<HubDeps, 'metrics'>, settings: Config['integrations']['sia']): Promise<SiaServer> {
  const rx: SiaReceiver = {
    accounts: new Map(Object.entries(settings.accounts).map(([acct, dev]) => [acct.toUpperCase(), dev])),
    keys: loadDc09Keys(settings, (msg) => deps.log.warn({ mod: 'sia' }, msg)),
    counts: newSiaCounts(),
  };
  const sockets = new Set<Socket>();

  const tcp: Server = createServer((socket) => {
    if (sockets.size >= MAX_CONNECTIONS) return socket.destroy();
    sockets.add(socket);
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending: Buffer = Buffer.alloc(0);
    // Frames of one connection are answered in order (DC-09: one outstanding message per link).
    let chain: Promise<void> = Promise.resolve();
    let inFlight = 0;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const { frames, rest } = splitFrames(pending);
      pending = rest;
      // A panel waits for each answer; a sender racing ahead of them is not a panel.
      if (pending.length > MAX_FRAME || inFlight + frames.length > MAX_IN_FLIGHT) return socket.destroy();
      for (const f of frames) {
        inFlight++;
        chain = chain
          .then(async () => {
            const reply = await answerFrame(deps, rx, f);
            if (reply && !socket.destroyed) socket.write(reply);
          })
          .catch((err: unknown) => deps.log.error({ mod: 'sia', err }, 'DC-09 TCP frame failed'))
          .finally(() => inFlight--);
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(settings.port, settings.host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  const tcpPort = (tcp.address() as AddressInfo).port;

  const udp: UdpSocket = createSocket(settings.host.includes(':') ? 'udp6' : 'udp4');
  udp.on('message', (msg, rinfo) => {
    if (msg.length > MAX_FRAME) return;
    answerFrame(deps, rx, msg)
      .then((reply) => {
        if (reply) udp.send(reply, rinfo.port, rinfo.address);
      })
      .catch((err: unknown) => deps.log.error({ mod: 'sia', err }, 'DC-09 UDP datagram failed'));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      // The same port number as TCP (an ephemeral TCP port is usually free in UDP too).
      udp.bind(settings.port === 0 ? tcpPort : settings.port, settings.host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    throw err;
  }
  udp.on('error', (err) => deps.log.error({ mod: 'sia', err }, 'DC-09 UDP socket error'));
  const udpPort = udp.address().port;
  deps.log.info({ mod: 'sia', host: settings.host, tcp: tcpPort, udp: udpPort, accounts: rx.accounts.size, encrypted: rx.keys.size }, 'SIA DC-09 receiver listening');
  const unregister = deps.metrics.add(() => counterLines('parapet_sia_messages_total', 'DC-09 messages received, by the answer given (ack, nak_*, duh_*, unanswered).', 'outcome', rx.counts));

  return {
    tcpPort,
    udpPort,
    counts: rx.counts,
    async close() {
      unregister();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    },
  };
}
