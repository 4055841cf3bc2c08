/**
 * An EventFilter as SQL conditions on `events`. Time bounds become integer bigint parameters, so
 * the planner prunes partitions and uses the (ts, seq) index; a kind family (`camera.*`) becomes a
 * range on the "C"-collated kind, [`camera.`, `camera/`), which the (kind, ts) index serves. Names
 * are compared in their stored form (pg-text.ts).
 */
import { ParapetError } from '../../core/errors.js';
import type { EventCursor, EventFilter } from '../store.js';
import { Params } from './pg-sql.js';
import { toSql } from './pg-text.js';

/** Largest |epoch ms| a Date (and so a stored event) can have. */
const MAX_TIME = 8.64e15;

export interface Where {
  readonly sql: string;
  readonly params: Params;
}

/** Conditions and their parameters, or null when nothing can match (then no query is needed). */
export function eventWhere(f: EventFilter, p: Params = new Params()): Where | null {
  const conds: string[] = [];
  // ts >= from ⇔ ts >= ceil(from) and ts < to ⇔ ts < ceil(to), for integer ts.
  const from = bound('from', f.from);
  const to = bound('to', f.to);
  if (from === 'none' || to === 'none') return null;
  if (from !== 'open') {
    if (from > MAX_TIME) return null;
    if (from >= -MAX_TIME) conds.push(`ts >= ${p.add(from)}`);
  }
  if (to !== 'open') {
    if (to < -MAX_TIME) return null;
    if (to <= MAX_TIME) conds.push(`ts < ${p.add(to)}`);
  }
  if (f.device !== undefined) conds.push(`device = ${p.add(toSql(f.device))}`);
  if (f.site !== undefined) {
    if (f.sites !== undefined && !f.sites.includes(f.site)) return null;
    conds.push(`site = ${p.add(toSql(f.site))}`);
  } else if (f.sites !== undefined) {
    // The caller's site scope (SPEC §5.3); an empty scope sees nothing.
    if (f.sites.length === 0) return null;
    conds.push(`site = ANY(${p.add(f.sites.map(toSql))}::text[])`);
  }
  if (f.zone !== undefined) conds.push(`zone = ${p.add(toSql(f.zone))}`);
  if (f.kind !== undefined) {
    if (f.kind.endsWith('.*')) {
      const prefix = toSql(f.kind.slice(0, -1));
      conds.push(`kind >= ${p.add(prefix)} AND kind < ${p.add(`${prefix.slice(0, -1)}/`)}`);
    } else conds.push(`kind = ${p.add(toSql(f.kind))}`);
  }
  return { sql: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params: p };
}

/** 'open' = no bound; 'none' = a bound nothing satisfies; NaN is refused. */
function bound(name: 'from' | 'to', v: number | undefined): number | 'open' | 'none' {
  if (v === undefined) return 'open';
  if (typeof v !== 'number' || Number.isNaN(v)) throw new ParapetError('invalid_query', `${name} is not a time`);
  if (v === Infinity) return name === 'from' ? 'none' : 'open';
  if (v === -Infinity) return name === 'from' ? 'open' : 'none';
  return Math.ceil(v);
}

/** A keyset cursor's values as exact integers, or invalid_cursor. */
export function cursorValues(c: EventCursor): [number, number] {
  if (!Number.isInteger(c.ts) || !Number.isInteger(c.seq) || Math.abs(c.ts) > MAX_TIME || Math.abs(c.seq) > Number.MAX_SAFE_INTEGER) {
    throw new ParapetError('invalid_cursor');
  }
  return [c.ts, c.seq];
}
