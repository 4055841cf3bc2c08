/**
 * The reading and retention side of the events section in the store contract (query filters,
 * ordering, keyset paging, histogram, count, purge), run by runStoreContract (store.contract.ts)
 * against every adapter; also the event fixtures the store tests share.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { sealSafeEvent, type SafeEvent, type StoredEvent } from '../core/event.js';
import type { Device } from '../core/device.js';
import type { EventKind } from '../core/kinds.js';
import { DAY, HOUR, MINUTE } from '../core/clock.js';
import type { EventQuery, Store } from './store.js';

export const T0 = Date.parse('2026-11-26T10:00:00.000Z');

export interface EventInit {
  id?: string | null;
  ts?: number;
  received_at?: number;
  device?: string;
  site?: string;
  zone?: string | null;
  kind?: EventKind;
  data?: Record<string, unknown>;
}

export function safeEvent(o: EventInit = {}): SafeEvent {
  const ts = o.ts ?? T0;
  return sealSafeEvent({
    id: o.id === undefined ? null : o.id,
    ts,
    received_at: o.received_at ?? ts + 250,
    device: o.device ?? 'cam-1',
    site: o.site ?? 'harbour',
    zone: o.zone === undefined ? 'gate-north' : o.zone,
    kind: o.kind ?? 'camera.motion',
    data: o.data ?? {},
  });
}

export function device(id: string, o: Partial<Device> = {}): Device {
  return { id, type: 'camera', name: `Camera ${id}`, site: 'harbour', zone: 'gate-north', lat: 38.7681, lon: -9.0952, heartbeat_s: 60, ...o };
}

/** Every stored event of a query, walking all pages. */
export async function walk(store: Store, q: Omit<EventQuery, 'after'>): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  let after: EventQuery['after'];
  for (let pages = 0; pages < 1000; pages++) {
    const page = await store.events.query({ ...q, ...(after ? { after } : {}) });
    out.push(...page.events);
    if (!page.next) return out;
    after = page.next;
  }
  throw new Error('paging did not end');
}

const seqs = (events: StoredEvent[]) => events.map((e) => e.seq);

