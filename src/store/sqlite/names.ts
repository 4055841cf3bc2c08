/**
 * The name dictionary: device, site, zone and kind names become small integers in event rows
 * (2–3 bytes instead of 10–30, and integer comparisons in every index). Ids are never reused or
 * renumbered, so a cached mapping never goes stale; a miss falls back to the table, which also
 * covers names another process added.
 */
import type { Db, Statement } from './connection.js';

export class Names {
  private readonly ids = new Map<string, number>();
  private readonly values = new Map<number, string>();
  private readonly selectId: Statement;
  private readonly selectValue: Statement;
  private insert: Statement | null = null;
  /** Names added inside the open transaction, forgotten again if it rolls back. */
  private pending: string[] = [];

  constructor(private readonly db: Db) {
    this.selectId = db.prepare('SELECT id FROM names WHERE value = ?').pluck();
    this.selectValue = db.prepare('SELECT value FROM names WHERE id = ?').pluck();
  }

  /** Id of a name, or null when it was never stored (then nothing can match it). */
  find(value: string): number | null {
    const hit = this.ids.get(value);
    if (hit !== undefined) return hit;
    const id = this.selectId.get(value);
    if (typeof id !== 'number') return null;
    this.remember(value, id);
    return id;
  }

  /** Id of a name, adding it; only inside a write transaction. */
  intern(value: string): number {
    const found = this.find(value);
    if (found !== null) return found;
    this.insert ??= this.db.prepare('INSERT INTO names (value) VALUES (?)');
    const id = Number(this.insert.run(value).lastInsertRowid);
    this.remember(value, id);
    this.pending.push(value);
    return id;
  }

  /** The name of an id; throws on an id no row holds (a corrupt reference, never bad input). */
  value(id: number): string {
    const hit = this.values.get(id);
    if (hit !== undefined) return hit;
    const v = this.selectValue.get(id);
    if (typeof v !== 'string') throw new Error(`the store references name #${id}, which does not exist`);
    this.remember(v, id);
    return v;
  }

  committed(): void {
    this.pending = [];
  }

  rolledBack(): void {
    for (const v of this.pending) {
      const id = this.ids.get(v);
      this.ids.delete(v);
      if (id !== undefined) this.values.delete(id);
    }
    this.pending = [];
  }

  private remember(value: string, id: number): void {
    this.ids.set(value, id);
    this.values.set(id, value);
  }
}
