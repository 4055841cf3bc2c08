import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE, SECOND } from '../core/clock.js';
import { MemoryBus } from '../bus/memory/memory-bus.js';
import { createMemoryAlertStore } from '../store/memory/alerts.js';
import { createSqliteAlertStore } from '../store/sqlite/alerts.js';
import { RulesKit } from './test-kit.js';

const bus = () => new MemoryBus((_t, e) => {
  throw e;
});
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('rules runtime', () => {
  it('keeps windows, timers and open alerts across a restart on SQLite (database closed and reopened)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parapet-rules-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const open = () => {
      const db = new Database(join(dir, 'db.sqlite'));
      db.pragma(`key='k'`);
      return db;
    };
    let db = open();
    const k1 = await RulesKit.start({ store: createSqliteAlertStore(db), makeBus: bus });
    const deny = (k: RulesKit) => k.emit('access.denied', { door: 'D1', credential: 'credential:e:x', reason: 'unknown' });
    for (let i = 0; i < 3; i++) await deny(k1);
    await k1.emit('access.door_forced', { door: 'D2' });
    await k1.advance(30 * SECOND);
    await k1.close();
    db.close();

    db = open();
    cleanup.push(() => {
      db.close();
    });
    const k2 = await RulesKit.start({ store: createSqliteAlertStore(db), makeBus: bus, clock: k1.clock });
    cleanup.push(() => k2.close());
    await k2.emit('access.door_forced', { door: 'D2' });
    expect(await k2.one('door-forced')).toMatchObject({ occurrences: 2 });
    await deny(k2);
    expect(await k2.unresolved('repeated-denials')).toEqual([]);
    await deny(k2);
    expect((await k2.one('repeated-denials')).title).toBe('Repeated access denials at door D1 (5 in 2m)');
    // Escalation counts from when the alert opened, before the restart.
    await k2.advance(5 * MINUTE);
    expect(await k2.one('door-forced')).toMatchObject({ escalation_level: 1, recipients: 'shift-supervisor', priority: 5 });
  });

  it('re-notifies the next recipient group by webhook when an alert escalates', async () => {
    const posts: Array<{ url: string; body: string }> = [];
    const k = await RulesKit.start({
      store: createMemoryAlertStore(),
      makeBus: bus,
      alerts: {
        webhook_allowed_hosts: ['control.example.org', 'supervisors.example.org'],
        webhooks: [
          { name: 'control', url: 'https://control.example.org/hook', secret: 'c'.repeat(32), groups: ['control-room'] },
          { name: 'supervisors', url: 'https://supervisors.example.org/hook', secret: 's'.repeat(32), groups: ['shift-supervisor'] },
        ],
      },
      post: async (url, body) => {
        posts.push({ url, body });
        return { status: 204 };
      },
    });
    cleanup.push(() => k.close());
    await k.emit('access.door_forced', { door: 'D1' });
    await k.emit('access.door_forced', { door: 'D1' }); // a repeat is not re-sent
    expect(posts.map((p) => p.url)).toEqual(['https://control.example.org/hook']);
    await k.advance(5 * MINUTE);
    expect(posts.map((p) => p.url)).toEqual(['https://control.example.org/hook', 'https://supervisors.example.org/hook']);
    expect(JSON.parse(posts[1]?.body ?? '{}')).toMatchObject({ change: { action: 'escalated', alert: { recipients: 'shift-supervisor', priority: 5 } } });
  });

  it('loads extra rules from YAML files in the config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parapet-rules-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'noise.yaml');
    writeFileSync(file, 'rules:\n  - id: loud\n    type: match\n    kinds: [env.noise]\n    where: { data.laeq: { gte: 85 } }\n    severity: minor\n    priority: 80\n    title: Loud ({{data.laeq}} dB)\n    procedure: Check the source.\n');
    const k = await RulesKit.start({ store: createMemoryAlertStore(), makeBus: bus, alerts: { rules_files: [file] } });
    cleanup.push(() => k.close());
    expect(k.rt.book.entry('loud')?.source).toBe('config');
    await k.emit('env.noise', { laeq: 90 });
    expect((await k.one('loud')).title).toBe('Loud (90 dB)');
    writeFileSync(file, 'rules:\n  - id: loud\n    type: match\n');
    await expect(RulesKit.start({ store: createMemoryAlertStore(), makeBus: bus, alerts: { rules_files: [file] } })).rejects.toMatchObject({ code: 'invalid_rule' });
  });
});
