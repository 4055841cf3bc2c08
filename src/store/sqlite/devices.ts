/**
 * The devices section on SQLite: synchronous statements on one connection. The store runs the
 * reads on the main thread's connection and the writes on the writer worker's (sqlite-store.ts).
 */
import type { Device } from '../../core/device.js';
import type { DeviceRecord, LivenessUpdate } from '../store.js';
import type { Db, Statement } from './connection.js';
import { DEVICE_COLS, deviceFromRow, type DeviceRow } from '../device-rows.js';



export class SqliteDevices {
  private readonly st: Record<'get' | 'list' | 'insert' | 'update' | 'delete' | 'liveness', Statement>;

  constructor(db: Db) {
    this.st = {
      get: db.prepare(`SELECT ${DEVICE_COLS} FROM devices WHERE id = ?`),
      list: db.prepare(`SELECT ${DEVICE_COLS} FROM devices ORDER BY id`),
      insert: db.prepare(
        `INSERT INTO devices (${DEVICE_COLS}) VALUES (@id, @type, @name, @site, @zone, @lat, @lon, @heartbeat_s, NULL, NULL, NULL, @now, @now)
         ON CONFLICT (id) DO NOTHING`,
      ),
      // Registry fields only: liveness belongs to the events that set it (store.ts, DeviceStore.put).
      update: db.prepare(
        'UPDATE devices SET type = @type, name = @name, site = @site, zone = @zone, lat = @lat, lon = @lon, heartbeat_s = @heartbeat_s, updated_at = @now WHERE id = @id',
      ),
      delete: db.prepare('DELETE FROM devices WHERE id = ?'),
      liveness: db.prepare('UPDATE devices SET last_seen = ?, fault_since = ?, fault_code = ? WHERE id = ?'),
    };
  }

  get(id: string): DeviceRecord | null {
    const r = this.st.get.get(id) as DeviceRow | undefined;
    return r ? deviceFromRow(r) : null;
  }

  list(): DeviceRecord[] {
    return (this.st.list.all() as DeviceRow[]).map(deviceFromRow);
  }

  put(d: Device, now: number): { created: boolean } {
    const p = { id: d.id, type: d.type, name: d.name, site: d.site, zone: d.zone, lat: d.lat, lon: d.lon, heartbeat_s: d.heartbeat_s, now };
    if (this.st.insert.run(p).changes === 1) return { created: true };
    this.st.update.run(p);
    return { created: false };
  }

  delete(id: string): boolean {
    return this.st.delete.run(id).changes > 0;
  }

  setLiveness(updates: readonly LivenessUpdate[]): void {
    for (const u of updates) this.st.liveness.run(u.last_seen, u.fault_since, u.fault_code, u.device);
  }
}
