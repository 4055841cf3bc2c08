/** Formatting for the control room: local time, 24 h, seconds; relative ages for liveness. */
import type { WireTime } from './wire.js';

export function toMs(t: WireTime | null | undefined): number | null {
  if (t === null || t === undefined) return null;
  const ms = typeof t === 'number' ? t : Date.parse(t);
  return Number.isFinite(ms) ? ms : null;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

export function formatTime(t: WireTime | null | undefined): string {
  const ms = toMs(t);
  if (ms === null) return '—';
  return Date.now() - ms < 20 * 3600_000 ? timeFmt.format(ms) : dateTimeFmt.format(ms);
}

export function formatDateTime(t: WireTime | null | undefined): string {
  const ms = toMs(t);
  return ms === null ? '—' : dateTimeFmt.format(ms);
}

export function formatAge(t: WireTime | null | undefined, now = Date.now()): string {
  const ms = toMs(t);
  if (ms === null) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** Value for an `<input type="datetime-local">` in local time. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** RFC 3339 (UTC) from a datetime-local value, or undefined when empty/invalid. */
export function fromLocalInput(v: string): string | undefined {
  if (!v) return undefined;
  const ms = new Date(v).getTime();
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}
