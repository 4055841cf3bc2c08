/**
 * An EventFilter turned into what the partitions need: name ids (a name never stored matches
 * nothing, so the query ends before touching a table), the partitions that can hold matches, and
 * the SQL conditions every partition query shares.
 */
import { kindMatches } from '../../core/kinds.js';
import type { EventFilter } from '../store.js';
import type { Db } from './connection.js';
import type { Names } from './names.js';
import { dayOf, dayStart, type PartitionRef } from './partitions.js';

export interface Candidate extends PartitionRef {
  /** Live rows (ev_parts.n). */
  readonly n: number;
}

export interface ResolvedFilter {
  readonly from: number | undefined;
  readonly to: number | undefined;
  readonly dev: number | null;
  /** Conditions on partition rows (`ts`, `dev`, `site`, `zone`) and their parameters. */
  readonly where: string[];
  readonly params: number[];
  /** The conditions other than time and device (`site`, `zone`), for rows found by key (device postings). */
  readonly rowWhere: string[];
  readonly rowParams: number[];
  /** Whether every row of a partition whose day lies inside [from, to) matches. */
  readonly onlyTime: boolean;
}

/** Null when nothing can match. */
export function resolveFilter(names: Names, f: EventFilter): ResolvedFilter | null {
  const where: string[] = [];
  const params: number[] = [];
  const rowWhere: string[] = [];
  const rowParams: number[] = [];
  if (f.from !== undefined) {
    where.push('ts >= ?');
    params.push(f.from);
  }
  if (f.to !== undefined) {
    where.push('ts < ?');
    params.push(f.to);
  }
  let dev: number | null = null;
  if (f.device !== undefined) {
    dev = names.find(f.device);
    if (dev === null) return null;
    where.push('dev = ?');
    params.push(dev);
  }
  if (f.site !== undefined) {
    const site = names.find(f.site);
    if (site === null || (f.sites !== undefined && !f.sites.includes(f.site))) return null;
    rowWhere.push('site = ?');
    rowParams.push(site);
  } else if (f.sites !== undefined) {
    // The caller's site scope (SPEC §5.3); an empty scope sees nothing.
    const ids = f.sites.map((s) => names.find(s)).filter((s): s is number => s !== null);
    if (ids.length === 0) return null;
    rowWhere.push(`site IN (${ids.map(() => '?').join(',')})`);
    rowParams.push(...ids);
  }
  if (f.zone !== undefined) {
    const zone = names.find(f.zone);
    if (zone === null) return null;
    rowWhere.push('zone = ?');
    rowParams.push(zone);
  }
  where.push(...rowWhere);
  params.push(...rowParams);
  const onlyTime = f.device === undefined && f.site === undefined && f.sites === undefined && f.zone === undefined;
  return { from: f.from, to: f.to, dev, where, params, rowWhere, rowParams, onlyTime };
}

/** Partitions that may hold matches, oldest day first (kinds ascending within a day). */
export function candidates(db: Db, names: Names, f: EventFilter, r: ResolvedFilter): Candidate[] {
  const conds = ['p.n > 0'];
  const params: number[] = [];
  if (r.from !== undefined) {
    conds.push('p.day >= ?');
    params.push(dayOf(r.from));
  }
  if (r.to !== undefined) {
    conds.push('p.day <= ?');
    params.push(dayOf(r.to - 1));
  }
  const sql =
    r.dev === null
      ? `SELECT p.kind, p.day, p.n FROM ev_parts p WHERE ${conds.join(' AND ')} ORDER BY p.day, p.kind`
      : `SELECT p.kind, p.day, p.n FROM ev_presence d JOIN ev_parts p ON p.kind = d.kind AND p.day = d.day
         WHERE d.dev = ? AND ${conds.join(' AND ').replaceAll('p.day', 'd.day')} ORDER BY p.day, p.kind`;
  const all = db.prepare(sql).all(...(r.dev === null ? params : [r.dev, ...params])) as Candidate[];
  if (f.kind === undefined) return all;
  const pattern = f.kind;
  return all.filter((c) => kindMatches(pattern, names.value(c.kind)));
}

/** Whether the partition's whole day lies inside [from, to). */
export function dayInside(c: PartitionRef, r: ResolvedFilter): boolean {
  return (r.from === undefined || r.from <= dayStart(c.day)) && (r.to === undefined || r.to >= dayStart(c.day + 1));
}
