/**
 * The district's event stream. Pure and seedable: `next(now)` returns the events whose time falls
 * in (previous now, now], so the same seed and the same calls give the same events. Three sources:
 *
 * - scheduled: heartbeats at each device's period, readings every minute (occupancy, counts, air
 *   quality, power), slower ones (weather, energy, battery);
 * - activity: people crossing lines, plates read, doors opened, Wi-Fi sightings, drawn in
 *   proportion to each device's rate at this time of day (rhythm.ts). With `rate` set, activity
 *   fills whatever the scheduled events leave of `rate` events per second (the load-generator mode);
 * - incidents (incidents.ts), one every `incidentEveryMs`, cycling through every kind.
 */
import { HOUR, MINUTE, SECOND } from '../core/clock.js';
import type { EventKind } from '../core/kinds.js';
import type { District, SimUnit } from './district.js';
import { randomPlate } from './district.js';
import { INCIDENT_KINDS, planIncident, type Incident, type IncidentKind, type Step } from './incidents.js';
import {
  activitiesOf,
  activityEvent,
  airQuality,
  heartbeat,
  noise,
  occupancy,
  powerKw,
  weather,
  wifiCount,
  type ActivityKind,
  type ActivityPools,
  type Emission,
  type TimeContext,
} from './readings.js';
import { level, type Rhythm } from './rhythm.js';
import { createRng, deriveSeed, type Rng } from './rng.js';
import type { SimEvent } from './sim-event.js';

export interface GeneratorOptions {
  readonly seed?: number;
  /** Target events per second; absent = the district's natural pace (a few per second per 60 devices). */
  readonly rate?: number;
  /** Time between incidents, ms (default 3 min); 0 = no incidents. */
  readonly incidentEveryMs?: number;
  /** Delay of the first incident after the first `next`, ms (default min(60 s, incidentEveryMs)). */
  readonly firstIncidentAfterMs?: number;
  /**
   * Distinguishes the ids of this run from a previous run against the same hub, so a second run is
   * not deduplicated away; resends within a run keep their ids (SPEC §2 idempotency).
   */
  readonly runId?: string;
}

export interface Generator {
  /** Events with a time in (previous call's now, now], ordered by time. The first call starts the district. */
  next(nowMs: number): SimEvent[];
  /** Incidents that started during the last `next` call. */
  readonly lastIncidents: readonly Incident[];
}

const READING_MS = MINUTE;
const SLOW_MS = 15 * MINUTE;
const BATTERY_MS = 6 * HOUR;

interface UnitState {
  readonly unit: SimUnit;
  readonly idPrefix: string;
  counter: number;
  bootAt: number;
  nextHeartbeat: number;
  nextReading: number;
  nextSlow: number;
  nextBattery: number;
  /** Outage window [offlineFrom, offlineUntil), epoch ms. */
  offlineFrom: number;
  offlineUntil: number;
  pollutedUntil: number;
  battery: number;
  energyKwh: number;
}

interface ActivityRow {
  readonly state: UnitState;
  readonly activity: ActivityKind;
  readonly rhythm: Rhythm;
  readonly perSecond: number;
}

export function createGenerator(district: District, opts: GeneratorOptions = {}): Generator {
  return new DistrictGenerator(district, opts);
}

class DistrictGenerator implements Generator {
  private readonly rng: Rng;
  private readonly states: UnitState[];
  private readonly rows: ActivityRow[];
  private readonly pools: ActivityPools;
  private readonly incidentEvery: number;
  private readonly firstIncidentAfter: number;
  private last: number | null = null;
  private nextIncident = 0;
  private incidentDeck: IncidentKind[] = [];
  private pending: Step[] = [];
  private activityCarry = 0;
  private out: SimEvent[] = [];
  lastIncidents: Incident[] = [];

