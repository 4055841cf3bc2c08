import Database from 'better-sqlite3-multiple-ciphers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { migrate } from './migrations.js';
import { DedupeIndex, MAX_RUNS } from './dedupe-runs.js';
import { numericDedupeKey } from './dedupe-key.js';

const DEVICES = ['cam-1', 'cam-2', 'door-7'];

/** One operation on the index: record an id, or forget one recorded earlier (a purge). */
type Op = { kind: 'record' | 'forget'; dev: number; id: string } | { kind: 'commit' } | { kind: 'reload' };

/** Small value ranges and a run budget of 3: collisions, merges, splits and loose numbers all happen. */
const idOf = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 30 }).map((n) => ({ n, text: null as string | null, pad: true })) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 30 }).map((n) => ({ n, text: null as string | null, pad: false })) },
  { weight: 1, arbitrary: fc.constantFrom('alpha', 'beta', 'x-1').map((t) => ({ n: -1, text: t, pad: false })) },
);

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 14, arbitrary: fc.tuple(fc.constantFrom(0, 1), idOf, fc.integer({ min: 0, max: 9 })).map(([dev, id, r]) => ({ kind: r < 6 ? ('record' as const) : ('forget' as const), dev, id: id.text ?? `${DEVICES[dev]}-${id.pad ? String(id.n).padStart(4, '0') : id.n}` })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'commit' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reload' as const }) },
);

function fresh() {
  const db = new Database(':memory:');
  migrate(db);
  return db;
}

describe('dedupe runs', () => {
  it('answers exactly like a set of (device, id), across commits, reloads and purges', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 300, size: 'max' }), (ops) => {
        const db = fresh();
        let index = new DedupeIndex(db, 3);
        const model = new Set<string>();
        db.exec('BEGIN');
        index.begin();
        for (const o of ops) {
          if (o.kind === 'commit' || o.kind === 'reload') {
            index.flush();
            db.exec('COMMIT');
            index.committed();
            // A reload reads everything back from the tables, as after a restart.
            if (o.kind === 'reload') index = new DedupeIndex(db, 3);
            db.exec('BEGIN');
            index.begin();
            continue;
          }
          const key = `${o.dev}\u0000${o.id}`;
          if (o.kind === 'record') {
            expect(index.record(o.dev + 1, DEVICES[o.dev] as string, o.id)).toBe(!model.has(key));
            model.add(key);
          } else if (model.has(key)) {
            index.forget(o.dev + 1, DEVICES[o.dev] as string, o.id);
            model.delete(key);
          }
        }
        index.flush();
        db.exec('COMMIT');
        db.close();
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a counting device in one run, one row, and no per-event rows', () => {
    const db = fresh();
    const index = new DedupeIndex(db);
    db.exec('BEGIN');
    index.begin();
    for (let n = 0; n < 10_000; n++) expect(index.record(1, 'cam-1', `cam-1-${String(n).padStart(8, '0')}`)).toBe(true);
    expect(index.record(1, 'cam-1', 'cam-1-00000042')).toBe(false);
    index.flush();
    db.exec('COMMIT');
    expect(db.prepare('SELECT runs FROM ev_dedupe_runs').pluck().all()).toEqual(['[0,9999]']);
    expect(db.prepare('SELECT count(*) FROM ev_dedupe_num').pluck().get()).toBe(0);
    db.close();
  });

  it('moves the oldest runs loose when a purge fragments them, still refusing their numbers', () => {
    const db = fresh();
    const index = new DedupeIndex(db, 2);
    const id = (n: number) => `cam-1-${String(n).padStart(4, '0')}`;
    db.exec('BEGIN');
    index.begin();
    for (let n = 0; n < 20; n++) index.record(1, 'cam-1', id(n));
    // A purge of every third number leaves 7 runs for a budget of 2.
    for (let n = 0; n < 20; n += 3) index.forget(1, 'cam-1', id(n));
    index.flush();
    db.exec('COMMIT');
    expect((JSON.parse(db.prepare('SELECT runs FROM ev_dedupe_runs').pluck().get() as string) as number[]).length / 2).toBe(2);
    db.exec('BEGIN');
    index.begin();
    // Downwards, so a forgotten number next to an evicted run is seen first and could wrongly grow a run over it.
    for (let n = 19; n >= 0; n--) expect(index.record(1, 'cam-1', id(n))).toBe(n % 3 === 0);
    index.flush();
    db.exec('COMMIT');
    db.close();
  });

  it('sends numbers beyond the run budget loose, and reads v1 loose rows', () => {
    const db = fresh();
    // Ids stored by schema v1 sit in ev_dedupe_num only; they must still count as seen.
    db.prepare('INSERT INTO ev_dedupe_num (dev, k) VALUES (1, ?)').run(numericDedupeKey('cam-1', 'cam-1-5000'));
    const index = new DedupeIndex(db);
    db.exec('BEGIN');
    index.begin();
    expect(index.record(1, 'cam-1', 'cam-1-5000')).toBe(false);
    for (let n = 0; n < 4 * MAX_RUNS; n++) expect(index.record(1, 'cam-1', `cam-1-${6000 + 2 * n}`)).toBe(true);
    for (let n = 0; n < 4 * MAX_RUNS; n++) expect(index.record(1, 'cam-1', `cam-1-${6000 + 2 * n}`)).toBe(false);
    index.flush();
    db.exec('COMMIT');
    const runs = JSON.parse(db.prepare('SELECT runs FROM ev_dedupe_runs').pluck().get() as string) as number[];
    expect(runs.length / 2).toBeLessThanOrEqual(MAX_RUNS);
    expect(db.prepare('SELECT count(*) FROM ev_dedupe_num').pluck().get()).toBe(1 + 4 * MAX_RUNS - MAX_RUNS);
    db.close();
  });
});
