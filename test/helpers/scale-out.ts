/** Test helpers for SPEC §7 on this machine's real PostgreSQL and NATS JetStream. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { testConfig, type ConfigOverrides } from '../../src/config/load.js';
import { startHub, type Hub } from '../../src/hub.js';
import { createLogger } from '../../src/core/log.js';

export const PG_URL = 'postgres://root@127.0.0.1:5432/test';
export const NATS_URL = 'nats://127.0.0.1:4222';

/** A schema and a bus prefix of the test's own, so test files running at once never meet. */
export function scaleOutNames(): { readonly schema: string; readonly prefix: string } {
  return { schema: `e2e_${randomBytes(6).toString('hex')}`, prefix: `e2e_${randomBytes(6).toString('hex')}` };
}

/** A hub on the test's schema and bus prefix, in `dataDir` (nodes of one deployment share its master key). */
export function scaleOutOverrides(names: { readonly schema: string; readonly prefix: string }, dataDir: string): ConfigOverrides {
  return {
    data_dir: dataDir,
    store: { kind: 'postgres', postgres_url: PG_URL, postgres_schema: names.schema },
    bus: { kind: 'nats', nats_url: NATS_URL, nats_prefix: names.prefix },
    // This machine's PostgreSQL (trust auth) and NATS (no auth) fail the leak guard on purpose.
    guard: { allow_unsafe: true },
  };
}

/** Drops what a test made: its schema and its bus stream. */
export async function dropScaleOut(names: { readonly schema: string; readonly prefix: string }): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${names.schema} CASCADE`);
  await c.end();
  const nc = await connect({ servers: NATS_URL });
  await (await jetstreamManager(nc)).streams.delete(`${names.prefix}_bus`).catch(() => false);
  await nc.close();
}

/** An ingest node (`node.role: ingest`) on a deployment's shared configuration, quiet, on free ports. */
export function startIngestNode(shared: ConfigOverrides, extra: ConfigOverrides = {}): Promise<Hub> {
  const config = testConfig({ ...shared, http: { port: 0 }, mqtt: { port: 0, enabled: false }, log: { level: 'silent' }, node: { role: 'ingest' }, ...extra });
  return startHub({ config, env: {}, logger: createLogger('silent') });
}

/** Polls f every 50 ms until it gives a value; fails after ms. */
export async function until<T>(f: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