export function runEventReadContract(use: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = use();
  });

  describe('events.query', () => {
    // Three days, two sites, several zones, devices and kinds; ts ties on purpose.
    const fixture = (): SafeEvent[] => {
      const out: SafeEvent[] = [];
      for (let i = 0; i < 60; i++) {
        const kinds: EventKind[] = ['camera.motion', 'camera.intrusion', 'device.heartbeat', 'access.door_forced'];
        out.push(
          safeEvent({
            id: `ev-${i}`,
            ts: T0 - 2 * DAY + Math.floor(i / 2) * (2 * HOUR + 7 * MINUTE),
            device: `dev-${i % 3}`,
            site: i % 4 === 0 ? 'airport' : 'harbour',
            zone: i % 5 === 0 ? null : `zone-${i % 2}`,
            kind: kinds[i % 4] as EventKind,
            data: { i },
          }),
        );
      }
      return out;
    };
    let all: SafeEvent[] = [];
    let seqOf: Map<SafeEvent, number>;
    beforeEach(async () => {
      all = fixture();
      const r = await store.events.append(all);
      seqOf = new Map(all.map((e, i) => [e, r[i] as number]));
    });
    const expected = (pred: (e: SafeEvent) => boolean, order: 'asc' | 'desc' = 'desc') => {
      const list = all.filter(pred).map((e) => ({ e, seq: seqOf.get(e) as number }));
      list.sort((a, b) => a.e.ts - b.e.ts || a.seq - b.seq);
      if (order === 'desc') list.reverse();
      return list.map((x) => x.seq);
    };

    it('orders newest first by (ts, seq) by default, oldest first on asc', async () => {
      expect(seqs((await store.events.query({ limit: 1000 })).events)).toEqual(expected(() => true));
      expect(seqs((await store.events.query({ limit: 1000, order: 'asc' })).events)).toEqual(expected(() => true, 'asc'));
    });

    it('bounds time with from inclusive and to exclusive', async () => {
      const from = T0 - DAY;
      const to = T0 - 2 * DAY + 10 * (2 * HOUR + 7 * MINUTE) + 40 * HOUR;
      const page = await store.events.query({ from, to, limit: 1000 });
      expect(seqs(page.events)).toEqual(expected((e) => e.ts >= from && e.ts < to));
      const edge = all[10] as SafeEvent;
      expect(seqs((await store.events.query({ from: edge.ts, to: edge.ts + 1, limit: 1000 })).events)).toEqual(expected((e) => e.ts === edge.ts));
      expect((await store.events.query({ from: edge.ts, to: edge.ts, limit: 10 })).events).toEqual([]);
    });

    it('filters by device, site, zone and exact kind', async () => {
      expect(seqs((await store.events.query({ device: 'dev-1', limit: 1000 })).events)).toEqual(expected((e) => e.device === 'dev-1'));
      expect(seqs((await store.events.query({ site: 'airport', limit: 1000 })).events)).toEqual(expected((e) => e.site === 'airport'));
      expect(seqs((await store.events.query({ zone: 'zone-1', limit: 1000 })).events)).toEqual(expected((e) => e.zone === 'zone-1'));
      expect(seqs((await store.events.query({ kind: 'camera.motion', limit: 1000 })).events)).toEqual(expected((e) => e.kind === 'camera.motion'));
    });

    it('matches a kind family with a `camera.*` prefix', async () => {
      expect(seqs((await store.events.query({ kind: 'camera.*', limit: 1000 })).events)).toEqual(expected((e) => e.kind.startsWith('camera.')));
      expect((await store.events.query({ kind: 'camera.mo', limit: 10 })).events).toEqual([]);
    });

    it('restricts to a site scope, where an empty scope sees nothing', async () => {
      expect(seqs((await store.events.query({ sites: ['airport'], limit: 1000 })).events)).toEqual(expected((e) => e.site === 'airport'));
      expect(seqs((await store.events.query({ sites: ['airport', 'harbour'], limit: 1000 })).events)).toEqual(expected(() => true));
      expect((await store.events.query({ sites: [], limit: 10 })).events).toEqual([]);
      expect((await store.events.query({ site: 'harbour', sites: ['airport'], limit: 10 })).events).toEqual([]);
    });

    it('combines filters', async () => {
      const q = { device: 'dev-0', kind: 'camera.*', site: 'airport', from: T0 - 2 * DAY, to: T0 + DAY } as const;
      const want = expected((e) => e.device === 'dev-0' && e.kind.startsWith('camera.') && e.site === 'airport');
      expect(want.length).toBeGreaterThan(0);
      expect(seqs((await store.events.query({ ...q, limit: 1000 })).events)).toEqual(want);
    });

    it('matches nothing for names never stored', async () => {
      for (const f of [{ device: 'nobody' }, { site: 'atlantis' }, { zone: 'nowhere' }, { kind: 'fire.alarm' }, { kind: 'lpr.*' }]) {
        expect((await store.events.query({ ...f, limit: 10 })).events).toEqual([]);
      }
    });

    for (const order of ['desc', 'asc'] as const) {
      it(`pages with the keyset cursor (${order}) with no gap and no repeat, across days`, async () => {
        const got = await walk(use(), { limit: 7, order });
        expect(seqs(got)).toEqual(expected(() => true, order));
        const byDevice = await walk(use(), { limit: 4, order, device: 'dev-2', kind: 'camera.*' });
        expect(seqs(byDevice)).toEqual(expected((e) => e.device === 'dev-2' && e.kind.startsWith('camera.'), order));
      });
    }

    it('gives next only while more may follow', async () => {
      const n = all.length;
      const full = await store.events.query({ limit: n });
      expect(full.events).toHaveLength(n);
      expect(full.next).toBeNull();
      const short = await store.events.query({ limit: n - 1 });
      const last = short.events[short.events.length - 1];
      expect(short.next).toEqual({ ts: Date.parse(last?.ts ?? ''), seq: last?.seq });
    });

    it('continues a walk over events stored after it began, without repeating', async () => {
      const first = await store.events.query({ limit: 5, order: 'asc' });
      expect(first.next).not.toBeNull();
      const [late] = await store.events.append([safeEvent({ ts: T0 + 3 * DAY, device: 'dev-9' })]);
      const rest = await store.events.query({ limit: 1000, order: 'asc', ...(first.next ? { after: first.next } : {}) });
      expect(seqs(rest.events)).toEqual([...expected(() => true, 'asc').slice(5), late]);
    });
  });

  describe('events.histogram and count', () => {
    it('buckets at multiples of the interval since the epoch, non-empty buckets ascending', async () => {
      const base = Date.parse('2026-11-26T00:00:00.000Z');
      await store.events.append([
        safeEvent({ ts: base + 1 * MINUTE }),
        safeEvent({ ts: base + 14 * MINUTE + 59_999 }),
        safeEvent({ ts: base + 15 * MINUTE }),
        safeEvent({ ts: base + 61 * MINUTE, kind: 'device.heartbeat' }),
        safeEvent({ ts: base + DAY + 5 * MINUTE, device: 'cam-2' }),
        safeEvent({ ts: base - 1 }),
      ]);
      const h = await store.events.histogram({ from: base, to: base + 2 * DAY, intervalMs: 15 * MINUTE });
      expect(h).toEqual([
        { t: base, count: 2 },
        { t: base + 15 * MINUTE, count: 1 },
        { t: base + 60 * MINUTE, count: 1 },
        { t: base + DAY, count: 1 },
      ]);
      // An interval that does not divide the day: alignment is to the epoch, not to `from`.
      const seven = 7 * MINUTE;
      const h7 = await store.events.histogram({ from: base, to: base + HOUR, intervalMs: seven });
      expect(h7.every((b) => b.t % seven === 0)).toBe(true);
      expect(h7.reduce((a, b) => a + b.count, 0)).toBe(3);
      const filtered = await store.events.histogram({ from: base - HOUR, to: base + 2 * DAY, intervalMs: DAY, kind: 'camera.*', device: 'cam-1' });
      expect(filtered).toEqual([
        { t: base - DAY, count: 1 },
        { t: base, count: 3 },
      ]);
    });

    it('counts what a query would return', async () => {
      await store.events.append([
        safeEvent({ ts: T0 - 2 * DAY }),
        safeEvent({ ts: T0 - DAY, device: 'cam-2', site: 'airport' }),
        safeEvent({ ts: T0, kind: 'fire.alarm', zone: 'hall' }),
        safeEvent({ ts: T0 + 1 }),
      ]);
      expect(await store.events.count({})).toBe(4);
      expect(await store.events.count({ from: T0 - DAY })).toBe(3);
      expect(await store.events.count({ from: T0 - 3 * DAY, to: T0 })).toBe(2);
      expect(await store.events.count({ site: 'airport' })).toBe(1);
      expect(await store.events.count({ sites: ['harbour'] })).toBe(3);
      expect(await store.events.count({ kind: 'fire.*' })).toBe(1);
      expect(await store.events.count({ zone: 'hall' })).toBe(1);
      expect(await store.events.count({ device: 'cam-1', from: T0 })).toBe(2);
    });
  });

  describe('events.purge', () => {
    it('deletes the given kinds before the cutoff, nothing else', async () => {
      await store.events.append([
        safeEvent({ ts: T0 - 3 * DAY, kind: 'lpr.read', id: 'a' }),
        safeEvent({ ts: T0 - 2 * DAY - HOUR, kind: 'lpr.read', id: 'b' }),
        safeEvent({ ts: T0 - HOUR, kind: 'lpr.read', id: 'c' }),
        safeEvent({ ts: T0 - 3 * DAY, kind: 'fire.alarm', id: 'd' }),
        safeEvent({ ts: T0 - 3 * DAY, kind: 'camera.motion', id: 'e' }),
      ]);
      const last = await store.events.lastSeq();
      expect(await store.events.purge(['lpr.read', 'camera.motion'], T0 - 2 * DAY)).toBe(3);
      const left = await store.events.query({ limit: 10, order: 'asc' });
      expect(left.events.map((e) => e.id)).toEqual(['d', 'c']);
      expect(await store.events.lastSeq()).toBe(last);
      expect(await store.events.purge(['lpr.read'], T0 - 2 * DAY)).toBe(0);
    });

    it('purges within a day down to the millisecond, and whole days', async () => {
      const day = Date.parse('2026-11-20T00:00:00.000Z');
      const evs = Array.from({ length: 48 }, (_, i) => safeEvent({ ts: day + i * HOUR, kind: 'wifi.sighting', id: `w${i}`, data: { mac: 'pseudo', rssi: -60 } }));
      await store.events.append(evs);
      expect(await store.events.purge(['wifi.sighting'], day + 30 * HOUR)).toBe(30);
      expect(await store.events.count({})).toBe(18);
      expect(await store.events.purge(['wifi.sighting'], day + 30 * HOUR + 1)).toBe(1);
      expect(await store.events.purge(['wifi.sighting'], day + 3 * DAY)).toBe(17);
      expect(await store.events.count({})).toBe(0);
    });

    it('lets an id be stored again once its event was purged', async () => {
      await store.events.append([safeEvent({ ts: T0 - 10 * DAY, id: 'old' })]);
      await store.events.purge(['camera.motion'], T0 - DAY);
      const r = await store.events.append([safeEvent({ ts: T0 - 10 * DAY, id: 'old' })]);
      expect(typeof r[0]).toBe('number');
    });

    it('deletes nothing for kinds never stored', async () => {
      await store.events.append([safeEvent()]);
      expect(await store.events.purge(['fire.alarm'], T0 + DAY)).toBe(0);
      expect(await store.events.purge([], T0 + DAY)).toBe(0);
      expect(await store.events.count({})).toBe(1);
    });
  });

}
