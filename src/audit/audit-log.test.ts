import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/clock.js';
import { createMemoryAuditStore } from '../store/memory/audit.js';
import { AuditLog, sanitiseDetail } from './audit-log.js';
import { GENESIS_HASH, entryHash } from './chain.js';
import { createAuditSigner } from './signing.js';
import { canonicalJson } from './canonical.js';

const master = randomBytes(32);

function setup(every = 4) {
  const store = createMemoryAuditStore();
  const clock = new FakeClock();
  const log = new AuditLog({ store, clock, signer: createAuditSigner(master), checkpointEvery: every });
  return { store, clock, log };
}

describe('audit log', () => {
  it('chains each entry to the previous one with SHA-256 over canonical JSON', async () => {
    const { log, store } = setup();
    const a = await log.record({ actor: { kind: 'user', id: 'u1', name: 'alice', role: 'admin', sites: [] }, action: 'users.create', target: 'bob', outcome: 'success', detail: { role: 'operator' } });
    const b = await log.record({ actor: null, action: 'auth.login', target: 'mallory', outcome: 'failure' });
    expect(a.prev_hash).toBe(GENESIS_HASH);
    expect(a.actor).toBe('user:alice');
    expect(b.actor).toBe('anonymous');
    expect(b.prev_hash).toBe(a.hash);
    expect(entryHash(b, b.prev_hash)).toBe(b.hash);
    expect(store.rows).toHaveLength(2);
    expect((await log.verify()).ok).toBe(true);
  });

  it('tags an entry with the given sites, else a principal actor\'s, distinct and sorted; descriptive actors are global', async () => {
    const { log } = setup();
    const scoped = { kind: 'user', id: 'u2', name: 'hana', role: 'admin', sites: ['harbour', 'campus'] } as const;
    expect((await log.record({ actor: scoped, action: 'audit.read', outcome: 'success' })).sites).toEqual(['campus', 'harbour']);
    expect((await log.record({ actor: scoped, action: 'device.update', outcome: 'success', sites: ['harbour', 'depot', 'harbour', ''] })).sites).toEqual(['depot', 'harbour']);
    expect((await log.record({ actor: { ...scoped, sites: [] }, action: 'users.create', outcome: 'success' })).sites).toEqual([]);
    expect((await log.record({ actor: scoped, action: 'users.create', outcome: 'success', sites: [] })).sites).toEqual([]);
    expect((await log.record({ actor: 'system', action: 'retention.purge', outcome: 'success' })).sites).toEqual([]);
    expect((await log.record({ actor: null, action: 'auth.failure', outcome: 'failure' })).sites).toEqual([]);
    await expect(log.record({ actor: 'system', action: 'a.b', outcome: 'success', sites: Array.from({ length: 201 }, (_, i) => `s${i}`) })).rejects.toThrow(/201 sites/);
    expect((await log.verify()).ok).toBe(true);
  });

  it('hashes an entry without sites exactly as before sites existed, and its sites when it has some', () => {
    const content = { at: 5, actor: 'user:alice', action: 'device.update', target: 'cam-1', outcome: 'success' as const, detail: { type: 'camera' } };
    // The formula of the first release, which stored logs were hashed with.
    const before = createHash('sha256').update(canonicalJson({ ...content, prev: GENESIS_HASH }), 'utf8').digest('hex');
    expect(entryHash({ ...content, sites: [] }, GENESIS_HASH)).toBe(before);
    const tagged = entryHash({ ...content, sites: ['harbour'] }, GENESIS_HASH);
    expect(tagged).toBe(createHash('sha256').update(canonicalJson({ ...content, sites: ['harbour'], prev: GENESIS_HASH }), 'utf8').digest('hex'));
    expect(tagged).not.toBe(before);
    expect(entryHash({ ...content, sites: ['campus'] }, GENESIS_HASH)).not.toBe(tagged);
    expect(entryHash({ ...content, sites: ['campus', 'harbour'] }, GENESIS_HASH)).not.toBe(tagged);
  });

  it('signs a checkpoint every N entries and on demand, and verifies them', async () => {
    const { log, store } = setup(4);
    for (let i = 0; i < 9; i++) await log.record({ actor: 'system', action: 'retention.purge', outcome: 'success', detail: { i } });
    expect((await store.checkpoints()).map((c) => c.seq)).toEqual([4, 8]);
    expect(await log.checkpoint()).toMatchObject({ seq: 9 });
    expect(await log.checkpoint()).toBeNull();
    const report = await log.verify();
    expect(report).toMatchObject({ ok: true, entries: 9, checkpoints: 3, signed_through: 9, problem: null });
  });

  it('keeps secrets and raw identifiers out of details and bounds their size', () => {
    expect(sanitiseDetail({ password: 'hunter2', nested: { plate: 'AB123CD', ok: 1 }, list: ['x'] })).toEqual({
      password: '[redacted]',
      nested: { plate: '[redacted]', ok: 1 },
      list: ['x'],
    });
    expect(sanitiseDetail({ big: 'x'.repeat(600) })?.big).toHaveLength(513);
    expect(sanitiseDetail({ many: Array.from({ length: 50 }, () => 'y'.repeat(500)) })).toEqual({ truncated: true, bytes: expect.any(Number) as number });
    expect(sanitiseDetail(null)).toBeNull();
  });

  it('refuses action names that are not dotted lower case', async () => {
    const { log } = setup();
    await expect(log.record({ actor: 'system', action: 'Drop Table', outcome: 'success' })).rejects.toThrow(/dotted/);
  });

  it('reports a failed append through onError when recording safely', async () => {
    const store = createMemoryAuditStore();
    const errors: unknown[] = [];
    const log = new AuditLog({
      store: { ...store, append: () => Promise.reject(new Error('disk full')) },
      clock: new FakeClock(),
      signer: createAuditSigner(master),
      onError: (e) => errors.push(e),
    });
    log.recordSafely({ actor: 'system', action: 'x.y', outcome: 'success' });
    await new Promise((r) => setImmediate(r));
    expect(String(errors[0])).toMatch(/disk full/);
  });

  it('checkpoints the head at close and from its timer', async () => {
    const { log, store } = setup(100);
    await log.record({ actor: 'system', action: 'a.b', outcome: 'success' });
    log.startCheckpointTimer(5);
    await expect.poll(async () => (await store.checkpoints()).length).toBe(1);
    await log.record({ actor: 'system', action: 'a.b', outcome: 'success' });
    await log.close();
    expect((await store.checkpoints()).map((c) => c.seq)).toEqual([1, 2]);
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined, x: 'é' }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":"é","z":1}]},"b":1}');
    expect(canonicalJson(Number.NaN)).toBe('null');
    expect(canonicalJson(undefined)).toBe('null');
  });
});
