/**
 * The PostgreSQL server going away under a running store (an ingest node's view: it holds no
 * lease): an append answers 503 `unavailable`, not an internal error; the process survives the
 * connection it held dying mid-transaction (pg-sql.ts `checkout`: before, pg's unheard 'error' ended
 * it, and vitest fails the file on such an uncaught exception); and the store appends again once
 * the server is reachable. The outage is real: the store talks to this
 * machine's PostgreSQL through a TCP relay the test cuts (every connection reset, new ones refused).
 */
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ParapetError } from '../../core/errors.js';
import { safeEvent, T0 } from '../store.contract.js';
import { openPostgresStore } from './pg-store.js';

const PG_PORT = 5432;
const schema = `t_pgout_${randomBytes(6).toString('hex')}`;

/** A relay to PostgreSQL on `port` that can be cut and restored. */
class Relay {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  constructor(readonly port: number) {}

  static async open(): Promise<Relay> {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const relay = new Relay(port);
    await relay.up();
    return relay;
  }

  async up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(PG_PORT, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server?.listen(this.port, '127.0.0.1', r));
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.resetAndDestroy();
    if (server) await new Promise((r) => server.close(r));
  }
}

describe('postgres store: the server going away and coming back', () => {
  const admin = new pg.Pool({ connectionString: `postgres://root@127.0.0.1:${PG_PORT}/test`, max: 1 });
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it('answers an append made while it is unreachable with 503 in words, and appends again once it is back', async () => {
    const relay = await Relay.open();
    const store = await openPostgresStore({ url: `postgres://root@127.0.0.1:${relay.port}/test`, schema });
    try {
      expect(await store.events.append([safeEvent({ id: 'a-1', ts: T0 })])).toHaveLength(1);
      await relay.cut();
      const err = await store.events.append([safeEvent({ id: 'a-2', ts: T0 + 1 })]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ParapetError);
      expect(err).toMatchObject({ code: 'unavailable', status: 503 });
      expect((err as ParapetError).detail).toMatch(/unreachable/);
      await relay.up();
      const again = await store.events.append([safeEvent({ id: 'a-3', ts: T0 + 2 })]);
      expect(typeof again[0]).toBe('number');
      // What failed was not stored; what came before and after was.
      const ids = (await store.events.query({ from: T0 - 1, to: T0 + 10, limit: 10 })).events.map((e) => e.id).sort();
      expect(ids).toEqual(['a-1', 'a-3']);
    } finally {
      await relay.cut();
      await store.close().catch(() => undefined);
    }
  });
});
