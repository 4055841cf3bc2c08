/**
 * The devices section on PostgreSQL. Liveness changes go through the appender (pg-append.ts), so
 * they keep their order with the appends of this store and lock device rows in the same order.
 */
import type pg from 'pg';
import type { DeviceStore } from '../store.js';
import type { PgAppender } from './pg-append.js';
import { guard } from './pg-sql.js';
import { DEVICE_COLS, deviceFromRow, type DeviceRow } from '../device-rows.js';

export function createPgDeviceStore(pool: pg.Pool, schema: string, appender: PgAppender): DeviceStore {
  const t = `${schema}.devices`;
  const meta = `${schema}.meta`;
  const bumpSql = `INSERT INTO ${meta} (key, value) VALUES ('devices_rev', 1) ON CONFLICT (key) DO UPDATE SET value = ${meta}.value + 1 RETURNING value`;
  const revision = async (): Promise<number> => {
    const r = await pool.query<{ value: string }>(`SELECT value FROM ${meta} WHERE key = 'devices_rev'`);
    return Number(r.rows[0]?.value ?? 0);
  };
  return {
    put: (d, now) =>
      guard(
        (async () => {
          // Registry fields only: liveness belongs to the events that set it (store.ts, DeviceStore.put).
          // xmax is 0 on a row this statement inserted and set on one it updated. One statement, so
          // the change and the revision it makes commit together.
          const r = await pool.query<{ created: boolean; rev: string }>(
            `WITH d AS (
               INSERT INTO ${t} (${DEVICE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL, NULL, $9, $9)
               ON CONFLICT (id) DO UPDATE SET type = excluded.type, name = excluded.name, site = excluded.site, zone = excluded.zone,
                 lat = excluded.lat, lon = excluded.lon, heartbeat_s = excluded.heartbeat_s, updated_at = excluded.updated_at
               RETURNING (xmax = 0) AS created),
             r AS (${bumpSql})
             SELECT d.created, r.value AS rev FROM d, r`,
            [d.id, d.type, d.name, d.site, d.zone, d.lat, d.lon, d.heartbeat_s, now],
          );
          const row = r.rows[0];
          return { created: row?.created === true, rev: Number(row?.rev ?? 0) };
        })(),
        'invalid_device',
      ),
    get: (id) =>
      guard(
        (async () => {
          const r = await pool.query<DeviceRow>(`SELECT ${DEVICE_COLS} FROM ${t} WHERE id = $1`, [id]);
          const row = r.rows[0];
          return row ? deviceFromRow(row) : null;
        })(),
      ),
    list: () => guard((async () => (await pool.query<DeviceRow>(`SELECT ${DEVICE_COLS} FROM ${t} ORDER BY id`)).rows.map(deviceFromRow))()),
    delete: (id) =>
      guard(
        (async () => {
          // The revision moves only when a row went: the bump's CTE reads the delete's result.
          const r = await pool.query<{ existed: boolean; rev: string | null }>(
            `WITH d AS (DELETE FROM ${t} WHERE id = $1 RETURNING id),
             r AS (INSERT INTO ${meta} (key, value) SELECT 'devices_rev', 1 FROM d
                   ON CONFLICT (key) DO UPDATE SET value = ${meta}.value + 1 RETURNING value)
             SELECT EXISTS (SELECT 1 FROM d) AS existed, (SELECT value FROM r) AS rev`,
            [id],
          );
          const row = r.rows[0];
          if (row?.existed === true && row.rev !== null) return { existed: true, rev: Number(row.rev) };
          return { existed: false, rev: await revision() };
        })(),
      ),
    revision: () => guard(revision()),
    setLiveness: (updates) => appender.setLiveness(updates),
  };
}
