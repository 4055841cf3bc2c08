/** The city of the map benchmarks (bench/map.ts, bench/map-viewport.ts): the same devices in both. */
import type { DeviceInput, DeviceType } from '../src/core/device.js';
import { createRng } from '../src/sim/rng.js';

const TYPES: readonly DeviceType[] = ['camera', 'lpr', 'access', 'fire', 'env', 'wifi', 'meter', 'other'];

/** A city's worth of devices: 40 districts (dense blobs) over ~20 km, around Lisbon's waterfront. */
export function cityDevices(n: number): DeviceInput[] {
  const r = createRng(42).next;
  const centres = Array.from({ length: 40 }, () => ({ lat: 38.72 + (r() - 0.5) * 0.18, lon: -9.14 + (r() - 0.5) * 0.24, spread: 0.002 + r() * 0.01 }));
  const out: DeviceInput[] = [];
  for (let i = 0; i < n; i++) {
    const c = centres[i % centres.length] ?? { lat: 38.72, lon: -9.14, spread: 0.005 };
    // Box-Muller: gaussian scatter around the district centre.
    const g = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
    const h = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.sin(2 * Math.PI * r());
    out.push({
      id: `d-${String(i).padStart(6, '0')}`,
      type: TYPES[i % TYPES.length] ?? 'other',
      site: `district-${i % centres.length}`,
      zone: `zone-${i % 400}`,
      lat: Math.round((c.lat + g * c.spread) * 1e6) / 1e6,
      lon: Math.round((c.lon + h * c.spread * 1.3) * 1e6) / 1e6,
      heartbeat_s: 300,
    });
  }
  return out;
}

/** The viewport queries both benchmarks time: name, bbox (w,s,e,n) and zoom. */
export const MAP_VIEWS: ReadonlyArray<readonly [string, string, number]> = [
  ['city (z11)', '-9.35,38.60,-8.93,38.84', 11],
  ['district (z14)', '-9.16,38.70,-9.11,38.73', 14],
  ['street (z17)', '-9.1450,38.7190,-9.1390,38.7225', 17],
];