  constructor(
    private readonly district: District,
    private readonly opts: GeneratorOptions,
  ) {
    const seed = opts.seed ?? district.seed;
    this.rng = createRng(deriveSeed(seed, 'events'));
    this.incidentEvery = opts.incidentEveryMs ?? 3 * MINUTE;
    this.firstIncidentAfter = opts.firstIncidentAfterMs ?? Math.min(MINUTE, this.incidentEvery);
    if (opts.rate !== undefined && !(opts.rate > 0 && Number.isFinite(opts.rate))) throw new RangeError(`rate must be a positive number, got ${opts.rate}`);
    const run = opts.runId ? `${opts.runId}-` : '';
    this.states = district.units.map((unit) => ({
      unit,
      idPrefix: `${unit.device.id}-${run}`,
      counter: 0,
      bootAt: 0,
      nextHeartbeat: 0,
      nextReading: 0,
      nextSlow: 0,
      nextBattery: 0,
      offlineFrom: 0,
      offlineUntil: 0,
      pollutedUntil: 0,
      battery: 55 + this.rng.int(0, 45),
      energyKwh: this.rng.int(1_000, 90_000),
    }));
    this.rows = this.states.flatMap((state) => activitiesOf(state.unit).map((a) => ({ state, ...a })));
    const macRng = createRng(deriveSeed(seed, 'macs'));
    this.pools = {
      // Phones randomise their MAC: locally administered (second hex digit 2, 6, A or E).
      macs: Array.from({ length: 2_000 }, () => {
        const bytes = Array.from({ length: 6 }, () => macRng.int(0, 255));
        bytes[0] = ((bytes[0] ?? 0) & 0xfc) | 0x02;
        return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
      }),
      visitorPlate: () => randomPlate(this.rng),
    };
  }

  next(nowMs: number): SimEvent[] {
    this.out = [];
    this.lastIncidents = [];
    if (this.last === null) {
      this.boot(nowMs);
      this.last = nowMs;
      return this.flush();
    }
    const from = this.last;
    if (nowMs <= from) return [];
    this.last = nowMs;
    this.runIncidents(from, nowMs);
    const scheduled = this.runSchedules(nowMs);
    this.runActivity(from, nowMs, scheduled);
    return this.flush();
  }

  private flush(): SimEvent[] {
    const events = this.out;
    this.out = [];
    return events.sort((a, b) => a.ts - b.ts);
  }

  private emit(state: UnitState, ts: number, e: Emission): void {
    state.counter += 1;
    this.out.push({ id: state.idPrefix + String(state.counter).padStart(6, '0'), ts, device: state.unit.device.id, kind: e.kind, data: e.data });
  }

  private ctx(ts: number): TimeContext {
    return { ts, district: this.district, rng: this.rng };
  }

  /** Every device says hello at start, spread over the first few seconds, then keeps its own phase. */
  private boot(now: number): void {
    for (const s of this.states) {
      const hbMs = s.unit.device.heartbeat_s * SECOND;
      s.bootAt = now - this.rng.int(1, 72) * HOUR;
      this.emit(s, now, heartbeat(s.unit, now, s.bootAt));
      s.nextHeartbeat = now + (hbMs > 0 ? this.rng.int(Math.floor(hbMs / 2), hbMs) : Infinity);
      s.nextReading = now + this.rng.int(1, READING_MS);
      s.nextSlow = now + this.rng.int(1, SLOW_MS);
      s.nextBattery = s.unit.battery ? now + this.rng.int(1, BATTERY_MS) : Infinity;
    }
    this.nextIncident = this.incidentEvery > 0 ? now + this.firstIncidentAfter : Infinity;
  }

  private runSchedules(now: number): number {
    const before = this.out.length;
    for (const s of this.states) {
      const hbMs = s.unit.device.heartbeat_s * SECOND;
      while (s.nextHeartbeat <= now) {
        if (!isOffline(s, s.nextHeartbeat)) this.emit(s, s.nextHeartbeat, heartbeat(s.unit, s.nextHeartbeat, s.bootAt));
        s.nextHeartbeat += hbMs;
      }
      while (s.nextReading <= now) {
        if (!isOffline(s, s.nextReading)) this.reading(s, s.nextReading);
        s.nextReading += READING_MS;
      }
      while (s.nextSlow <= now) {
        if (!isOffline(s, s.nextSlow)) this.slowReading(s, s.nextSlow);
        s.nextSlow += SLOW_MS;
      }
      while (s.nextBattery <= now) {
        // Batteries drain about 1 % a day and are swapped when low.
        s.battery = s.battery <= 12 ? 100 : s.battery - 0.25;
        if (!isOffline(s, s.nextBattery)) this.emit(s, s.nextBattery, { kind: 'device.battery', data: { percent: Math.round(s.battery) } });
        s.nextBattery += BATTERY_MS;
      }
    }
    return this.out.length - before;
  }

