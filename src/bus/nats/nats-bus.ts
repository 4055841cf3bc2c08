/**
 * The NATS JetStream adapter of the bus port (SPEC §7 `bus: nats`): every hub node connected with
 * the same prefix sees every message, and publish() resolves only once JetStream has stored the
 * message, so an acknowledged event's `events.stored` notice survives the loss of the node that
 * published it.
 *
 * Wire shape: JSON on `<prefix>.<topic>`, kept in one stream per prefix (`<prefix>_bus`, file
 * storage, 1 h and 2 GiB by default). A message larger than the server's max_payload (1 MiB by default; a commit group
 * of a few thousand events is larger) travels as consecutive parts that receivers join again.
 *
 * Delivery: publish() calls this process's subscribers itself, exactly as MemoryBus does (same
 * order, resolves when they settled). Other processes read the stream through one ordered consumer
 * per bus; every message carries its bus's origin id and a bus skips its own when they come back,
 * so a local subscriber sees each message once.
 */
import { connect, headers, nuid, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import {
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  JetStreamApiError,
  StorageType,
  type Consumer,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type PubAck,
  type StreamInfo,
} from '@nats-io/jetstream';
import { ParapetError } from '../../core/errors.js';
import { REMOTE_DELIVERY, type Bus, type BusHandler, type BusTopic, type BusTopics } from '../bus.js';
import { LocalHandlers } from '../local-handlers.js';
import { parseTarget, reason, startSeq } from './nats-target.js';

export { startSeq } from './nats-target.js';

export interface NatsBusOptions {
  /** `nats://[user:pass@ | token@]host:port` (or `tls://…`); several comma-separated for a cluster. */
  readonly url: string;
  /** One subject token naming the bus: nodes with the same prefix share it. Default `parapet`. */
  readonly prefix?: string;
  readonly onListenerError: (topic: string, err: unknown) => void;
  /** Connection and stream incidents (never credentials). */
  readonly log?: (m: string) => void;
  /**
   * How long the stream keeps messages, ms (default 1 h). Readers consume live; the stream only
   * has to cover a node's reconnect, and `events.stored` carries every event (~0.5 TB a day at
   * 20,000 events/s), so a day would be a disk hazard.
   */
  readonly maxAgeMs?: number;
  /** Largest stream on disk, bytes (default 2 GiB); the oldest messages go first. */
  readonly maxBytes?: number;
  /**
   * This bus's origin id, stable across restarts for a process that resumes (`resumeAfter`): its
   * own messages then stay its own when they come back in the replay. Default: a random id.
   */
  readonly origin?: string;
  /**
   * Stream position (`position()` of an earlier run) to read on from, so messages other nodes
   * published while this process was down are delivered now. Default: only what is published
   * from now on. Positions the stream no longer holds are skipped with a logged warning.
   */
  readonly resumeAfter?: number;
  /**
   * Deliver other processes' messages only once `start()` is called (they wait in the stream), so
   * a replay (`resumeAfter`) reaches subscribers that are still being wired. Default: at once.
   */
  readonly holdUntilStarted?: boolean;
}

export const DEFAULT_PREFIX = 'parapet';
/** Default stream retention, ms, and size cap, bytes (see NatsBusOptions). */
const DEFAULT_MAX_AGE_MS = 3_600_000;
const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;
/** Connect and publish-ack timeout, ms. */
const TIMEOUT_MS = 5_000;
/** Room left in max_payload for our headers and JetStream's, bytes. */
const HEADER_ROOM = 4_096;
/** The publishing bus's id: how a bus recognises its own messages coming back from the stream. */
export const ORIGIN_HEADER = 'Parapet-Origin';
/** Per-origin message number, and `i/n` on the parts of a message split to fit max_payload. */
const MSG_HEADER = 'Parapet-Msg';
const PART_HEADER = 'Parapet-Part';
/** JetStream API error: a stream of that name exists with another configuration. */
const STREAM_NAME_IN_USE = 10058;
const PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const streamName = (prefix: string): string => `${prefix}_bus`;

export async function openNatsBus(opts: NatsBusOptions): Promise<Bus> {
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new ParapetError('invalid_config', 'The NATS bus prefix must be one subject token: letters, digits, _ or -, at most 64.');
  }
  const target = parseTarget(opts.url);
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: target.servers,
      name: `parapet-bus-${prefix}`,
      timeout: TIMEOUT_MS,
      // A hub outlives NATS restarts: keep reconnecting; publishes fail meanwhile (an ingest node holds its notices in the store, outbox.ts).
      maxReconnectAttempts: -1,
      ...(target.user !== undefined ? { user: target.user, pass: target.pass } : {}),
      ...(target.token !== undefined ? { token: target.token } : {}),
      ...(target.tls ? { tls: {} } : {}),
    });
  } catch (err) {
    throw new ParapetError('unavailable', `Cannot connect to NATS at ${target.shown}: ${reason(err, target)}`);
  }
  const log = opts.log ?? (() => undefined);
  const stream = streamName(prefix);
  try {
    const jsm = await jetstreamManager(nc, { timeout: TIMEOUT_MS });
    const info = await ensureStream(jsm, stream, `${prefix}.>`, { maxAgeMs: opts.maxAgeMs ?? DEFAULT_MAX_AGE_MS, maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES });
    const js = jetstream(nc, { timeout: TIMEOUT_MS });
    // Start right after what the stream holds now (a bus hears what is published once it is open),
    // or after a resumed position; an explicit start keeps a consumer reset before its first
    // message from replaying a day.
    const start = startSeq(info.state.first_seq, info.state.last_seq, opts.resumeAfter, (m) => log(`NATS bus: ${m}`));
    const consumer = await js.consumers.get(stream, { filter_subjects: `${prefix}.>`, opt_start_seq: start });
    const messages = await consumer.consume();
    const bus = new NatsBus(nc, js, consumer, messages, {
      prefix,
      stream,
      shown: target.shown,
      onListenerError: opts.onListenerError,
      log,
      origin: opts.origin ?? nuid.next(),
      position: start - 1,
    });
    if (opts.holdUntilStarted !== true) bus.start();
    watchConnection(nc, target.shown, log, (up) => bus.setReachable(up));
    return bus;
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw new ParapetError('unavailable', `NATS at ${target.shown}: cannot set up JetStream stream ${stream}: ${reason(err, target)}`);
  }
}

