/**
 * The one contract suite of the store port (STYLE §3), run against every adapter:
 * `runStoreContract('sqlite', () => openSqliteStore(…))`. It pins down what store.ts leaves to
 * words — seq order, (device, id) dedupe, filters, keyset paging, histogram buckets, purge — so the
 * pipeline, search and retention behave the same on every adapter. Sections too long for one file
 * live beside it (store-events.contract.ts, store-principals.contract.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY } from '../core/clock.js';
import type { Store } from './store.js';
import { device, runEventReadContract, safeEvent, T0 } from './store-events.contract.js';
import { runPrincipalsContract } from './store-principals.contract.js';

export { device, safeEvent, T0, type EventInit } from './store-events.contract.js';

export function runStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });
    const use = () => store;

    describe('events.append', () => {
      it('assigns seqs that increase across calls and follow input order', async () => {
        const a = await store.events.append([safeEvent(), safeEvent(), safeEvent()]);
        const b = await store.events.append([safeEvent(), safeEvent()]);
        const all = [...a, ...b] as number[];
        expect(all.every((s) => typeof s === 'number')).toBe(true);
        for (let i = 1; i < all.length; i++) expect(all[i]).toBeGreaterThan(all[i - 1] as number);
        expect(await store.events.lastSeq()).toBe(all[all.length - 1]);
      });

      it('gives concurrent appends distinct seqs, each call in its input order', async () => {
        const calls = await Promise.all([1, 2, 3, 4, 5].map((n) => store.events.append(Array.from({ length: n * 3 }, () => safeEvent()))));
        const flat = calls.flat() as number[];
        expect(new Set(flat).size).toBe(flat.length);
        for (const c of calls) for (let i = 1; i < c.length; i++) expect(c[i]).toBeGreaterThan(c[i - 1] as number);
        expect(await store.events.lastSeq()).toBe(Math.max(...flat));
      });

      it('reads an event back in the stored shape of SPEC §2', async () => {
        const e = safeEvent({ id: 'cam-1-000123', kind: 'camera.intrusion', data: { zone: 'gate-north', object: 'person', confidence: 0.91 } });
        const [seq] = await store.events.append([e]);
        const page = await store.events.query({ limit: 10 });
        expect(page).toEqual({
          events: [
            {
              seq,
              id: 'cam-1-000123',
              ts: '2026-11-26T10:00:00.000Z',
              received_at: '2026-11-26T10:00:00.250Z',
              device: 'cam-1',
              site: 'harbour',
              zone: 'gate-north',
              kind: 'camera.intrusion',
              data: { zone: 'gate-north', object: 'person', confidence: 0.91 },
            },
          ],
          next: null,
        });
      });

      it('keeps a null zone and nested data intact', async () => {
        await store.events.append([safeEvent({ zone: null, kind: 'telemetry.reading', data: { metric: 'kWh', value: -1.5e-3, unit: 'kWh', nested: { a: [1, 'x', null] } } })]);
        const [got] = (await store.events.query({ limit: 1 })).events;
        expect(got?.zone).toBeNull();
        expect(got?.data).toEqual({ metric: 'kWh', value: -1.5e-3, unit: 'kWh', nested: { a: [1, 'x', null] } });
      });

      it('answers a (device, id) already stored by an earlier call as duplicate, storing nothing', async () => {
        const [first] = await store.events.append([safeEvent({ id: 'e1' })]);
        const again = await store.events.append([safeEvent({ id: 'e1' }), safeEvent({ id: 'e2' })]);
        expect(again[0]).toBe('duplicate');
        expect(again[1]).toBeGreaterThan(first as number);
        expect(await store.events.count({})).toBe(2);
      });

      it('answers a repeat within one batch as duplicate and keeps the first', async () => {
        const r = await store.events.append([safeEvent({ id: 'e1', data: { n: 1 } }), safeEvent({ id: 'e1', data: { n: 2 } })]);
        expect(typeof r[0]).toBe('number');
        expect(r[1]).toBe('duplicate');
        const page = await store.events.query({ limit: 10 });
        expect(page.events.map((e) => e.data)).toEqual([{ n: 1 }]);
      });

      it('dedupes on (device, id) whatever the time or kind of the repeat', async () => {
        await store.events.append([safeEvent({ id: 'e1', ts: T0 })]);
        const r = await store.events.append([safeEvent({ id: 'e1', ts: T0 - 3 * DAY, kind: 'device.heartbeat' })]);
        expect(r).toEqual(['duplicate']);
      });

      it('tells device-numbered ids apart by separator and leading zeros', async () => {
        const ids = ['cam-1-007', 'cam-1-7', 'cam-1_007', 'cam-1007', 'cam-1-0007', 'cam-1-007x'];
        const first = await store.events.append(ids.map((id) => safeEvent({ id })));
        expect(first.every((s) => typeof s === 'number')).toBe(true);
        const again = await store.events.append([...ids, 'cam-1-8'].map((id) => safeEvent({ id })));
        expect(again.slice(0, ids.length).every((s) => s === 'duplicate')).toBe(true);
        expect(typeof again[ids.length]).toBe('number');
        expect(await store.events.append([safeEvent({ id: 'cam-1-007', device: 'cam-2' })])).toEqual([expect.any(Number)]);
      });

      it('treats the same id from another device as a different event', async () => {
        const r = await store.events.append([safeEvent({ id: 'e1', device: 'cam-1' }), safeEvent({ id: 'e1', device: 'cam-2' })]);
        expect(r.every((s) => typeof s === 'number')).toBe(true);
      });

      it('never dedupes events without an id', async () => {
        const r = await store.events.append([safeEvent(), safeEvent()]);
        const r2 = await store.events.append([safeEvent()]);
        expect([...r, ...r2].every((s) => typeof s === 'number')).toBe(true);
        expect(await store.events.count({})).toBe(3);
      });

      it('reports lastSeq 0 when empty and leaves it unchanged by duplicates', async () => {
        expect(await store.events.lastSeq()).toBe(0);
        const [s] = await store.events.append([safeEvent({ id: 'x' })]);
        await store.events.append([safeEvent({ id: 'x' })]);
        expect(await store.events.lastSeq()).toBe(s);
      });

      it('writes liveness with the events, for registered devices only', async () => {
        await store.devices.put(device('cam-1'), T0 - DAY);
        await store.events.append([safeEvent({ kind: 'device.fault', data: { code: 'E42' } })], [
          { device: 'cam-1', last_seen: T0, fault_since: T0, fault_code: 'E42' },
          { device: 'ghost', last_seen: T0, fault_since: null, fault_code: null },
        ]);
        expect(await store.devices.get('cam-1')).toMatchObject({ last_seen: T0, fault_since: T0, fault_code: 'E42' });
        expect(await store.devices.get('ghost')).toBeNull();
      });
    });


    runEventReadContract(use);

    describe('devices', () => {
      it('creates, replaces registry fields and keeps liveness', async () => {
        expect(await store.devices.put(device('cam-1'), 1000)).toMatchObject({ created: true });
        await store.devices.setLiveness([{ device: 'cam-1', last_seen: 1500, fault_since: 1400, fault_code: 'E1' }]);
        expect(await store.devices.put(device('cam-1', { name: 'Renamed', zone: null, lat: null, lon: null, heartbeat_s: 0 }), 2000)).toMatchObject({ created: false });
        expect(await store.devices.get('cam-1')).toEqual({
          ...device('cam-1', { name: 'Renamed', zone: null, lat: null, lon: null, heartbeat_s: 0 }),
          last_seen: 1500,
          fault_since: 1400,
          fault_code: 'E1',
          created_at: 1000,
          updated_at: 2000,
        });
      });

      it('starts with no liveness, lists by id and deletes', async () => {
        await store.devices.put(device('b-2', { type: 'env' }), 1);
        await store.devices.put(device('a-1'), 2);
        expect(await store.devices.get('a-1')).toMatchObject({ last_seen: null, fault_since: null, fault_code: null, created_at: 2 });
        expect((await store.devices.list()).map((d) => d.id)).toEqual(['a-1', 'b-2']);
        expect(await store.devices.get('zz')).toBeNull();
        expect(await store.devices.delete('a-1')).toMatchObject({ existed: true });
        expect(await store.devices.delete('a-1')).toMatchObject({ existed: false });
        expect((await store.devices.list()).map((d) => d.id)).toEqual(['b-2']);
        await store.devices.put(device('a-1'), 3);
        expect(await store.devices.get('a-1')).toMatchObject({ last_seen: null, created_at: 3 });
      });

      it('counts every registry change in the devices revision, and nothing else', async () => {
        expect(await store.devices.revision()).toBe(0);
        expect(await store.devices.put(device('cam-1'), 1)).toEqual({ created: true, rev: 1 });
        expect(await store.devices.put(device('cam-1', { name: 'Renamed' }), 2)).toEqual({ created: false, rev: 2 });
        expect(await store.devices.put(device('cam-2'), 3)).toEqual({ created: true, rev: 3 });
        // Liveness, from a sweep or with events, is not a registry change.
        await store.devices.setLiveness([{ device: 'cam-1', last_seen: 5, fault_since: null, fault_code: null }]);
        await store.events.append([safeEvent({ device: 'cam-2' })], [{ device: 'cam-2', last_seen: T0, fault_since: null, fault_code: null }]);
        expect(await store.devices.revision()).toBe(3);
        expect(await store.devices.delete('cam-1')).toEqual({ existed: true, rev: 4 });
        expect(await store.devices.delete('cam-1')).toEqual({ existed: false, rev: 4 });
        expect(await store.devices.delete('never')).toEqual({ existed: false, rev: 4 });
        expect(await store.devices.revision()).toBe(4);
      });

      it('gives concurrent registry writes distinct revisions', async () => {
        const revs = await Promise.all(Array.from({ length: 8 }, (_, i) => store.devices.put(device(`d-${i}`), i).then((r) => r.rev)));
        expect([...revs].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        expect(await store.devices.revision()).toBe(8);
      });
    });

    runPrincipalsContract(use);

    describe('kv', () => {
      it('stores JSON values by key, overwrites and deletes', async () => {
        expect(await store.kv.get('a')).toBeNull();
        await store.kv.set('a', { n: 1, list: [1, 'two', null], nested: { ok: true } });
        expect(await store.kv.get('a')).toEqual({ n: 1, list: [1, 'two', null], nested: { ok: true } });
        await store.kv.set('a', 42);
        expect(await store.kv.get<number>('a')).toBe(42);
        await store.kv.set('s', 'text');
        expect(await store.kv.get('s')).toBe('text');
        await store.kv.delete('a');
        expect(await store.kv.get('a')).toBeNull();
        await store.kv.delete('never');
      });

      it('setIfAbsent keeps the first value stored, whoever asks second gets it back', async () => {
        expect(await store.kv.setIfAbsent('keys/k1', { key: 'first' })).toEqual({ key: 'first' });
        expect(await store.kv.setIfAbsent('keys/k1', { key: 'second' })).toEqual({ key: 'first' });
        expect(await store.kv.get('keys/k1')).toEqual({ key: 'first' });
        // Racing callers all see one winner.
        const raced = await Promise.all(['a', 'b', 'c', 'd'].map((v) => store.kv.setIfAbsent('keys/k2', v)));
        expect(new Set(raced).size).toBe(1);
        expect(await store.kv.get('keys/k2')).toBe(raced[0]);
      });

      it('add: counts from nothing, sums racing adders exactly, refuses a key that holds no number', async () => {
        expect(await store.kv.add('count/a', 3)).toBe(3);
        expect(await store.kv.add('count/a', 2)).toBe(5);
        const sums = await Promise.all(Array.from({ length: 20 }, () => store.kv.add('count/a', 1)));
        // Each adder saw its own step: 6 … 25, each once.
        expect([...sums].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => 6 + i));
        expect(await store.kv.get<number>('count/a')).toBe(25);
        expect(await store.kv.add('count/a', -25)).toBe(0);
        expect(await store.kv.add('count/f', 0.5)).toBe(0.5);
        await store.kv.set('count/text', 'seven');
        await expect(store.kv.add('count/text', 1)).rejects.toThrow(/something other than a number/);
        expect(await store.kv.get('count/text')).toBe('seven');
        await store.kv.set('count/obj', { n: 1 });
        await expect(store.kv.add('count/obj', 1)).rejects.toThrow(/something other than a number/);
        await expect(store.kv.add('count/b', Number.NaN)).rejects.toThrow(/not a finite number/);
        expect(await store.kv.get('count/b')).toBeNull();
      });

      it('lists a prefix in key order, taking % and _ literally', async () => {
        for (const k of ['rules/b', 'rules/a', 'rulesX', 'rules/_x', 'r%les/a', 'other']) await store.kv.set(k, k.length);
        expect(await store.kv.list('rules/')).toEqual([
          ['rules/_x', 8],
          ['rules/a', 7],
          ['rules/b', 7],
        ]);
        expect((await store.kv.list('r%')).map(([k]) => k)).toEqual(['r%les/a']);
        expect((await store.kv.list('')).length).toBe(6);
        expect(await store.kv.list('none/')).toEqual([]);
      });
    });
  });
}

