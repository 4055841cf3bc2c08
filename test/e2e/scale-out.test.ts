/**
 * SPEC §7 on this machine's real PostgreSQL and NATS JetStream: a hub serving with
 * `store: postgres` and `bus: nats` ingests over HTTP, finds the events by device and time, opens
 * a rule's alert, publishes every commit to the JetStream stream, keeps everything across a
 * restart, and holds the schema's serving lease so a second serving node is refused with a clear
 * message while offline commands still work (docs/scale-out.md).
 */
import { rmSync } from 'node:fs';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestHub, tempDir, type TestHub } from '../helpers/hub.js';
import { testConfig, type ConfigOverrides } from '../../src/config/load.js';
import { openOffline, startHub } from '../../src/hub.js';
import { createLogger } from '../../src/core/log.js';
import { dropScaleOut, NATS_URL, PG_URL, scaleOutNames, scaleOutOverrides, until } from '../helpers/scale-out.js';

const names = scaleOutNames();
const { schema, prefix } = names;
const dataDir = tempDir('parapet-scale-');

const overrides: ConfigOverrides = scaleOutOverrides(names, dataDir);

const iso = () => new Date().toISOString();

afterAll(async () => {
  await dropScaleOut(names);
  rmSync(dataDir, { recursive: true, force: true });
});

async function streamMessages(): Promise<number> {
  const nc = await connect({ servers: NATS_URL });
  try {
    return (await (await jetstreamManager(nc)).streams.info(`${prefix}_bus`)).state.messages;
  } finally {
    await nc.close();
  }
}


describe('scale-out adapters in a serving hub (SPEC §7)', () => {
  let hub: TestHub;

  it('ingests, searches and alerts on PostgreSQL, with every commit published to JetStream', async () => {
    hub = await startTestHub(overrides);
    for (const [id, type, zone] of [
      ['door-1', 'access', 'lobby'],
      ['lpr-1', 'lpr', 'gate'],
    ] as const) {
      const r = await hub.api(`/devices/${id}`, { method: 'PUT', body: JSON.stringify({ type, site: 'harbour', zone, name: id, heartbeat_s: 60 }) });
      expect(r.status).toBe(201);
    }
    const before = await streamMessages();
    const batch = [
      { id: 'd-1', ts: iso(), device: 'door-1', kind: 'access.door_forced', data: { door: 'D1' } },
      { id: 'p-1', ts: iso(), device: 'lpr-1', kind: 'lpr.read', data: { plate: 'AB-123-CD', confidence: 0.9 } },
      { id: 'p-2', ts: iso(), device: 'lpr-1', kind: 'lpr.read', data: { plate: 'XY 987 ZZ', confidence: 0.8 } },
    ];
    const r = await hub.api('/events', { method: 'POST', token: hub.ingestToken, body: JSON.stringify(batch) });
    expect(r.status).toBe(202);
    expect(await r.json()).toEqual({ accepted: 3, duplicates: 0, rejected: [] });

    const page = (await (await hub.api('/events?device=lpr-1&kind=lpr.read&order=asc', { token: hub.operatorToken })).json()) as { events: Array<{ id: string; data: { plate: string } }> };
    expect(page.events.map((e) => e.id)).toEqual(['p-1', 'p-2']);
    // Pseudonymised before PostgreSQL saw them (SPEC §4.1).
    for (const e of page.events) expect(e.data.plate).toMatch(/^plate:\d{8}:[A-Za-z0-9_-]{22}$/);

    const alerts = await until(async () => {
      const list = (await (await hub.api('/alerts?rule=door-forced', { token: hub.operatorToken })).json()) as { alerts: Array<{ state: string; device: string }> };
      return list.alerts.length > 0 ? list.alerts : undefined;
    });
    expect(alerts[0]).toMatchObject({ state: 'open', device: 'door-1' });
    // The commit's events.stored notice went through the JetStream stream.
    expect(await streamMessages()).toBeGreaterThan(before);

    // No plate in clear anywhere in PostgreSQL.
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      const tables = await c.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [schema]);
      for (const { table_name } of tables.rows) {
        const hits = await c.query(`SELECT 1 FROM ${schema}."${table_name}" t WHERE t::text ILIKE '%AB-123-CD%' OR t::text ILIKE '%AB123CD%' OR t::text ILIKE '%XY987ZZ%' LIMIT 1`);
        expect(hits.rowCount, table_name).toBe(0);
      }
    } finally {
      await c.end();
    }
  });

  it('refuses a second serving node on the same schema, naming the way out, while offline commands work', async () => {
    const config = testConfig({ ...overrides, http: { port: 0 }, mqtt: { enabled: false, port: 0 }, log: { level: 'silent' } });
    await expect(startHub({ config, env: {}, logger: createLogger('silent') })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/Another hub node is serving PostgreSQL schema .* stop the other node, set store\.postgres_schema, or start this one as a standby \(--standby/) as unknown,
    });
    const offline = await openOffline({ config, env: {}, logger: createLogger('silent') });
    try {
      expect((await offline.deps.store.devices.list()).map((d) => d.id).sort()).toEqual(['door-1', 'lpr-1']);
    } finally {
      await offline.close();
    }
  });

  it('keeps events, duplicates and alerts across a restart, and frees the lease when a node stops', async () => {
    await hub.close();
    hub = await startTestHub(overrides);
    try {
      const again = await hub.api('/events', {
        method: 'POST',
        token: hub.ingestToken,
        body: JSON.stringify([{ id: 'p-1', ts: iso(), device: 'lpr-1', kind: 'lpr.read', data: { plate: 'AB-123-CD', confidence: 0.9 } }]),
      });
      expect(await again.json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
      const page = (await (await hub.api('/events?device=lpr-1&kind=lpr.read', { token: hub.operatorToken })).json()) as { events: unknown[] };
      expect(page.events).toHaveLength(2);
      const list = (await (await hub.api('/alerts?rule=door-forced', { token: hub.operatorToken })).json()) as { alerts: Array<{ state: string }> };
      expect(list.alerts.map((a) => a.state)).toEqual(['open']);
    } finally {
      await hub.close();
    }
  });
});
