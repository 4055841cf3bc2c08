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
  return {
    put: (d, now) =>
      guard(
        (async () => {
          // Registry fields only: liveness belongs to the events that set it (store.ts, DeviceStore.put).
          // xmax is 0 on a row this statement inserted and set on one it updated.
          const r = await pool.query<{ created: boolean }>(
            `INSERT INTO ${t} (${DEVICE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL, NULL, $9, $9)
             ON CONFLICT (id) DO UPDATE SET type = excluded.type, name = excluded.name, site = excluded.site, zone = excluded.zone,
               lat = excluded.lat, lon = excluded.lon, heartbeat_s = excluded.heartbeat_s, updated_at = excluded.updated_at
             RETURNING (xmax = 0) AS created`,
            [d.id, d.type, d.name, d.site, d.zone, d.lat, d.lon, d.heartbeat_s, now],
          );
          return { created: r.rows[0]?.created === true };
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
    delete: (id) => guard((async () => ((await pool.query(`DELETE FROM ${t} WHERE id = $1`, [id])).rowCount ?? 0) > 0)()),
    setLiveness: (updates) => appender.setLiveness(updates),
  };
}
