/**
 * (a) The raw baseline of issue 2: plain better-sqlite3 — the same driver, no encryption — with the
 * obvious table (text columns, JSON data) indexed on time and on device+time, inserting the same
 * rows in 1,000-row transactions. WAL and synchronous=NORMAL, the store's durability, so the
 * comparison is about design, not about fsync.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { District } from './rows.js';
import { fmt, rate, type BenchContext, type Figures, type Section } from './measure.js';
import { streamOptions } from './store-append.js';

const TX_ROWS = 1_000;
/** Rows generated ahead of timing, so generation is not measured. */
const CHUNK = 100_000;

export const baselineSection: Section = {
  name: 'baseline',
  async run(ctx: BenchContext): Promise<Figures> {
    const db = new Database(join(ctx.opts.dir, 'baseline.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT, ts INTEGER NOT NULL, received_at INTEGER NOT NULL,
               device TEXT NOT NULL, site TEXT NOT NULL, zone TEXT, kind TEXT NOT NULL, data TEXT NOT NULL);
             CREATE INDEX events_ts ON events (ts);
             CREATE INDEX events_device_ts ON events (device, ts);`);
    const insert = db.prepare('INSERT INTO events (id, ts, received_at, device, site, zone, kind, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const district = new District(streamOptions(ctx.opts));
    let ms = 0;
    let done = 0;
    while (done < ctx.opts.rows) {
      const chunk = district.next(Math.min(CHUNK, ctx.opts.rows - done));
      const t0 = performance.now();
      for (let i = 0; i < chunk.length; i += TX_ROWS) {
        const tx = chunk.slice(i, i + TX_ROWS);
        db.transaction(() => {
          for (const e of tx) insert.run(e.id, e.ts, e.received_at, e.device, e.site, e.zone, e.kind, JSON.stringify(e.data));
        })();
      }
      ms += performance.now() - t0;
      done += chunk.length;
      ctx.progress.update(`baseline: ${fmt(done)} / ${fmt(ctx.opts.rows)} rows, ${fmt(rate(done, ms))} rows/s`);
    }
    db.close();
    const figures = { baseline_rows: done, baseline_events_per_s: rate(done, ms), baseline_seconds: Math.round(ms) / 1000 };
    ctx.note(`(a) baseline: ${fmt(figures.baseline_events_per_s)} rows/s (${fmt(done)} rows, 1,000-row transactions, plain better-sqlite3)`);
    return figures;
  },
};