  private reading(s: UnitState, ts: number): void {
    const ctx = this.ctx(ts);
    switch (s.unit.device.type) {
      case 'camera':
        this.emit(s, ts, occupancy(s.unit, ctx));
        break;
      case 'wifi':
        this.emit(s, ts, wifiCount(s.unit, ctx));
        break;
      case 'env':
        this.emit(s, ts, airQuality(s.unit, ctx, ts < s.pollutedUntil));
        this.emit(s, ts, noise(s.unit, ctx));
        break;
      case 'meter': {
        const kw = powerKw(s.unit, ctx);
        s.energyKwh += (kw * READING_MS) / HOUR;
        this.emit(s, ts, { kind: 'telemetry.reading', data: { metric: 'power', value: kw, unit: 'kW' } });
        break;
      }
      default:
        break;
    }
  }

  private slowReading(s: UnitState, ts: number): void {
    if (s.unit.device.type === 'env') this.emit(s, ts, weather(s.unit, this.ctx(ts)));
    if (s.unit.device.type === 'meter') {
      this.emit(s, ts, { kind: 'telemetry.reading', data: { metric: 'energy', value: Math.round(s.energyKwh * 10) / 10, unit: 'kWh' } });
    }
  }

  private runActivity(from: number, now: number, scheduled: number): void {
    const utc = this.district.utcOffsetMin;
    const mid = from + (now - from) / 2;
    const levels = new Map<Rhythm, number>();
    const lv = (r: Rhythm): number => {
      let v = levels.get(r);
      if (v === undefined) {
        v = level(r, mid, utc);
        levels.set(r, v);
      }
      return v;
    };
    const cumulative = new Float64Array(this.rows.length);
    let total = 0;
    for (let i = 0; i < this.rows.length; i++) {
      const row = this.rows[i];
      if (row && !isOffline(row.state, mid)) total += row.perSecond * lv(row.rhythm);
      cumulative[i] = total;
    }
    if (total <= 0) return;
    const seconds = (now - from) / SECOND;
    const wanted = this.opts.rate !== undefined ? Math.max(0, this.opts.rate * seconds - scheduled) : total * seconds;
    this.activityCarry += wanted;
    const n = Math.floor(this.activityCarry);
    this.activityCarry -= n;
    for (let k = 0; k < n; k++) {
      const row = this.rows[lowerBound(cumulative, this.rng.next() * total)];
      const ts = Math.min(now, from + 1 + Math.floor(this.rng.next() * (now - from)));
      if (!row || isOffline(row.state, ts)) continue;
      this.emit(row.state, ts, activityEvent(row.activity, row.state.unit, this.ctx(ts), this.pools));
    }
  }

  private runIncidents(from: number, now: number): void {
    while (this.nextIncident <= now) {
      const at = this.nextIncident;
      this.nextIncident += this.incidentEvery;
      this.startIncident(at);
    }
    const due = this.pending.filter((p) => p.at <= now);
    if (due.length === 0) return;
    this.pending = this.pending.filter((p) => p.at > now);
    for (const step of due.sort((a, b) => a.at - b.at)) this.play(step, Math.max(step.at, from + 1));
  }

  private startIncident(at: number): void {
    // Try each kind of the deck once at most: a small district may lack the device a kind needs.
    for (let tries = 0; tries < INCIDENT_KINDS.length; tries++) {
      if (this.incidentDeck.length === 0) this.incidentDeck = shuffle([...INCIDENT_KINDS], this.rng);
      const kind = this.incidentDeck.shift();
      if (kind === undefined) return;
      const plan = planIncident(kind, at, this.district, this.rng);
      if (plan) {
        this.lastIncidents.push(plan.incident);
        this.pending.push(...plan.steps);
        return;
      }
    }
  }

  private play(step: Step, ts: number): void {
    const s = this.states[step.unit];
    if (!s) return;
    const a = step.action;
    switch (a.type) {
      case 'event':
        if (!isOffline(s, ts)) this.emit(s, ts, { kind: a.kind satisfies EventKind, data: a.data });
        break;
      case 'offline':
        s.offlineFrom = step.at;
        s.offlineUntil = a.until;
        break;
      case 'online':
        // Back from an outage: a fresh boot, an immediate heartbeat, then the usual period.
        s.bootAt = ts;
        this.emit(s, ts, heartbeat(s.unit, ts, s.bootAt));
        s.nextHeartbeat = ts + s.unit.device.heartbeat_s * SECOND;
        break;
      case 'pollution':
        s.pollutedUntil = a.until;
        break;
    }
  }
}

function isOffline(s: UnitState, ts: number): boolean {
  return ts >= s.offlineFrom && ts < s.offlineUntil;
}

function lowerBound(cumulative: Float64Array, x: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] ?? 0) > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const a = items[i];
    const b = items[j];
    if (a !== undefined && b !== undefined) {
      items[i] = b;
      items[j] = a;
    }
  }
  return items;
}