/** Creates the stream, or brings an existing one to our subjects and retention (several nodes open at once). */
async function ensureStream(jsm: JetStreamManager, name: string, subject: string, limits: { maxAgeMs: number; maxBytes: number }): Promise<StreamInfo> {
  let info: StreamInfo;
  // JetStream durations are nanoseconds.
  const retention = { max_age: limits.maxAgeMs * 1_000_000, max_bytes: limits.maxBytes, discard: DiscardPolicy.Old };
  try {
    // Adding with an identical configuration is a no-op, so the usual restart costs one request.
    info = await jsm.streams.add({ name, subjects: [subject], ...retention, storage: StorageType.File });
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== STREAM_NAME_IN_USE) throw err;
    const current = await jsm.streams.info(name);
    info = await jsm.streams.update(name, { ...current.config, subjects: [subject], ...retention });
  }
  // Storage cannot be changed in place, and a memory stream loses acknowledged notices with the server.
  if (info.config.storage !== StorageType.File) throw new Error(`stream ${name} exists with ${info.config.storage} storage; delete it or give it file storage`);
  return info;
}

function watchConnection(nc: NatsConnection, shown: string, log: (m: string) => void, reachable: (up: boolean) => void): void {
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        reachable(false);
        log(`NATS bus: disconnected from ${s.server}`);
      } else if (s.type === 'reconnect') {
        reachable(true);
        log(`NATS bus: reconnected to ${s.server}`);
      }
      else if (s.type === 'error') log(`NATS bus: server error: ${s.error.message}`);
    }
  })().catch(() => undefined);
  nc.closed()
    .then((err) => {
      if (err) log(`NATS bus: connection to ${shown} closed: ${err.message}`);
    })
    .catch(() => undefined);
}

interface BusSetup {
  readonly prefix: string;
  readonly stream: string;
  readonly shown: string;
  readonly onListenerError: (topic: string, err: unknown) => void;
  readonly log: (m: string) => void;
  readonly origin: string;
  /** The stream sequence before the first one read. */
  readonly position: number;
}

/** Parts of a split message received so far, per origin (one origin's parts arrive in order). */
interface Joining {
  readonly msg: string;
  readonly total: number;
  readonly parts: Uint8Array[];
}

