/**
 * The devices table as every SQL adapter (sqlite/, postgres/) lays it out: one row type, one column
 * list, one mapping to the port's DeviceRecord, so the two engines cannot drift apart.
 */
import type { DeviceType } from '../core/device.js';
import type { DeviceRecord } from './store.js';

export interface DeviceRow {
  id: string;
  type: string;
  name: string;
  site: string;
  zone: string | null;
  lat: number | null;
  lon: number | null;
  heartbeat_s: number;
  last_seen: number | null;
  fault_since: number | null;
  fault_code: string | null;
  created_at: number;
  updated_at: number;
}

export const DEVICE_COLS = 'id, type, name, site, zone, lat, lon, heartbeat_s, last_seen, fault_since, fault_code, created_at, updated_at';

export function deviceFromRow(r: DeviceRow): DeviceRecord {
  return { ...r, type: r.type as DeviceType };
}
