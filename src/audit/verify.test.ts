/**
 * Tamper tests (SPEC §5.7): an attacker with write access to the database file drops the
 * append-only triggers and edits, deletes, reorders or rewrites entries; verification names the
 * first affected entry each time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../core/clock.js';
import { createSqliteAuditStore } from '../store/sqlite/audit.js';
import { AuditLog } from './audit-log.js';
import { entryHash } from './chain.js';
import { createAuditSigner } from './signing.js';
import type { AuditEntry } from '../store/audit.js';

let dir: string;
let db: Database.Database;
let log: AuditLog;
const master = randomBytes(32);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parapet-audit-verify-'));
  db = new Database(join(dir, 'db.sqlite'));
  db.pragma(`key='k'`);
  log = new AuditLog({ store: createSqliteAuditStore(db), clock: new FakeClock(), signer: createAuditSigner(master), checkpointEvery: 5 });
  // Every third entry concerns a site (a device change); the others are global.
  for (let i = 1; i <= 12; i++) {
    await log.record({ actor: 'user:admin', action: 'users.update', target: `u${i}`, outcome: 'success', detail: { i }, ...(i % 3 === 0 ? { sites: ['harbour'] } : {}) });
  }
  // The attacker removes the append-only guard first.
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_checkpoints_no_delete; DROP TRIGGER audit_checkpoints_no_update;');
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const row = (seq: number) => db.prepare('SELECT * FROM audit_log WHERE seq = ?').get(seq) as Omit<AuditEntry, 'detail' | 'sites'> & { detail: string; sites: string | null };
/** A raw row's content as the chain hashes it. */
const content = (r: ReturnType<typeof row>) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown>, sites: r.sites === null ? [] : (JSON.parse(r.sites) as string[]) });

describe('audit verify', () => {
  it('passes an untouched log', async () => {
    expect(await log.verify()).toMatchObject({ ok: true, entries: 12, signed_through: 10 });
  });

  it('names an edited entry', async () => {
    db.prepare("UPDATE audit_log SET outcome = 'failure' WHERE seq = 7").run();
    expect((await log.verify()).problem).toMatchObject({ kind: 'edited', seq: 7 });
  });

  it('names an edited entry whose hash was recomputed', async () => {
    const r = row(7);
    const detail = { i: 700 };
    db.prepare('UPDATE audit_log SET detail = ?, hash = ? WHERE seq = 7').run(JSON.stringify(detail), entryHash({ ...content(r), detail }, r.prev_hash));
    expect((await log.verify()).problem).toMatchObject({ kind: 'edited', seq: 7 });
  });

  it('names an entry whose sites were changed, added or removed', async () => {
    expect(row(6).sites).toBe('["harbour"]');
    for (const [seq, sites] of [
      [6, '["campus"]'],
      [6, '["campus","harbour"]'],
      [6, null],
      [6, 'harbour'],
      [7, '["harbour"]'],
    ] as const) {
      const was = row(seq).sites;
      db.prepare('UPDATE audit_log SET sites = ? WHERE seq = ?').run(sites, seq);
      expect((await log.verify()).problem, `entry ${seq} with sites ${sites}`).toMatchObject({ kind: 'edited', seq });
      db.prepare('UPDATE audit_log SET sites = ? WHERE seq = ?').run(was, seq);
    }
    expect((await log.verify()).ok).toBe(true);
  });

  it('names an entry whose sites were changed and its hash recomputed', async () => {
    const r = row(6);
    const sites = ['campus'];
    db.prepare('UPDATE audit_log SET sites = ?, hash = ? WHERE seq = 6').run(JSON.stringify(sites), entryHash({ ...content(r), sites }, r.prev_hash));
    expect((await log.verify()).problem).toMatchObject({ kind: 'edited', seq: 6 });
  });

  it('names a deleted entry', async () => {
    db.prepare('DELETE FROM audit_log WHERE seq = 4').run();
    const report = await log.verify();
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ kind: 'deleted', seq: 4 });
  });

  it('names entries deleted from the end of the log up to the last checkpoint', async () => {
    db.prepare('DELETE FROM audit_log WHERE seq >= 9').run();
    expect((await log.verify()).problem).toMatchObject({ kind: 'deleted', seq: 9 });
  });

  it('names a reordered entry', async () => {
    db.exec('UPDATE audit_log SET seq = -1 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = -1;');
    expect((await log.verify()).problem).toMatchObject({ kind: 'reordered', seq: 3 });
  });

  it('detects a fully recomputed chain through the signed checkpoints', async () => {
    db.prepare("UPDATE audit_log SET outcome = 'denied' WHERE seq = 2").run();
    let prev = '0'.repeat(64);
    for (let seq = 1; seq <= 12; seq++) {
      const r = row(seq);
      const h = entryHash(content(r), prev);
      db.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, h, seq);
      prev = h;
    }
    expect((await log.verify()).problem).toMatchObject({ kind: 'rewritten', seq: 1 });
  });

  it('detects a checkpoint forged without the master key', async () => {
    db.prepare("UPDATE audit_checkpoints SET signature = ? WHERE seq = 5").run(Buffer.alloc(64).toString('base64'));
    expect((await log.verify()).problem).toMatchObject({ kind: 'bad_signature', seq: 5 });
  });

  it('refuses checkpoints signed by another installation', async () => {
    const other = new AuditLog({ store: createSqliteAuditStore(db), clock: new FakeClock(), signer: createAuditSigner(randomBytes(32)) });
    expect((await other.verify()).problem).toMatchObject({ kind: 'bad_signature', seq: 5 });
  });
});
