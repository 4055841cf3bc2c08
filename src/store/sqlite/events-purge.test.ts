import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { safeEvent } from '../store.contract.js';
import { DAY, SECOND } from '../../core/clock.js';
import { openSqliteStore } from './sqlite-store.js';
import { openConnection } from './connection.js';
import { PURGE_CHUNK } from './events-purge.js';

const dir = mkdtempSync(join(tmpdir(), 'parapet-purge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY0 = Date.parse('2026-11-20T00:00:00.000Z');

async function setup(name: string) {
  const file = join(dir, `${name}.db`);
  const key = randomBytes(32);
  const store = await openSqliteStore({ file, key });
  const peek = openConnection({ file, key, cacheMiB: 1 });
  const count = (glob: string) => (peek.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB ? ORDER BY name").pluck().all(glob) as string[]).length;
  /** Partition tables, and the device postings table each has (device-postings.ts). */
  const tables = () => count('ev_[0-9]*') - count('ev_[0-9]*_dp');
  const postingTables = () => count('ev_[0-9]*_dp');
  const rows = (sql: string) => peek.prepare(sql).pluck().get() as number;
  return {
    store,
    tables,
    postingTables,
    rows,
    async close() {
      peek.close();
      await store.close();
    },
  };
}

describe('sqlite events purge', () => {
  it('drops wholly expired partitions with their dedupe and presence rows', async () => {
    const s = await setup('drop');
    const evs = [0, 1, 2].flatMap((d) =>
      Array.from({ length: 10 }, (_, i) => safeEvent({ ts: DAY0 + d * DAY + i * SECOND, id: i % 2 ? `d${d}-${i}` : `lpr-0-${d}${i}`, kind: 'lpr.read', device: `lpr-${i % 2}` })),
    );
    await s.store.events.append([...evs, safeEvent({ ts: DAY0, kind: 'fire.alarm', id: 'keep' })]);
    expect(s.tables()).toBe(4);
    expect(s.postingTables()).toBe(4);
    expect(await s.store.events.purge(['lpr.read'], DAY0 + 2 * DAY)).toBe(20);
    expect(s.tables()).toBe(2);
    expect(s.postingTables()).toBe(2);
    // Text ids keep one row each (device-numbered ids live in runs, checked by behaviour below).
    expect(s.rows('SELECT count(*) FROM ev_dedupe')).toBe(6);
    expect(s.rows('SELECT count(*) FROM ev_parts')).toBe(2);
    expect(s.rows('SELECT count(*) FROM ev_presence')).toBe(3);
    // What was dropped can be stored again; what was kept is still a duplicate.
    expect(await s.store.events.append([safeEvent({ ts: DAY0, id: 'd0-1', kind: 'lpr.read', device: 'lpr-1' }), safeEvent({ ts: DAY0 + 2 * DAY, id: 'd2-1', kind: 'lpr.read', device: 'lpr-1' })])).toEqual([
      expect.any(Number),
      'duplicate',
    ]);
    expect(await s.store.events.count({ device: 'lpr-1', kind: 'lpr.read' })).toBe(6);
    expect(await s.store.events.append([safeEvent({ ts: DAY0, id: 'lpr-0-00', kind: 'lpr.read', device: 'lpr-0' }), safeEvent({ ts: DAY0, id: 'lpr-0-20', kind: 'lpr.read', device: 'lpr-0' })])).toEqual([
      expect.any(Number),
      'duplicate',
    ]);
    await s.close();
  });

  it('deletes part of a partition in chunks, keeping counts and dedupe exact', async () => {
    const s = await setup('chunks');
    const total = PURGE_CHUNK * 2 + 500;
    const evs = Array.from({ length: total }, (_, i) => safeEvent({ ts: DAY0 + i, id: i % 3 ? `wifi-${i % 7}-${i}` : `w${i}`, kind: 'wifi.sighting', device: `wifi-${i % 7}` }));
    await s.store.events.append(evs);
    const cut = PURGE_CHUNK * 2 + 100;
    // Ingest keeps going while the purge works through its chunks.
    const [purged, appended] = await Promise.all([
      s.store.events.purge(['wifi.sighting'], DAY0 + cut),
      s.store.events.append([safeEvent({ ts: DAY0 + total, id: 'late', kind: 'wifi.sighting', device: 'wifi-0' })]),
    ]);
    expect(purged).toBe(cut);
    expect(appended).toEqual([expect.any(Number)]);
    expect(await s.store.events.count({})).toBe(total - cut + 1);
    expect(await s.store.events.count({ kind: 'wifi.sighting', from: DAY0, to: DAY0 + DAY })).toBe(total - cut + 1);
    expect(s.rows('SELECT n FROM ev_parts')).toBe(total - cut + 1);
    const first = await s.store.events.query({ limit: 1, order: 'asc' });
    expect(first.events[0]?.id).toBe(cut % 3 ? `wifi-${cut % 7}-${cut}` : `w${cut}`);
    // Device postings were pruned with their rows: a device's count and first page see only what is left.
    for (const d of [0, 3]) {
      const firstLeft = evs.findIndex((e, i) => i >= cut && e.device === `wifi-${d}`);
      const left = evs.filter((e, i) => i >= cut && e.device === `wifi-${d}`).length + (d === 0 ? 1 : 0);
      expect(await s.store.events.count({ device: `wifi-${d}` })).toBe(left);
      expect((await s.store.events.histogram({ device: `wifi-${d}`, from: DAY0, to: DAY0 + DAY, intervalMs: DAY })).map((b) => b.count)).toEqual([left]);
      expect((await s.store.events.query({ device: `wifi-${d}`, limit: 1, order: 'asc' })).events[0]?.ts).toBe(new Date(DAY0 + firstLeft).toISOString());
    }
    // Purged ids are forgotten, kept ones still refuse a repeat — in runs, loose and text alike.
    const again = (i: number) => safeEvent({ ts: DAY0 + i, id: i % 3 ? `wifi-${i % 7}-${i}` : `w${i}`, kind: 'wifi.sighting', device: `wifi-${i % 7}` });
    const probe = [1, 2, 3, cut - 2, cut - 1, cut, cut + 1, cut + 2, total - 1];
    const answers = (await s.store.events.append(probe.map(again))).map((r) => (r === 'duplicate' ? r : 'stored'));
    expect(answers).toEqual(probe.map((i) => (i < cut ? 'stored' : 'duplicate')));
    await s.close();
  });
});
