import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../core/event.js';
import { createMemoryStore } from '../memory/memory-store.js';
import type { EventQuery } from '../store.js';
import { safeEvent, walk } from '../store-events.contract.js';
import { openConnection } from './connection.js';
import { decodePosting, POSTING_MAX, POSTING_SPAN_MS, toPostings, type Keys } from './device-postings.js';
import { createPartitionSql, legacyDeviceIndexSql } from './partitions.js';
import { openSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'parapet-postings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DAY0 = Date.parse('2026-11-20T00:00:00.000Z');

function sortedPairs(keys: Keys): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < keys.length; i += 2) pairs.push([keys[i]!, keys[i + 1]!]);
  return pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

describe('device postings: encoding', () => {
  it('keeps every key, sorted, in postings of bounded span and size', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 86_399_999 }), fc.integer({ min: 1, max: 1_000_000 })), { maxLength: 300 }), (raw) => {
        const seen = new Set<number>();
        const keys = raw.filter(([, seq]) => !seen.has(seq) && seen.add(seq)).flat();
        const postings = toPostings(7, keys);
        const back: Keys = [];
        for (const p of postings) {
          expect(p.dev).toBe(7);
          expect(p.t1 - p.t0).toBeLessThanOrEqual(POSTING_SPAN_MS);
          expect(p.n).toBeLessThanOrEqual(POSTING_MAX);
          const mine = decodePosting(p);
          expect(mine[0]).toBe(p.t0);
          expect(mine[mine.length - 2]).toBe(p.t1);
          back.push(...mine);
        }
        expect(sortedPairs(back)).toEqual(sortedPairs(keys));
        // Postings follow each other in time: sorted keys, cut in order.
        expect(back).toEqual(sortedPairs(keys).flat());
      }),
      { numRuns: 300 },
    );
  });

  it('cuts a long run at POSTING_MAX events', () => {
    const keys = Array.from({ length: POSTING_MAX + 10 }, (_, i) => [i, i + 1]).flat();
    expect(toPostings(1, keys).map((p) => p.n)).toEqual([POSTING_MAX, 10]);
  });
});

const strip = (events: StoredEvent[]): string[] => events.map((e) => `${e.ts}|${e.id}|${e.zone}`);

describe('device postings: reads agree with the memory store', () => {
  it('for pages both ways, cursors, time ranges, zones, counts and histograms, with late and out-of-order events', async () => {
    const sqlite = await openSqliteStore({ file: join(dir, 'agree.db'), key: randomBytes(32) });
    const memory = createMemoryStore();
    try {
      // Three devices; times within two days, many out of order, some far apart (backfill), in several commits.
      const rnd = fc.sample(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 * 86_400_000 - 1 }), fc.boolean()), { numRuns: 1500, seed: 42 });
      for (let b = 0; b < rnd.length; b += 250) {
        const batch = rnd.slice(b, b + 250).map(([d, t, z], i) =>
          safeEvent({ ts: DAY0 + (b % 500 === 0 ? t : Math.floor(t / 100)), id: `cam-${d}-${b + i}`, device: `cam-${d}`, zone: z ? 'gate' : 'yard' }),
        );
        await sqlite.events.append(batch);
        await memory.events.append(batch);
      }
      // Many small commits of one device: more postings than one read of a walk takes (64).
      for (let k = 0; k < 150; k++) {
        const batch = [0, 1, 2].map((j) => safeEvent({ ts: DAY0 + 40_000_000 + k * 997 + j * 300, id: `cam-0-s${k}-${j}`, device: 'cam-0', zone: j === 1 ? 'gate' : 'yard' }));
        await sqlite.events.append(batch);
        await memory.events.append(batch);
      }
      const queries: Array<Omit<EventQuery, 'after'>> = [
        { device: 'cam-0', limit: 100 },
        { device: 'cam-0', limit: 7, order: 'asc', from: DAY0 + 39_000_000, to: DAY0 + 41_000_000 },
        { device: 'cam-0', limit: 9, from: DAY0 + 40_050_000, to: DAY0 + 40_100_000 },
        { device: 'cam-1', limit: 37, order: 'asc' },
        { device: 'cam-2', limit: 50, from: DAY0 + 3_600_000, to: DAY0 + 30 * 3_600_000 },
        { device: 'cam-2', limit: 10, from: DAY0 + 86_400_000, order: 'asc' },
        { device: 'cam-0', zone: 'gate', limit: 25 },
        { device: 'cam-1', zone: 'yard', limit: 60, order: 'asc', to: DAY0 + 40 * 3_600_000 },
        { device: 'cam-0', site: 'harbour', sites: ['harbour'], limit: 1000 },
        { device: 'cam-0', sites: ['elsewhere'], limit: 10 },
      ];
      for (const q of queries) {
        const [a, b] = [await walk(sqlite, q), await walk(memory, q)];
        expect(a.length).toBeGreaterThan(q.sites?.[0] === 'elsewhere' ? -1 : 0);
        expect(strip(a)).toEqual(strip(b));
        const { limit: _limit, order: _order, ...filter } = q;
        expect(await sqlite.events.count(filter)).toBe(await memory.events.count(filter));
        const h = { ...filter, from: filter.from ?? DAY0, to: filter.to ?? DAY0 + 3 * 86_400_000, intervalMs: 3_600_000 };
        expect(await sqlite.events.histogram(h)).toEqual(await memory.events.histogram(h));
      }
    } finally {
      await sqlite.close();
      await memory.close();
    }
  });

  it('still reads and appends to a partition made before postings, through its (dev, ts) index', async () => {
    const file = join(dir, 'legacy.db');
    const key = randomBytes(32);
    let store = await openSqliteStore({ file, key });
    await store.events.append([safeEvent({ ts: DAY0 + 5, id: 'cam-9-1', device: 'cam-9' })]);
    await store.close();
    // Turn that partition into one an earlier version made: an index, no postings table.
    const db = openConnection({ file, key, cacheMiB: 1 });
    const [name] = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB 'ev_[0-9]*_dp'").pluck().all() as string[];
    const m = /^ev_(\d+)_(\d+)_dp$/.exec(name ?? '');
    const ref = { kind: Number(m?.[1]), day: Number(m?.[2]) };
    db.exec(`DROP TABLE ${name}; ${createPartitionSql(ref)} ${legacyDeviceIndexSql(ref)}`);
    db.close();
    store = await openSqliteStore({ file, key });
    try {
      await store.events.append([safeEvent({ ts: DAY0 + 7, id: 'cam-9-2', device: 'cam-9' }), safeEvent({ ts: DAY0 + 6, id: 'cam-8-1', device: 'cam-8' })]);
      expect((await store.events.query({ device: 'cam-9', limit: 10 })).events.map((e) => e.id)).toEqual(['cam-9-2', 'cam-9-1']);
      expect(await store.events.count({ device: 'cam-8' })).toBe(1);
    } finally {
      await store.close();
    }
    const peek = openConnection({ file, key, cacheMiB: 1 });
    expect(peek.prepare("SELECT count(*) FROM sqlite_schema WHERE name GLOB 'ev_[0-9]*_dp'").pluck().get()).toBe(0);
    peek.close();
  });
});
