/**
 * The kv section on SQLite: small named JSON values (rule state, counters, wrapped epoch keys).
 * Reads on the main thread, writes on the writer worker.
 */
import type { Db, Statement } from './connection.js';

export class SqliteKv {
  private readonly st: Record<'get' | 'set' | 'insert' | 'delete' | 'list' | 'add', Statement>;

  constructor(db: Db) {
    this.st = {
      get: db.prepare('SELECT value FROM kv WHERE key = ?').pluck(),
      set: db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      insert: db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
      delete: db.prepare('DELETE FROM kv WHERE key = ?'),
      // A range on the primary key, then an exact prefix test (no LIKE: `%` and `_` are literal here).
      list: db.prepare('SELECT key, value FROM kv WHERE key >= @p AND substr(key, 1, length(@p)) = @p ORDER BY key'),
      // One statement under the write lock: atomic with every other connection. A value that is not
      // a JSON number fails the CASE's RAISE-free path by yielding NULL, which NOT NULL refuses.
      add: db
        .prepare(
          `INSERT INTO kv (key, value) VALUES (@k, json(@d)) ON CONFLICT (key) DO UPDATE
             SET value = CASE WHEN json_valid(value) AND json_type(value) IN ('integer', 'real') THEN json(value + @d) END
           RETURNING value`,
        )
        .pluck(),
    };
  }

  get<T>(key: string): T | null {
    const v = this.st.get.get(key);
    return typeof v === 'string' ? (JSON.parse(v) as T) : null;
  }

  set(key: string, value: unknown): void {
    const text = JSON.stringify(value);
    // JSON.stringify(undefined) is undefined: such a value cannot be stored (KvStore holds JSON values).
    if (text === undefined) throw new TypeError(`kv value for ${key} is not JSON-serialisable`);
    this.st.set.run(key, text);
  }

  /** Inserts unless the key exists (one statement, so atomic with other connections); returns the stored value. */
  setIfAbsent<T>(key: string, value: T): T {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`kv value for ${key} is not JSON-serialisable`);
    this.st.insert.run(key, text);
    return this.get<T>(key) as T;
  }

  /** kv.add (store.ts): one atomic statement. */
  add(key: string, delta: number): number {
    if (!Number.isFinite(delta)) throw new TypeError(`kv add to ${key}: the delta is not a finite number`);
    let v: unknown;
    try {
      v = this.st.add.get({ k: key, d: delta });
    } catch (err) {
      if (err instanceof Error && 'code' in err && String(err.code).startsWith('SQLITE_CONSTRAINT')) throw new TypeError(`kv add to ${key}: it holds something other than a number`);
      throw err;
    }
    return JSON.parse(String(v)) as number;
  }

  delete(key: string): void {
    this.st.delete.run(key);
  }

  list<T>(prefix: string): Array<[string, T]> {
    return (this.st.list.all({ p: prefix }) as Array<{ key: string; value: string }>).map((r) => [r.key, JSON.parse(r.value) as T]);
  }
}
