/**
 * Field conditions of a rule (`where:`): every listed path must satisfy its predicate. A bare
 * scalar means equality; an object combines operators (all must hold). Numbers compare only with
 * numbers, so a missing field never passes `gt`/`lt`.
 */
import { compilePath, type Getter } from './paths.js';
import type { DeviceLookup, Extras, Subject } from './subject.js';

export type Scalar = string | number | boolean;

export interface PredicateOps {
  readonly eq?: Scalar;
  readonly ne?: Scalar;
  readonly in?: readonly Scalar[];
  readonly not_in?: readonly Scalar[];
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
  readonly exists?: boolean;
  readonly prefix?: string;
}

export type Predicate = Scalar | PredicateOps;
export type Where = Readonly<Record<string, Predicate>>;
export type Condition = (s: Subject, x: Extras | undefined) => boolean;

const always: Condition = () => true;

function compileOps(get: Getter, p: Predicate): Condition {
  if (typeof p !== 'object') return (s, x) => get(s, x) === p;
  const checks: Array<(v: unknown) => boolean> = [];
  if (p.eq !== undefined) {
    const eq = p.eq;
    checks.push((v) => v === eq);
  }
  if (p.ne !== undefined) {
    const ne = p.ne;
    checks.push((v) => v !== ne);
  }
  if (p.in !== undefined) {
    const set = new Set<unknown>(p.in);
    checks.push((v) => set.has(v));
  }
  if (p.not_in !== undefined) {
    const set = new Set<unknown>(p.not_in);
    checks.push((v) => !set.has(v));
  }
  const num = (test: (n: number) => boolean) => (v: unknown) => typeof v === 'number' && test(v);
  if (p.gt !== undefined) {
    const b = p.gt;
    checks.push(num((n) => n > b));
  }
  if (p.gte !== undefined) {
    const b = p.gte;
    checks.push(num((n) => n >= b));
  }
  if (p.lt !== undefined) {
    const b = p.lt;
    checks.push(num((n) => n < b));
  }
  if (p.lte !== undefined) {
    const b = p.lte;
    checks.push(num((n) => n <= b));
  }
  if (p.exists !== undefined) {
    const want = p.exists;
    checks.push((v) => (v !== undefined && v !== null) === want);
  }
  if (p.prefix !== undefined) {
    const pre = p.prefix;
    checks.push((v) => typeof v === 'string' && v.startsWith(pre));
  }
  if (checks.length === 1) {
    const only = checks[0] ?? (() => true);
    return (s, x) => only(get(s, x));
  }
  return (s, x) => {
    const v = get(s, x);
    for (const c of checks) if (!c(v)) return false;
    return true;
  };
}

export function compileWhere(where: Where | undefined, devices: DeviceLookup): Condition {
  if (!where) return always;
  const conds = Object.entries(where).map(([path, p]) => compileOps(compilePath(path, devices), p));
  if (conds.length === 0) return always;
  if (conds.length === 1) return conds[0] ?? always;
  return (s, x) => {
    for (const c of conds) if (!c(s, x)) return false;
    return true;
  };
}
