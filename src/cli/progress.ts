/**
 * Progress of a long-running command (SPEC §3): on a terminal, one line redrawn in place; otherwise
 * a plain line every `plainEveryMs`, so logs and CI output stay readable.
 */
import type { Output } from './context.js';
import type { RunStats } from '../sim/runner.js';

export interface Progress {
  /** The latest status; drawn now on a terminal (at most every 100 ms), else when a plain line is due. */
  update(text: string): void;
  /** A line that must not be overwritten (an incident, a warning). */
  note(text: string): void;
  /** Ends the progress display (the terminal line is kept). */
  done(): void;
}

export interface ProgressOptions {
  readonly plainEveryMs?: number;
  readonly now?: () => number;
}

export function createProgress(out: Output, opts: ProgressOptions = {}): Progress {
  const now = opts.now ?? (() => Date.now());
  const tty = out.isTTY === true;
  const plainEvery = opts.plainEveryMs ?? 5_000;
  let last = '';
  let lastDrawn = -Infinity;
  let drawn = false;
  const fit = (text: string): string => {
    const width = out.columns ?? 0;
    return width > 1 && text.length >= width ? text.slice(0, width - 1) : text;
  };
  const draw = (): void => {
    out.write(`\r\x1b[2K${fit(last)}`);
    drawn = true;
  };
  return {
    update(text) {
      last = text;
      const t = now();
      if (tty) {
        if (t - lastDrawn >= 100) {
          draw();
          lastDrawn = t;
        }
      } else if (t - lastDrawn >= plainEvery) {
        out.write(text + '\n');
        lastDrawn = t;
      }
    },
    note(text) {
      if (tty && drawn) {
        out.write(`\r\x1b[2K${text}\n`);
        draw();
      } else {
        out.write(text + '\n');
      }
    },
    done() {
      if (tty) {
        if (last) draw();
        if (drawn) out.write('\n');
      } else if (last && lastDrawn !== now()) {
        out.write(last + '\n');
      }
      drawn = false;
    },
  };
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** `sent 1,234 · accepted 1,200 · rejected 34 · 250 ev/s · 0:42` */
export function formatStats(s: Readonly<RunStats>): string {
  const parts = [`sent ${int(s.sent)}`, `accepted ${int(s.accepted)}`];
  if (s.duplicates > 0) parts.push(`duplicates ${int(s.duplicates)}`);
  parts.push(`rejected ${int(s.rejected)}`, `${s.rate >= 100 ? int(s.rate) : s.rate.toFixed(1)} ev/s`, formatDuration(s.elapsedMs));
  return parts.join(' · ');
}

/** The closing summary, one or two lines. */
export function formatSummary(s: Readonly<RunStats>): string[] {
  const secs = (s.elapsedMs / 1000).toFixed(1);
  const lines = [
    `sent ${int(s.sent)} events in ${secs} s (${s.rate.toFixed(1)}/s): ${int(s.accepted)} accepted, ${int(s.duplicates)} duplicates, ${int(s.rejected)} rejected; ${s.incidents} incidents staged`,
  ];
  const by = Object.entries(s.rejectedBy).sort((a, b) => b[1] - a[1]);
  if (by.length > 0) lines.push(`rejected by reason: ${by.map(([code, n]) => `${code} ${int(n)}`).join(', ')}`);
  return lines;
}
