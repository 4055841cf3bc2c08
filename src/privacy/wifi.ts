/**
 * Wi-Fi presence aggregation (SPEC §4.4, issue 3 §4). Sightings are turned into per-zone unique-device
 * counts; in counts-only mode (default) their pseudonyms live only in this object's memory, per
 * (site, zone, 5-minute window), and are discarded when the window closes and its count is emitted.
 * Sightings are then never stored (`consumes()` tells the pipeline so).
 *
 * Dwell mode (opt-in) also remembers, per zone, when each pseudonym was first and last seen, for at
 * most 24 hours, to emit dwell-time statistics; sightings are then stored and purged at 24 h.
 *
 * Every output is k-anonymous: a zone-window with fewer than k devices (or visits) is never emitted.
 */
import { HOUR, MINUTE } from '../core/clock.js';
import { sealSafeEvent, type SafeEvent } from '../core/event.js';
import { DEFAULT_K } from './k-anon.js';

export type WifiMode = 'counts' | 'dwell';

export interface WifiAggregatorOptions {
  readonly mode: WifiMode;
  /** Smallest group published (SPEC §4.4: default 5). */
  readonly k?: number;
  /** Counting window, ms (SPEC §4.4: pseudonyms discarded within 5 minutes). */
  readonly windowMs?: number;
  /** Dwell mode: a visit ends after this long unseen, ms. */
  readonly visitGapMs?: number;
  /** Dwell mode: longest a pseudonym is remembered, ms (capped at 24 h, SPEC §4.4). */
  readonly dwellMaxMs?: number;
}

/** One per-zone count: what becomes a `wifi.count` event. */
export interface WifiCountRow {
  readonly site: string;
  readonly zone: string | null;
  /** [window_start, window_end), epoch ms. */
  readonly window_start: number;
  readonly window_end: number;
  readonly unique_devices: number;
  /** Sensors that reported in this zone and window, sorted (the event is filed under the first). */
  readonly sensors: readonly string[];
}

/** Dwell statistics of the visits that ended in one zone and window (dwell mode only). */
export interface WifiDwellRow {
  readonly site: string;
  readonly zone: string | null;
  readonly window_start: number;
  readonly window_end: number;
  readonly visits: number;
  readonly median_s: number;
  readonly p90_s: number;
  readonly max_s: number;
}

export interface WifiFlush {
  /** Zone-windows closed by this flush (emitted or suppressed); their pseudonyms are gone. */
  readonly closed: number;
  /** Start of the oldest window still open: every sighting before it belongs to a closed window. */
  readonly openFrom: number;
  readonly counts: WifiCountRow[];
  readonly dwell: WifiDwellRow[];
  /** Zone-windows withheld because fewer than k devices or visits were in them. */
  readonly suppressed: number;
}

export const WIFI_WINDOW_MS = 5 * MINUTE;
export const DWELL_MAX_MS = 24 * HOUR;

interface Window {
  readonly site: string;
  readonly zone: string | null;
  readonly start: number;
  readonly pseudonyms: Set<string>;
  readonly sensors: Set<string>;
}

interface Visit {
  readonly site: string;
  readonly zone: string | null;
  readonly first: number;
  last: number;
}

const zoneKey = (site: string, zone: string | null): string => `${site}\u0000${zone ?? ''}`;

/** Output order: window, then site and zone. */
function byTime(a: { window_start: number; site: string; zone: string | null }, b: { window_start: number; site: string; zone: string | null }): number {
  const ka = zoneKey(a.site, a.zone);
  const kb = zoneKey(b.site, b.zone);
  return a.window_start - b.window_start || (ka < kb ? -1 : 1);
}

