/**
 * Daily rhythms of a district: how busy people, vehicles, doors and the grid are at a given time
 * of day. Each curve gives a level in [0, 1] per local hour and is interpolated linearly between
 * hours, so counts drift smoothly instead of jumping on the hour.
 */
import { DAY, HOUR } from '../core/clock.js';

export type Rhythm = 'footfall' | 'traffic' | 'office' | 'power' | 'night';

/** Levels at 00:00, 01:00 … 23:00 local time. */
const CURVES: Readonly<Record<Rhythm, readonly number[]>> = {
  // pedestrians: quiet night, morning rise, lunch and evening peaks (promenades, plazas)
  footfall: [0.08, 0.05, 0.03, 0.02, 0.02, 0.04, 0.1, 0.3, 0.55, 0.5, 0.5, 0.65, 0.85, 0.8, 0.6, 0.55, 0.65, 0.85, 1, 0.9, 0.7, 0.45, 0.25, 0.14],
  // vehicles: two rush hours
  traffic: [0.06, 0.04, 0.03, 0.03, 0.05, 0.15, 0.45, 0.9, 1, 0.7, 0.55, 0.55, 0.6, 0.6, 0.55, 0.6, 0.8, 1, 0.95, 0.65, 0.4, 0.25, 0.15, 0.1],
  // doors of offices and warehouses: working hours
  office: [0.02, 0.01, 0.01, 0.01, 0.01, 0.03, 0.15, 0.6, 1, 0.8, 0.6, 0.55, 0.7, 0.75, 0.6, 0.55, 0.6, 0.85, 0.5, 0.2, 0.08, 0.05, 0.03, 0.02],
  // electricity demand: base load plus day and evening peaks
  power: [0.35, 0.3, 0.28, 0.27, 0.28, 0.33, 0.45, 0.65, 0.8, 0.85, 0.85, 0.88, 0.9, 0.88, 0.85, 0.85, 0.88, 0.95, 1, 0.95, 0.8, 0.65, 0.5, 0.4],
  // intrusions and loitering are a night-time concern
  night: [1, 1, 1, 0.95, 0.85, 0.6, 0.3, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 0.95],
};

/** Fractional local hour of day in [0, 24). */
export function localHour(nowMs: number, utcOffsetMin: number): number {
  const ms = (((nowMs + utcOffsetMin * 60_000) % DAY) + DAY) % DAY;
  return ms / HOUR;
}

/** Level of a rhythm at a time, in [0, 1]. */
export function level(rhythm: Rhythm, nowMs: number, utcOffsetMin = 0): number {
  const curve = CURVES[rhythm];
  const h = localHour(nowMs, utcOffsetMin);
  const i = Math.floor(h);
  const a = curve[i % 24] ?? 0;
  const b = curve[(i + 1) % 24] ?? 0;
  return a + (b - a) * (h - i);
}
