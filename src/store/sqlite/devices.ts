/**
 * The devices section on SQLite: synchronous statements on one connection. The store runs the
 * reads on the main thread's connection and the writes on the writer worker's (sqlite-store.ts).
 */
import type { Device } from '../../core/device.js';
import type { DeviceRecord, LivenessUpdate } from '../store.js';
import type { Db, Statement } from './connection.js';
import { DEVICE_COLS, deviceFromRow, type DeviceRow } from '../device-rows.js';

export class SqliteDevices {
  private readonly st: Record<'get' | 'list' | 'insert' | 'update' | 'delete' | 'liveness' | 'bump' | 'rev', Statement>;

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
      // The devices revision lives beside the seq high-water mark; the row appears with the first change.
      bump: db
        .prepare("INSERT INTO ev_meta (key, value) VALUES ('devices_rev', 1) ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value")
        .pluck(),
      rev: db.prepare("SELECT value FROM ev_meta WHERE key = 'devices_rev'").pluck(),
    };
  }

  get(id: string): DeviceRecord | null {
    const r = this.st.get.get(id) as DeviceRow | undefined;
    return r ? deviceFromRow(r) : null;
  }

  list(): DeviceRecord[] {
    return (this.st.list.all() as DeviceRow[]).map(deviceFromRow);
  }

  /** Inside a write transaction (the writer runs each write op in one). */
  put(d: Device, now: number): { created: boolean; rev: number } {
    const p = { id: d.id, type: d.type, name: d.name, site: d.site, zone: d.zone, lat: d.lat, lon: d.lon, heartbeat_s: d.heartbeat_s, now };
    const created = this.st.insert.run(p).changes === 1;
    if (!created) this.st.update.run(p);
    return { created, rev: this.st.bump.get() as number };
  }

  delete(id: string): { existed: boolean; rev: number } {
    const existed = this.st.delete.run(id).changes > 0;
    return { existed, rev: existed ? (this.st.bump.get() as number) : this.revision() };
  }

  revision(): number {
    const v = this.st.rev.get();
    return typeof v === 'number' ? v : 0;
  }

  setLiveness(updates: readonly LivenessUpdate[]): void {
    for (const u of updates) this.st.liveness.run(u.last_seen, u.fault_since, u.fault_code, u.device);
  }
}
