/** Option value parsers for commander: a bad value is a usage error naming the flag and the range. */
import { InvalidArgumentError } from 'commander';
import { ROLES, type Role } from '../store/store.js';

export function integer(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

export function positiveNumber(max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) throw new InvalidArgumentError(`expected a number above 0 and at most ${max}.`);
    return n;
  };
}

/** TCP port; 0 asks the system for a free one (the URL actually bound is printed). */
export const port = integer(0, 65_535);

export function role(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${ROLES.join(', ')}.`);
  return value as Role;
}

/** Collects a repeatable option (`--site a --site b`, or `--site a,b`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}