class NatsBus implements Bus {
  private readonly local: LocalHandlers;
  private readonly origin: string;
  /** Stream sequence of the last message read and handled (ours skipped, others' delivered). */
  private handledSeq = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly joining = new Map<string, Joining>();
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  private readonly partBytes: number;
  private reading: Promise<void> | null = null;
  private sent = 0;
  private closing: Promise<void> | null = null;
  private connected = true;

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly consumer: Consumer,
    private readonly messages: ConsumerMessages,
    private readonly o: BusSetup,
  ) {
    this.local = new LocalHandlers(o.onListenerError);
    this.origin = o.origin;
    this.handledSeq = o.position;
    this.partBytes = Math.max(1_024, (nc.info?.max_payload ?? 1_048_576) - HEADER_ROOM);
  }

  publish<T extends BusTopic>(topic: T, msg: BusTopics[T]): Promise<void> {
    if (this.closing) return Promise.reject(new ParapetError('unavailable', `The NATS bus is closed; cannot publish ${topic}.`));
    let data: Uint8Array;
    try {
      data = this.encoder.encode(JSON.stringify(msg));
    } catch (err) {
      return Promise.reject(new ParapetError('internal', `Cannot encode a ${topic} message as JSON: ${err instanceof Error ? err.message : String(err)}`));
    }
    // Sent before local delivery, synchronously: the wire order is the call order, even when a
    // local handler publishes in turn.
    const stored = this.store(topic, data);
    const local = this.local.deliver(topic, msg);
    const done = this.settle(topic, local, stored);
    this.inFlight.add(done);
    const forget = () => this.inFlight.delete(done);
    done.then(forget, forget);
    return done;
  }

  subscribe<T extends BusTopic>(topic: T, handler: BusHandler<T>): () => void {
    return this.local.subscribe(topic, handler);
  }

  reachable(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  /** Connection state, from the connection's status events (watchConnection). */
  setReachable(up: boolean): void {
    this.connected = up;
  }

  async deliverRemote<T extends BusTopic>(topic: T, msg: BusTopics[T]): Promise<void> {
    await this.local.deliver(topic, msg, REMOTE_DELIVERY);
  }

  /** Begins delivering other processes' messages (idempotent). */
  start(): void {
    this.reading ??= this.read();
  }

  /**
   * Where this bus is in the stream: every message up to here was handled — another process's
   * delivered to its subscribers (their handlers settled), this process's own handled when it
   * was published. A process that restarts with `resumeAfter` set to it misses nothing.
   */
  position(): number {
    return this.handledSeq;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    // Messages already pulled are still delivered; then the consumer goes (it is ephemeral anyway).
    this.messages.stop();
    if (this.reading) await this.reading;
    this.local.clear();
    if (this.nc.isClosed()) return;
    await this.consumer.delete().catch(() => undefined);
    await this.nc.drain().catch((err: unknown) => this.o.log(`NATS bus: drain failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  /** Resolves once the local handlers settled and JetStream stored every part. */
  private async settle(topic: string, local: Promise<void> | undefined, stored: Promise<unknown>): Promise<void> {
    // allSettled watches both at once: a refusal arriving while handlers still run is not left unhandled.
    const [, ack] = await Promise.allSettled([local, stored]);
    if (ack.status === 'rejected') {
      const why = ack.reason instanceof Error ? ack.reason.message : String(ack.reason);
      throw new ParapetError('unavailable', `NATS at ${this.o.shown} did not store the ${topic} message: ${why}`);
    }
  }

  private store(topic: string, data: Uint8Array): Promise<PubAck[]> {
    const msg = String(++this.sent);
    const subject = `${this.o.prefix}.${topic}`;
    const total = Math.max(1, Math.ceil(data.length / this.partBytes));
    const acks: Promise<PubAck>[] = [];
    for (let i = 0; i < total; i++) {
      const h = headers();
      h.set(ORIGIN_HEADER, this.origin);
      h.set(MSG_HEADER, msg);
      if (total > 1) h.set(PART_HEADER, `${i + 1}/${total}`);
      const part = total > 1 ? data.subarray(i * this.partBytes, (i + 1) * this.partBytes) : data;
      // expect.streamName: the server refuses rather than let another stream capture our subjects.
      acks.push(this.js.publish(subject, part, { headers: h, expect: { streamName: this.o.stream } }));
    }
    return Promise.all(acks);
  }

  /**
   * Other processes' messages in stream order. Each is delivered once its handlers settled, as a
   * publisher awaiting publish() would: per-publisher order holds and a slow handler slows reading.
   */
  private async read(): Promise<void> {
    try {
      for await (const m of this.messages) {
        const pending = this.receive(m);
        if (pending) await pending;
        this.handledSeq = m.seq;
      }
    } catch (err) {
      if (!this.closing) this.o.log(`NATS bus: reading stream ${this.o.stream} stopped: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private receive(m: JsMsg): Promise<void> | undefined {
    const origin = m.headers?.get(ORIGIN_HEADER) ?? '';
    if (origin === this.origin) return undefined;
    const topic = m.subject.slice(this.o.prefix.length + 1);
    const data = m.headers?.has(PART_HEADER) ? this.join(origin, m.headers, m.data) : m.data;
    if (!data) return undefined;
    if (!this.local.has(topic)) return undefined;
    let msg: unknown;
    try {
      msg = JSON.parse(this.decoder.decode(data));
    } catch {
      this.o.log(`NATS bus: skipped a ${topic} message that is not JSON (stream seq ${m.seq})`);
      return undefined;
    }
    return this.local.deliver(topic, msg, REMOTE_DELIVERY);
  }

  /** Adds one part; returns the whole message with its last part, undefined before. */
  private join(origin: string, h: MsgHdrs, data: Uint8Array): Uint8Array | undefined {
    const msg = h.get(MSG_HEADER);
    const [index, total] = h.get(PART_HEADER).split('/').map(Number) as [number, number];
    let j = this.joining.get(origin);
    if (j && (j.msg !== msg || j.parts.length + 1 !== index)) {
      // Parts of one origin are stored back to back in its order: a gap means the rest never came.
      this.o.log(`NATS bus: dropped an incomplete message (${j.parts.length} of ${j.total} parts) from bus ${origin}`);
      this.joining.delete(origin);
      j = undefined;
    }
    if (!j) {
      if (index !== 1) return undefined;
      j = { msg, total, parts: [] };
      this.joining.set(origin, j);
    }
    j.parts.push(data);
    if (j.parts.length < j.total) return undefined;
    this.joining.delete(origin);
    return Buffer.concat(j.parts);
  }
}
