/**
 * The dedupe index of the writer (SPEC §2: a repeated (device, id) is a duplicate).
 *
 * A device that numbers its events (`cam-017-000123`, dedupe-key.ts) sends mostly consecutive
 * numbers, so the numbers it has used are a few runs [lo, hi]. Those runs are kept per (device,
 * id prefix), in memory and in one row of `ev_dedupe_runs`, rewritten once per commit — instead of
 * one index entry per event, which cost about as much as storing the event itself (measured:
 * ~5 µs of ~11 µs writer CPU per event).
 *
 * Numbers that do not fit the runs are "loose": one row each in `ev_dedupe_num`, as every id was
 * before. `looseMax` (the largest loose number ever written) tells when a number cannot be loose,
 * so a device that counts upwards never probes that table. Any other id is text in `ev_dedupe`.
 * Every id therefore has exactly one place it can be recorded; runs and loose rows never overlap.
 */
import type { Db, Statement } from './connection.js';
import { numericDedupeKey } from './dedupe-key.js';

/** Runs kept per (device, prefix) before new numbers go loose; a purge may briefly leave more. */
export const MAX_RUNS = 32;
const VALUE_BITS = 2 ** 44;

interface RunState {
  readonly dev: number;
  readonly head: number;
  /** Sorted, disjoint, non-adjacent runs, flat: [lo0, hi0, lo1, hi1, …]. */
  runs: number[];
  /** Largest loose value written for this (device, prefix); −1 when none. */
  looseMax: number;
  dirty: boolean;
}

export class DedupeIndex {
  private states = new Map<number, RunState>();
  private readonly st: Record<'text' | 'untext' | 'loose' | 'unloose' | 'load' | 'looseMax' | 'save' | 'drop' | 'dataVersion', Statement>;
  private dataVersion = -1;

  /** `maxRuns`: the run budget per (device, prefix); tests lower it to reach every path. */
  constructor(
    db: Db,
    private readonly maxRuns = MAX_RUNS,
  ) {
    this.st = {
      text: db.prepare('INSERT OR IGNORE INTO ev_dedupe (dev, id) VALUES (?, ?)'),
      untext: db.prepare('DELETE FROM ev_dedupe WHERE dev = ? AND id = ?'),
      loose: db.prepare('INSERT OR IGNORE INTO ev_dedupe_num (dev, k) VALUES (?, ?)'),
      unloose: db.prepare('DELETE FROM ev_dedupe_num WHERE dev = ? AND k = ?'),
      load: db.prepare('SELECT runs, loose_max FROM ev_dedupe_runs WHERE dev = ? AND head = ?'),
      looseMax: db.prepare('SELECT max(k) FROM ev_dedupe_num WHERE dev = ? AND k >= ? AND k < ?').pluck(),
      save: db.prepare(
        'INSERT INTO ev_dedupe_runs (dev, head, runs, loose_max) VALUES (?, ?, ?, ?) ON CONFLICT (dev, head) DO UPDATE SET runs = excluded.runs, loose_max = excluded.loose_max',
      ),
      drop: db.prepare('DELETE FROM ev_dedupe_runs WHERE dev = ? AND head = ?'),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
    };
  }

  /** At the start of a write transaction: another connection's commit may have changed the index. */
  begin(): void {
    const v = this.st.dataVersion.get() as number;
    if (v !== this.dataVersion) this.states = new Map();
    this.dataVersion = v;
  }