/** Nearest-rank percentile of a non-empty ascending list. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

export class WifiAggregator {
  private readonly windows = new Map<string, Window>();
  private readonly visits = new Map<string, Visit>();
  /** Ended visits, by zone-window key, awaiting their window's close (durations in ms). */
  private readonly ended = new Map<string, { site: string; zone: string | null; start: number; durations: number[] }>();
  private readonly k: number;
  private readonly windowMs: number;
  private readonly visitGapMs: number;
  private readonly dwellMaxMs: number;
  /** Latest window start already emitted: sightings for it or earlier arrive too late and are dropped. */
  private closedBefore = Number.NEGATIVE_INFINITY;
  /** Sightings dropped because their window had already closed. */
  late = 0;

  constructor(private readonly o: WifiAggregatorOptions) {
    this.k = o.k ?? DEFAULT_K;
    this.windowMs = o.windowMs ?? WIFI_WINDOW_MS;
    this.visitGapMs = o.visitGapMs ?? 3 * this.windowMs;
    this.dwellMaxMs = Math.min(o.dwellMaxMs ?? DWELL_MAX_MS, DWELL_MAX_MS);
  }

  get mode(): WifiMode {
    return this.o.mode;
  }

  /** True when the pipeline must not store this event (a sighting in counts-only mode). */
  consumes(e: SafeEvent): boolean {
    return e.kind === 'wifi.sighting' && this.o.mode === 'counts';
  }

  /** Pseudonyms currently held in memory (for tests and metrics). */
  held(): number {
    let n = this.visits.size;
    for (const w of this.windows.values()) n += w.pseudonyms.size;
    return n;
  }

  /**
   * Takes one event after the pseudonymise stage; ignores all but `wifi.sighting`. The window is
   * chosen by event time, but never later than the window of its arrival, so a future-dated event
   * cannot keep a pseudonym in memory longer than one window.
   */
  observe(e: SafeEvent): void {
    if (e.kind !== 'wifi.sighting') return;
    const mac = e.data.mac;
    if (typeof mac !== 'string') return;
    const t = Math.min(e.ts, e.received_at);
    const start = Math.floor(t / this.windowMs) * this.windowMs;
    if (start < this.closedBefore) {
      this.late++;
      return;
    }
    const key = `${zoneKey(e.site, e.zone)}\u0000${start}`;
    let w = this.windows.get(key);
    if (!w) {
      w = { site: e.site, zone: e.zone, start, pseudonyms: new Set(), sensors: new Set() };
      this.windows.set(key, w);
    }
    w.pseudonyms.add(mac);
    w.sensors.add(e.device);
    if (this.o.mode === 'dwell') this.track(e.site, e.zone, mac, t);
  }

  private track(site: string, zone: string | null, mac: string, t: number): void {
    const key = `${zoneKey(site, zone)}\u0000${mac}`;
    const v = this.visits.get(key);
    if (v && t - v.last <= this.visitGapMs) v.last = Math.max(v.last, t);
    else {
      if (v) this.endVisit(v, t);
      this.visits.set(key, { site, zone, first: t, last: t });
    }
  }

  /** Files an ended visit under the (still open) window of `at`, so an emitted window is never reopened. */
  private endVisit(v: Visit, at: number): void {
    const start = Math.floor(at / this.windowMs) * this.windowMs;
    const key = `${zoneKey(v.site, v.zone)}\u0000${start}`;
    let bucket = this.ended.get(key);
    if (!bucket) {
      bucket = { site: v.site, zone: v.zone, start, durations: [] };
      this.ended.set(key, bucket);
    }
    bucket.durations.push(Math.min(v.last - v.first, this.dwellMaxMs));
  }

  /**
   * Closes every window that ended by `now`: emits its k-anonymous count and forgets its pseudonyms.
   * In dwell mode, also ends visits unseen for the gap or older than 24 h (forgetting them) and emits
   * the dwell statistics of windows that closed.
   */
  flush(now: number): WifiFlush {
    const counts: WifiCountRow[] = [];
    const dwell: WifiDwellRow[] = [];
    let suppressed = 0;
    let closed = 0;
    const closeBefore = Math.floor(now / this.windowMs) * this.windowMs;
    this.closedBefore = Math.max(this.closedBefore, closeBefore);

    for (const [key, w] of this.windows) {
      if (w.start + this.windowMs > now) continue;
      this.windows.delete(key);
      closed++;
      const n = w.pseudonyms.size;
      w.pseudonyms.clear();
      if (n < this.k) {
        suppressed++;
        continue;
      }
      counts.push({ site: w.site, zone: w.zone, window_start: w.start, window_end: w.start + this.windowMs, unique_devices: n, sensors: [...w.sensors].sort() });
    }

    for (const [key, v] of this.visits) {
      if (now - v.last > this.visitGapMs || now - v.first >= this.dwellMaxMs) {
        this.visits.delete(key);
        this.endVisit(v, now);
      }
    }
    for (const [key, b] of this.ended) {
      if (b.start + this.windowMs > now) continue;
      this.ended.delete(key);
      if (b.durations.length < this.k) {
        suppressed++;
        continue;
      }
      const sorted = [...b.durations].sort((a, c) => a - c).map((ms) => Math.round(ms / 1000));
      dwell.push({
        site: b.site,
        zone: b.zone,
        window_start: b.start,
        window_end: b.start + this.windowMs,
        visits: sorted.length,
        median_s: percentile(sorted, 0.5),
        p90_s: percentile(sorted, 0.9),
        max_s: percentile(sorted, 1),
      });
    }
    return { closed, openFrom: this.closedBefore, counts: counts.sort(byTime), dwell: dwell.sort(byTime), suppressed };
  }
}

/**
 * The `wifi.count` events of a flush, to record through the pipeline (`pipeline.record`): one per
 * zone and window, filed under the zone's first reporting sensor. They hold no identifier.
 */
export function wifiCountEvents(rows: readonly WifiCountRow[], receivedAt: number): SafeEvent[] {
  const out: SafeEvent[] = [];
  for (const r of rows) {
    const device = r.sensors[0];
    if (device === undefined) continue;
    out.push(
      sealSafeEvent({
        id: `wifi-count-${r.window_start}`,
        ts: r.window_start,
        received_at: receivedAt,
        device,
        site: r.site,
        zone: r.zone,
        kind: 'wifi.count',
        data: { unique_devices: r.unique_devices, interval_s: (r.window_end - r.window_start) / 1000 },
      }),
    );
  }
  return out;
}

export interface WifiSchedulerOptions {
  readonly aggregator: WifiAggregator;
  readonly now: () => number;
  /** Receives each flush that closed a window or ended visits (records its count events, purges its sightings). */
  readonly emit: (f: WifiFlush, at: number) => void | Promise<void>;
  readonly onError: (err: unknown) => void;
  /** How often windows are checked for closing, ms (default 1 s: pseudonyms outlive their window by at most this). */
  readonly tickMs?: number;
}

/** Flushes on a timer that does not keep the process alive; returns the stop function (which flushes once more). */
export function startWifiFlusher(o: WifiSchedulerOptions): () => Promise<void> {
  const tick = async (): Promise<void> => {
    try {
      const at = o.now();
      const f = o.aggregator.flush(at);
      if (f.closed + f.dwell.length > 0) await o.emit(f, at);
    } catch (err) {
      o.onError(err);
    }
  };
  const timer = setInterval(() => void tick(), o.tickMs ?? 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await tick();
  };
}
