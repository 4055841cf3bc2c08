/**
 * A fake shared by the privacy tests: an in-memory `KvStore` that can be told to fail (the memory
 * store's kv cannot). Production code never imports this file.
 */
import type { KvStore } from '../store/store.js';
import { addTo } from '../store/kv-add.js';

export interface FakeKv extends KvStore {
  readonly data: Map<string, unknown>;
  /** When set, every write rejects with this error. */
  failWrites: Error | null;
}

export function memoryKv(): FakeKv {
  const data = new Map<string, unknown>();
  const kv: FakeKv = {
    data,
    failWrites: null,
    async get<T>(key: string): Promise<T | null> {
      return data.has(key) ? (structuredClone(data.get(key)) as T) : null;
    },
    async set(key: string, value: unknown): Promise<void> {
      if (kv.failWrites) throw kv.failWrites;
      data.set(key, structuredClone(value));
    },
    async delete(key: string): Promise<void> {
      if (kv.failWrites) throw kv.failWrites;
      data.delete(key);
    },
    async setIfAbsent<T>(key: string, value: T): Promise<T> {
      if (kv.failWrites) throw kv.failWrites;
      if (!data.has(key)) data.set(key, structuredClone(value));
      return structuredClone(data.get(key)) as T;
    },
    async add(key: string, delta: number): Promise<number> {
      if (kv.failWrites) throw kv.failWrites;
      const sum = addTo(data.get(key), delta, key);
      data.set(key, sum);
      return sum;
    },
    async list<T>(prefix: string): Promise<Array<[string, T]>> {
      return [...data.entries()]
        .filter(([k]) => k.startsWith(prefix))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, structuredClone(v) as T]);
    },
  };
  return kv;
}
