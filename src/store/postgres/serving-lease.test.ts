/** The serving lease on this machine's real PostgreSQL: refusal, standby take-over, loss and retake. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { lockKeys } from './pg-sql.js';
import { parseTarget } from './pg-target.js';
import { ServingLease, type LeaseOptions } from './serving-lease.js';

const PG_URL = 'postgres://root@127.0.0.1:5432/test';
const held: ServingLease[] = [];

afterEach(async () => {
  await Promise.all(held.splice(0).map((l) => l.end()));
});

function options(schema: string, extra: Partial<LeaseOptions> = {}): LeaseOptions & { logs: string[] } {
  const logs: string[] = [];
  return { url: PG_URL, schema, target: parseTarget(PG_URL), connectTimeoutMs: 5_000, log: (m) => logs.push(m), pingMs: 200, logs, ...extra };
}

async function take(o: LeaseOptions): Promise<ServingLease> {
  const lease = await ServingLease.take(o);
  held.push(lease);
  return lease;
}

/** Ends the server session holding the schema's serving lease, as a failover or a dead peer would. */
async function terminateHolder(schema: string): Promise<number> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    const keys = lockKeys(schema, 'serving').split(', ');
    const r = await c.query<{ pid: number }>(
      `SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid = (${keys[0]})::oid AND l.objid = (${keys[1]})::oid AND l.objsubid = 2 AND l.granted`,
    );
    const pid = r.rows[0]?.pid;
    if (pid === undefined) throw new Error('nobody holds the lease');
    await c.query('SELECT pg_terminate_backend($1)', [pid]);
    return pid;
  } finally {
    await c.end();
  }
}

async function until(f: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const schemaName = (): string => `lease_${randomBytes(5).toString('hex')}`;

describe('serving lease (PostgreSQL)', () => {
  it('refuses a second serving node and names the standby option', async () => {
    const schema = schemaName();
    await take(options(schema));
    await expect(ServingLease.take(options(schema))).rejects.toMatchObject({ code: 'conflict', detail: expect.stringMatching(/Another hub node is serving PostgreSQL schema lease_\w+ .*--standby/) as unknown });
    // Another schema is another lease.
    await take(options(schemaName()));
  });

  it('lets a standby wait, saying who holds the lease, and take it the moment the holder ends', async () => {
    const schema = schemaName();
    const first = await take(options(schema));
    const waiting: string[] = [];
    let taken = false;
    const standby = ServingLease.take(options(schema, { standby: true, onWaiting: (h) => waiting.push(h) })).then((l) => {
      held.push(l);
      taken = true;
      return l;
    });
    await until(() => waiting.length === 1);
    expect(waiting[0]).toMatch(new RegExp(`^parapet-serving \\S+ pid ${process.pid} from 127\\.0\\.0\\.1, serving since \\d{4}-`));
    await new Promise((r) => setTimeout(r, 300));
    expect(taken).toBe(false);
    await first.end();
    await standby;
    expect(taken).toBe(true);
    // The standby holds it now: a third node is refused.
    await expect(ServingLease.take(options(schema))).rejects.toMatchObject({ code: 'conflict' });
  });

  it('keeps a standby waiting when its own waiting connection is lost', async () => {
    const schema = schemaName();
    const first = await take(options(schema));
    const o = options(schema, { standby: true });
    let taken = false;
    const standby = ServingLease.take(o).then((l) => {
      held.push(l);
      taken = true;
    });
    // The standby's session, waiting on this schema's lock (not another test's: files run at once).
    const keys = lockKeys(schema, 'serving').split(', ');
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    const waiting = `SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid = (${keys[0]})::oid AND l.objid = (${keys[1]})::oid AND l.objsubid = 2 AND NOT l.granted`;
    let pid: number | undefined;
    for (let i = 0; i < 400 && pid === undefined; i++) {
      pid = (await c.query<{ pid: number }>(waiting)).rows[0]?.pid;
      if (pid === undefined) await new Promise((r) => setTimeout(r, 25));
    }
    expect(pid, 'the standby is waiting on the lease').toBeDefined();
    const r = await c.query('SELECT pg_terminate_backend($1)', [pid]);
    await c.end();
    expect(r.rowCount).toBe(1);
    await until(() => o.logs.some((l) => /^standby: lost the connection to PostgreSQL at 127\.0\.0\.1:5432 while waiting for the serving lease \(.*\); waiting again$/.test(l)));
    expect(taken).toBe(false);
    await first.end();
    await standby;
    expect(taken).toBe(true);
  });

  it('takes the lease back when its session is lost and nobody else took it', async () => {
    const schema = schemaName();
    const lost: string[] = [];
    const o = options(schema, { onLost: (why) => lost.push(why) });
    await take(o);
    await terminateHolder(schema);
    await until(() => o.logs.some((l) => l.includes('taken back')));
    expect(o.logs[0]).toMatch(/serving lease of schema lease_\w+ lost \(.*\); taking it back/);
    expect(lost).toEqual([]);
    await expect(ServingLease.take(options(schema))).rejects.toMatchObject({ code: 'conflict' });
  });

  it('reports the loss when a standby took the lease meanwhile', async () => {
    const schema = schemaName();
    const lost: string[] = [];
    await take(options(schema, { onLost: (why) => lost.push(why) }));
    const standby = ServingLease.take(options(schema, { standby: true })).then((l) => (held.push(l), l));
    // The standby is queued on the lock before the holder's session goes.
    await new Promise((r) => setTimeout(r, 300));
    await terminateHolder(schema);
    await standby;
    await until(() => lost.length === 1);
    expect(lost[0]).toMatch(/^the serving lease of schema lease_\w+ was lost \(.*\) and is now held by parapet-serving /);
  });
});