  /** Records the id; false when it repeats one already recorded. Inside a write transaction. */
  record(dev: number, device: string, id: string): boolean {
    const k = numericDedupeKey(device, id);
    if (k === null) return this.st.text.run(dev, id).changes > 0;
    const s = this.state(dev, k);
    const v = k % VALUE_BITS;
    const runs = s.runs;
    const i = runIndex(runs, v);
    if (i >= 0 && (runs[i + 1] as number) >= v) return false;
    if (v <= s.looseMax) return this.st.loose.run(dev, k).changes > 0;
    s.dirty = true;
    // Extend the run ending just before v (i), or the one starting just after it (i + 2).
    if (i >= 0 && runs[i + 1] === v - 1) {
      runs[i + 1] = v;
      if (runs[i + 2] === v + 1) runs.splice(i + 1, 2);
      return true;
    }
    if (runs[i + 2] === v + 1) {
      runs[i + 2] = v;
      return true;
    }
    if (runs.length / 2 < this.maxRuns) {
      runs.splice(i + 2, 0, v, v);
      return true;
    }
    s.looseMax = v;
    return this.st.loose.run(dev, k).changes > 0;
  }

  /** Forgets a purged event's id. Inside a write transaction; call flush() before it commits. */
  forget(dev: number, device: string, id: string): void {
    const k = numericDedupeKey(device, id);
    if (k === null) {
      this.st.untext.run(dev, id);
      return;
    }
    const s = this.state(dev, k);
    const v = k % VALUE_BITS;
    const runs = s.runs;
    const i = runIndex(runs, v);
    const lo = runs[i] as number;
    const hi = runs[i + 1] as number;
    if (i < 0 || hi < v) {
      this.st.unloose.run(dev, k);
      return;
    }
    s.dirty = true;
    if (lo === hi) runs.splice(i, 2);
    else if (v === lo) runs[i] = v + 1;
    else if (v === hi) runs[i + 1] = v - 1;
    else runs.splice(i + 1, 0, v - 1, v + 1);
  }

  /** Writes the runs changed in this transaction; runs a purge fragmented go loose, oldest first. */
  flush(): void {
    for (const s of this.states.values()) {
      if (!s.dirty) continue;
      while (s.runs.length / 2 > this.maxRuns) {
        const [lo, hi] = s.runs.splice(0, 2) as [number, number];
        for (let v = lo; v <= hi; v++) this.st.loose.run(s.dev, s.head * VALUE_BITS + v);
        s.looseMax = Math.max(s.looseMax, hi);
      }
      if (s.runs.length === 0 && s.looseMax < 0) this.st.drop.run(s.dev, s.head);
      else this.st.save.run(s.dev, s.head, JSON.stringify(s.runs), s.looseMax);
      s.dirty = false;
    }
  }

  /** After a commit: our own commit does not invalidate what we cached. */
  committed(): void {
    this.dataVersion = this.st.dataVersion.get() as number;
  }

  /** After a rollback: what is cached may include changes that never happened. */
  reset(): void {
    this.states = new Map();
    this.dataVersion = -1;
  }

  private state(dev: number, k: number): RunState {
    const head = Math.floor(k / VALUE_BITS);
    // head < 2^7 (dedupe-key.ts), so this key is unique per (dev, head).
    const key = dev * 128 + head;
    let s = this.states.get(key);
    if (!s) {
      const row = this.st.load.get(dev, head) as { runs: string; loose_max: number } | undefined;
      // No row: numbers of this prefix, if any, are all loose rows (e.g. written by schema v1).
      const loose = row ? null : (this.st.looseMax.get(dev, head * VALUE_BITS, (head + 1) * VALUE_BITS) as number | null);
      s = { dev, head, runs: row ? (JSON.parse(row.runs) as number[]) : [], looseMax: row ? row.loose_max : loose === null ? -1 : loose % VALUE_BITS, dirty: false };
      this.states.set(key, s);
    }
    return s;
  }
}

/** Index (even) of the last run with lo ≤ v, or −2 when v lies before every run. */
function runIndex(runs: readonly number[], v: number): number {
  let a = 0;
  let b = runs.length / 2 - 1;
  let found = -1;
  while (a <= b) {
    const m = (a + b) >> 1;
    if ((runs[2 * m] as number) <= v) {
      found = m;
      a = m + 1;
    } else b = m - 1;
  }
  return found * 2;
}
