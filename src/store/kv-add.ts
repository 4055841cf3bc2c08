/**
 * The arithmetic of KvStore.add (store.ts) for stores that hold values in memory: `current + delta`,
 * none counting as 0; anything but a finite number is refused.
 */
export function addTo(current: unknown, delta: number, key: string): number {
  if (!Number.isFinite(delta)) throw new TypeError(`kv add to ${key}: the delta is not a finite number`);
  if (current === undefined || current === null) return delta;
  if (typeof current !== 'number') throw new TypeError(`kv add to ${key}: it holds something other than a number`);
  return current + delta;
}
