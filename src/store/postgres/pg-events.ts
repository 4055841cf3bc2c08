/**
 * The events section on PostgreSQL: appends through PgAppender (pg-append.ts), purges through
 * pg-purge.ts, and the reads here — each one statement on the partitioned table, so the planner
 * prunes days by the time bounds and walks the (ts, seq) or (device, ts, seq) index in order.
 */
import type pg from 'pg';
import type { StoredEvent } from '../../core/event.js';
import type { EventPage, EventStore, HistogramBucket } from '../store.js';
import { cursorValues, eventWhere } from './pg-filter.js';
import { PgAppender } from './pg-append.js';
import type { PartitionSet } from './pg-partitions.js';
import { purgeEvents } from './pg-purge.js';
import { guard } from './pg-sql.js';
import { fromSql, fromSqlData, fromSqlOrNull } from './pg-text.js';

interface EventRow {
  ts: number;
  seq: number;
  received_at: number;
  device: string;
  site: string;
  zone: string | null;
  kind: string;
  id: string | null;
  data: unknown;
}

const COLS = 'ts, seq, received_at, device, site, zone, kind, id, data';

const toEvent = (r: EventRow): StoredEvent => ({
  seq: r.seq,
  id: fromSqlOrNull(r.id),
  ts: new Date(r.ts).toISOString(),
  received_at: new Date(r.received_at).toISOString(),
  device: fromSql(r.device),
  site: fromSql(r.site),
  zone: fromSqlOrNull(r.zone),
  kind: fromSql(r.kind),
  data: fromSqlData(r.data),
});

export interface PgEventStore extends EventStore {
  readonly appender: PgAppender;
}

export function createPgEventStore(pool: pg.Pool, schema: string, partitions: PartitionSet, log: (m: string) => void): PgEventStore {
  const s = schema;
  const appender = new PgAppender(pool, s, partitions);
  return {
    appender,
    append: (events, liveness = []) => appender.append(events, liveness),

    query: (q) =>
      guard(
        (async (): Promise<EventPage> => {
          const limit = Math.floor(q.limit);
          const w = eventWhere(q);
          if (w === null || !(limit >= 1)) return { events: [], next: null };
          const desc = q.order !== 'asc';
          let where = w.sql;
          if (q.after) {
            const [ts, seq] = cursorValues(q.after);
            const cmp = `(ts, seq) ${desc ? '<' : '>'} (${w.params.add(ts)}, ${w.params.add(seq)})`;
            where = where ? `${where} AND ${cmp}` : `WHERE ${cmp}`;
          }
          const dir = desc ? 'DESC' : 'ASC';
          // One row beyond the page tells whether more follow.
          const sql = `SELECT ${COLS} FROM ${s}.events ${where} ORDER BY ts ${dir}, seq ${dir} LIMIT ${w.params.add(limit + 1)}`;
          const rows = (await pool.query<EventRow>(sql, w.params.values)).rows;
          const page = rows.slice(0, limit);
          const last = page[page.length - 1];
          return { events: page.map(toEvent), next: rows.length > limit && last ? { ts: last.ts, seq: last.seq } : null };
        })(),
        'invalid_query',
      ),

    histogram: (q) =>
      guard(
        (async (): Promise<HistogramBucket[]> => {
          const interval = Math.floor(q.intervalMs);
          const w = eventWhere(q);
          if (w === null || !(interval > 0) || !Number.isSafeInteger(interval)) return [];
          const i = w.params.add(interval);
          // Buckets start at multiples of the interval since the epoch; the double modulo floors
          // negative times too (% keeps the dividend's sign).
          const sql = `SELECT ts - (((ts % ${i}) + ${i}) % ${i}) AS t, count(*) AS count FROM ${s}.events ${w.sql} GROUP BY 1 ORDER BY 1`;
          return (await pool.query<HistogramBucket>(sql, w.params.values)).rows.map((r) => ({ t: r.t, count: r.count }));
        })(),
        'invalid_query',
      ),

    count: (f) =>
      guard(
        (async (): Promise<number> => {
          const w = eventWhere(f);
          if (w === null) return 0;
          return (await pool.query<{ n: number }>(`SELECT count(*) AS n FROM ${s}.events ${w.sql}`, w.params.values)).rows[0]?.n ?? 0;
        })(),
        'invalid_query',
      ),

    purge: (kinds, before) => guard(purgeEvents({ pool, schema: s, partitions, log }, kinds, before)),

    lastSeq: () =>
      guard(
        (async () => {
          const r = await pool.query<{ seq: number | null }>(`SELECT max(seq) AS seq FROM ${s}.ev_hwm`);
          return r.rows[0]?.seq ?? 0;
        })(),
      ),
  };
}
