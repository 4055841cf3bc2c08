/** Small measuring tools of the benchmark: percentiles, peak RSS, the shared run context. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Progress } from '../src/cli/progress.js';

export interface BenchOptions {
  readonly quick: boolean;
  /** Rows for the baseline and the store append comparison. */
  readonly rows: number;
  /** Events in the store before the query measurement (issue 2: ≥ 5,000,000). */
  readonly fill: number;
  readonly queries: number;
  readonly devices: number;
  /** End-to-end HTTP ingest duration, s; 0 skips it. */
  readonly e2eSeconds: number;
  readonly e2eConcurrency: number;
  readonly e2eBatch: number;
  /** When set, the e2e hub process writes V8 CPU profiles (main thread and workers) here. */
  readonly profileDir: string | undefined;
  /** (f) Measure the peer InfluxDB in the same run (peer-influx.ts). */
  readonly peerInflux: boolean;
  /** Its server binary; Debian's `influxdb` package by default. */
  readonly influxd: string | undefined;
  readonly dir: string;
}

export type Figures = Record<string, number | string | boolean | null>;

/** A wrong flag or a missing tool: said in one line, without a stack. */
export class UsageError extends Error {}

export interface BenchContext {
  readonly opts: BenchOptions;
  readonly progress: Progress;
  /** A line kept on screen (a section's result). */
  note(line: string): void;
}

export interface Section {
  readonly name: string;
  run(ctx: BenchContext): Promise<Figures>;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

/** Peak resident set of a process, MB (Linux VmHWM; falls back to this process's maxRSS). */
export function peakRssMb(pid: number | 'self' = 'self'): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) return Math.round(Number(m[1]) / 1024);
  } catch {
    // not Linux, or the process is gone
  }
  return pid === 'self' ? Math.round(process.resourceUsage().maxRSS / 1024) : NaN;
}

/**
 * CPU time (user + system, ms) a process has used so far, all its threads: from /proc/<pid>/stat
 * (fields 14 and 15, in clock ticks of 1/100 s on Linux), or this process's own resource usage.
 */
export function cpuMs(pid: number | 'self' = 'self'): number {
  if (pid === 'self') {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after it start past its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** Starts a fresh peak-RSS window for this process (Linux: clear_refs 5 resets VmHWM). */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

export const rate = (n: number, ms: number): number => Math.round((n * 1000) / Math.max(ms, 1));
export const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
