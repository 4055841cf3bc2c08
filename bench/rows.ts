/**
 * The benchmark's event stream: a district of devices of every family, each mostly sending its own
 * kind plus heartbeats, with client ids (`<device>-<counter>`, as SPEC §2's example) and
 * identifiers already in pseudonym form — the rows the store really receives after ingest. One
 * generator feeds the raw baseline, the store benchmark and the HTTP load, so all measure the same
 * rows. Deterministic (seeded), so runs compare.
 */
import { sealSafeEvent, type SafeEvent } from '../src/core/event.js';
import type { Device, DeviceType } from '../src/core/device.js';
import { createRng } from '../src/sim/rng.js';

export interface DistrictOptions {
  readonly devices: number;
  /** Event time of the first event, epoch ms. */
  readonly start: number;
  /** Events per second of event time (spacing of ts, not the ingest rate). */
  readonly rate: number;
  readonly seed?: number;
}

interface Profile {
  readonly type: DeviceType;
  readonly prefix: string;
  readonly data: (r: () => number, i: number, dev: number) => { kind: SafeEvent['kind']; data: Record<string, unknown> };
}

const pseudo = (cls: string, r: () => number) => `${cls}:20261126:${Math.floor(r() * 2 ** 52).toString(36).padEnd(11, 'x')}${Math.floor(r() * 2 ** 52).toString(36).padEnd(11, 'y')}`;

const PROFILES: readonly Profile[] = [
  { type: 'camera', prefix: 'cam', data: (r, i, d) => (i % 3 === 0 ? { kind: 'camera.occupancy', data: { zone: `zone-${d % 40}`, object: 'person', count: Math.floor(r() * 40) } } : { kind: 'camera.motion', data: { zone: `zone-${d % 40}` } }) },
  { type: 'env', prefix: 'env', data: (r) => ({ kind: 'env.noise', data: { laeq: Math.round(400 + r() * 400) / 10 } }) },
  { type: 'access', prefix: 'door', data: (r, _i, d) => ({ kind: 'access.granted', data: { door: `door-${d}`, credential: pseudo('credential', r), method: 'card' } }) },
  { type: 'lpr', prefix: 'lpr', data: (r) => ({ kind: 'lpr.read', data: { plate: pseudo('plate', r), confidence: Math.round(r() * 100) / 100, direction: r() < 0.5 ? 'in' : 'out' } }) },
  { type: 'meter', prefix: 'meter', data: (r) => ({ kind: 'telemetry.reading', data: { metric: 'power_kw', value: Math.round(r() * 10_000) / 100, unit: 'kW' } }) },
];


const profileOf = (d: number) => PROFILES[d % PROFILES.length] as Profile;
export const deviceId = (d: number) => `${profileOf(d).prefix}-${String(d).padStart(4, '0')}`;
export const siteOf = (d: number) => (d % 10 < 7 ? 'harbour' : 'old-town');

export function districtDevices(n: number): Device[] {
  return Array.from({ length: n }, (_, d) => ({
    id: deviceId(d),
    type: profileOf(d).type,
    name: deviceId(d),
    site: siteOf(d),
    zone: `zone-${d % 40}`,
    lat: 38.76 + (d % 100) / 10_000,
    lon: -9.1 + Math.floor(d / 100) / 10_000,
    heartbeat_s: 60,
  }));
}

/** An endless, deterministic stream of safe events; `next(n)` returns the next n. */
export class District {
  private i = 0;
  private readonly r: () => number;
  private readonly counters: Uint32Array;
  private readonly ids: string[];
  private readonly sites: string[];

  constructor(private readonly o: DistrictOptions) {
    this.r = createRng(o.seed ?? 42).next;
    this.counters = new Uint32Array(o.devices);
    this.ids = Array.from({ length: o.devices }, (_, d) => deviceId(d));
    this.sites = Array.from({ length: o.devices }, (_, d) => siteOf(d));
  }

  /** How many events were generated so far. */
  get count(): number {
    return this.i;
  }

  /** Event time of the next event. */
  get nextTs(): number {
    return this.o.start + Math.floor((this.i * 1000) / this.o.rate);
  }

  next(n: number): SafeEvent[] {
    const out = new Array<SafeEvent>(n);
    for (let k = 0; k < n; k++) {
      const i = this.i++;
      // Devices take turns in a scrambled order, as independent senders would.
      const d = (i * 7919) % this.o.devices;
      const c = this.counters[d] as number;
      this.counters[d] = c + 1;
      const ts = this.o.start + Math.floor((i * 1000) / this.o.rate);
      // One event in 20 is a heartbeat; the rest is the device's own kind.
      const { kind, data } = c % 20 === 19 ? { kind: 'device.heartbeat' as const, data: { uptime_s: c } } : profileOf(d).data(this.r, c, d);
      const dev = this.ids[d] as string;
      out[k] = sealSafeEvent({
        id: `${dev}-${String(c).padStart(8, '0')}`,
        ts,
        received_at: ts + 40 + Math.floor(this.r() * 200),
        device: dev,
        site: this.sites[d] as string,
        zone: 'zone' in data && typeof data.zone === 'string' ? data.zone : `zone-${d % 40}`,
        kind,
        data,
      });
    }
    return out;
  }
}
