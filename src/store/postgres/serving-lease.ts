/**
 * The serving lease of a PostgreSQL schema (docs/scale-out.md): a session advisory lock held on a
 * connection of its own by the one serving node. The server releases it the moment that session
 * ends, so a node that stops or dies frees it at once.
 *
 * - A node started as a **standby** (`node.standby`) waits on the lock (`pg_advisory_lock`, granted
 *   the instant the holder's session ends) and then serves; until then it opens nothing else.
 * - The holder **watches its lease**: it pings the lease session every PING_MS, with TCP keepalives
 *   on both sides so a vanished peer is noticed. When the session is lost it tries to take the lock
 *   back at once; if another node holds it by then, it reports the loss (`onLost`), and the hub
 *   stops rather than serve beside the new holder. Two nodes may both act as serving node for at
 *   most about one ping interval plus the server's keepalive timeout.
 */
import { hostname } from 'node:os';
import pg from 'pg';
import { ParapetError } from '../../core/errors.js';
import { lockKeys } from './pg-sql.js';
import { reason, type Target } from './pg-target.js';

export interface LeaseOptions {
  readonly url: string;
  readonly schema: string;
  readonly target: Target;
  readonly connectTimeoutMs: number;
  /** Wait for the lease instead of refusing to start while another node holds it. */
  readonly standby?: boolean;
  /** Standby only: called once with who holds the lease, before waiting. */
  readonly onWaiting?: (holder: string) => void;
  /** The lease is gone and another node holds it now: this node must stop serving. */
  readonly onLost?: (why: string) => void;
  readonly log: (m: string) => void;
  /** Ping period, ms (tests shorten it). */
  readonly pingMs?: number;
}

const PING_MS = 2_000;
/** Server side: notice a vanished lease holder within about idle + interval × count seconds. */
const KEEPALIVE = { idle: 5, interval: 2, count: 3 } as const;

function conflict(o: LeaseOptions): ParapetError {
  return new ParapetError(
    'conflict',
    `Another hub node is serving PostgreSQL schema ${o.schema} at ${o.target.shown}. Parapet runs one serving node per schema; stop the other node, set store.postgres_schema, or start this one as a standby (--standby, docs/scale-out.md).`,
  );
}

async function connect(o: LeaseOptions): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: o.url,
    connectionTimeoutMillis: o.connectTimeoutMs,
    // Who holds the lease, as a waiting standby reports it (63 characters at most).
    application_name: `parapet-serving ${hostname()} pid ${process.pid}`.slice(0, 63),
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE.idle * 1000,
  });
  // Errors are handled by the lease's own watch; unheard, one would end the process.
  client.on('error', () => {});
  try {
    await client.connect();
    // Ignored by the server on a Unix socket, where a dead peer is seen at once anyway.
    await client.query(`SET tcp_keepalives_idle = ${KEEPALIVE.idle}; SET tcp_keepalives_interval = ${KEEPALIVE.interval}; SET tcp_keepalives_count = ${KEEPALIVE.count}`);
    return client;
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
}

async function tryLock(client: pg.Client, schema: string): Promise<boolean> {
  const r = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${lockKeys(schema, 'serving')}) AS ok`);
  return r.rows[0]?.ok === true;
}

/** Who holds the serving lease: application name (host and pid), address, and since when. */
async function holderOf(client: pg.Client, schema: string): Promise<string> {
  const keys = lockKeys(schema, 'serving').split(', ');
  const r = await client.query<{ application_name: string; client_addr: string | null; backend_start: Date }>(
    `SELECT a.application_name, host(a.client_addr) AS client_addr, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.classid = (${keys[0]})::oid AND l.objid = (${keys[1]})::oid AND l.objsubid = 2 AND l.granted`,
  );
  const h = r.rows[0];
  if (!h) return 'another node (it has just let go)';
  return `${h.application_name || 'another node'}${h.client_addr ? ` from ${h.client_addr}` : ''}, serving since ${h.backend_start.toISOString()}`;
}

export class ServingLease {
  private timer: NodeJS.Timeout | null = null;
  private ended = false;
  private retaking = false;

  private constructor(
    private client: pg.Client,
    private readonly o: LeaseOptions,
  ) {
    this.watch(client);
  }

  /**
   * Takes the lease; a standby waits for it, any other node is refused while another holds it. A
   * standby whose waiting connection is lost (a restarted server) connects again and goes on waiting.
   */
  static async take(o: LeaseOptions): Promise<ServingLease> {
    let waiting = false;
    for (;;) {
      let client: pg.Client | null = null;
      try {
        client = await connect(o);
        if (!(await tryLock(client, o.schema))) {
          if (!o.standby) throw conflict(o);
          if (!waiting) o.onWaiting?.(await holderOf(client, o.schema));
          waiting = true;
          // Granted the moment the holder's session ends.
          await client.query(`SELECT pg_advisory_lock(${lockKeys(o.schema, 'serving')})`);
        }
        return new ServingLease(client, o);
      } catch (err) {
        await client?.end().catch(() => {});
        if (!waiting || err instanceof ParapetError) throw err;
        o.log(`standby: lost the connection to PostgreSQL at ${o.target.shown} while waiting for the serving lease (${reason(err, o.target)}); waiting again`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** Releases the lease (ends its session). */
  async end(): Promise<void> {
    this.ended = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.client.end().catch(() => {});
  }

  private watch(client: pg.Client): void {
    client.on('end', () => void this.lost(client, 'the lease connection closed'));
    client.on('error', (err) => void this.lost(client, reason(err, this.o.target)));
    this.timer ??= setInterval(() => void this.ping(), this.o.pingMs ?? PING_MS);
    this.timer.unref();
  }

  private async ping(): Promise<void> {
    const client = this.client;
    if (this.retaking || this.ended) return;
    const pingMs = this.o.pingMs ?? PING_MS;
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.query('SELECT 1'),
        new Promise((_, reject) => {
          timeout = setTimeout(() => reject(new Error(`no answer within ${2 * pingMs} ms`)), 2 * pingMs);
        }),
      ]);
    } catch (err) {
      await this.lost(client, reason(err, this.o.target));
    } finally {
      clearTimeout(timeout);
    }
  }

  /** The lease session is gone: take the lock back if it is free, else report the loss. */
  private async lost(client: pg.Client, why: string): Promise<void> {
    if (this.ended || this.retaking || client !== this.client) return;
    this.retaking = true;
    this.o.log(`serving lease of schema ${this.o.schema} lost (${why}); taking it back`);
    await client.end().catch(() => {});
    let quiet = false;
    while (!this.ended) {
      let next: pg.Client | null = null;
      try {
        next = await connect(this.o);
        if (await tryLock(next, this.o.schema)) {
          if (this.ended) {
            // Closed meanwhile: release what was just taken.
            await next.end().catch(() => {});
            return;
          }
          this.client = next;
          this.retaking = false;
          this.watch(next);
          this.o.log(`serving lease of schema ${this.o.schema} taken back`);
          return;
        }
        const holder = await holderOf(next, this.o.schema);
        await next.end().catch(() => {});
        this.ended = true;
        if (this.timer) clearInterval(this.timer);
        this.o.onLost?.(`the serving lease of schema ${this.o.schema} was lost (${why}) and is now held by ${holder}`);
        return;
      } catch (err) {
        await next?.end().catch(() => {});
        if (!quiet) this.o.log(`serving lease: PostgreSQL at ${this.o.target.shown} unreachable (${reason(err, this.o.target)}); retrying every second`);
        quiet = true;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}
