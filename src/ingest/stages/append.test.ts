import { describe, expect, it } from 'vitest';
import { sealSafeEvent, type SafeEvent } from '../../core/event.js';
import type { AppendResult, EventStore, LivenessUpdate } from '../../store/store.js';
import { Committer, type CommitHooks } from './append.js';

const ev = (n: number): SafeEvent =>
  sealSafeEvent({ id: `e-${n}`, ts: n, received_at: n, device: 'cam-1', site: 's', zone: null, kind: 'camera.motion', data: {} });

interface Call {
  readonly events: readonly SafeEvent[];
  readonly liveness: readonly LivenessUpdate[];
  resolve(r: AppendResult[]): void;
  reject(err: unknown): void;
}

/** A store whose appends complete only when the test says so; seqs count from 1 in call order. */
function manualStore() {
  const calls: Call[] = [];
  let seq = 0;
  const store = {
    append(events: readonly SafeEvent[], liveness: readonly LivenessUpdate[] = []) {
      return new Promise<AppendResult[]>((resolve, reject) => calls.push({ events, liveness, resolve, reject }));
    },
  } as unknown as EventStore;
  const complete = (i: number) => {
    const c = calls[i];
    if (!c) throw new Error(`no append ${i}`);
    c.resolve(c.events.map(() => ++seq));
  };
  return { store, calls, complete };
}

function recordingHooks() {
  const order: string[] = [];
  let lv = 0;
  const hooks: CommitHooks = {
    liveness: (events) => [{ device: 'cam-1', last_seen: ++lv, fault_since: null, fault_code: String(events.length) }],
    committed: async (events) => {
      await new Promise((r) => setTimeout(r, 2));
      order.push(`committed ${events.map((e) => e.id).join(',')}`);
    },
    abandoned: (l) => order.push(`abandoned ${l.map((u) => u.last_seen).join(',')}`),
  };
  return { hooks, order };
}

/** Lets timers (delayMs 0) and promise chains run. */
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('Committer (group commit with overlapping appends)', () => {
  it('keeps up to maxInFlight appends outstanding and groups what waits behind them', async () => {
    const s = manualStore();
    const { hooks } = recordingHooks();
    const c = new Committer(s.store, hooks, { maxBatch: 100, delayMs: 0, maxInFlight: 2 });
    const a = c.submit([ev(1)]);
    await tick();
    expect(s.calls).toHaveLength(1);
    const b = c.submit([ev(2)]);
    expect(s.calls).toHaveLength(2); // starts at once: the store is busy, so no reason to wait
    const d = c.submit([ev(3)]);
    const e = c.submit([ev(4), ev(5)]);
    await tick();
    expect(s.calls).toHaveLength(2); // two outstanding: the rest waits
    expect(c.outstanding).toBe(2);
    s.complete(0);
    expect(await a).toEqual([1]);
    await tick();
    expect(s.calls).toHaveLength(3);
    expect(s.calls[2]?.events.map((x) => x.id)).toEqual(['e-3', 'e-4', 'e-5']); // grouped
    s.complete(1);
    s.complete(2);
    expect(await b).toEqual([2]);
    expect(await d).toEqual([3]);
    expect(await e).toEqual([4, 5]);
    await c.drain();
    expect(c.outstanding).toBe(0);
  });

  it('runs the committed hook and answers callers in append order, even when a later append finishes first', async () => {
    const s = manualStore();
    const { hooks, order } = recordingHooks();
    const c = new Committer(s.store, hooks, { maxBatch: 100, delayMs: 0, maxInFlight: 3 });
    const answered: string[] = [];
    const p1 = c.submit([ev(1)]).then(() => answered.push('1'));
    await tick();
    const p2 = c.submit([ev(2)]).then(() => answered.push('2'));
    const p3 = c.submit([ev(3)]).then(() => answered.push('3'));
    expect(s.calls).toHaveLength(3);
    // Liveness builds in start order (the registry sees each append before the next).
    expect(s.calls.map((x) => x.liveness[0]?.last_seen)).toEqual([1, 2, 3]);
    s.calls[2]?.resolve([30]);
    s.calls[1]?.resolve([20]);
    await tick();
    expect(order).toEqual([]);
    expect(answered).toEqual([]);
    s.calls[0]?.resolve([10]);
    await Promise.all([p1, p2, p3]);
    expect(order).toEqual(['committed e-1', 'committed e-2', 'committed e-3']);
    expect(answered).toEqual(['1', '2', '3']);
  });

  it('rejects only the callers of a failed append, reports its liveness abandoned, and carries on', async () => {
    const s = manualStore();
    const { hooks, order } = recordingHooks();
    const c = new Committer(s.store, hooks, { maxBatch: 100, delayMs: 0, maxInFlight: 2 });
    const p1 = c.submit([ev(1)]);
    await tick();
    const p2 = c.submit([ev(2)]);
    s.calls[0]?.reject(new Error('disk full'));
    s.complete(1);
    await expect(p1).rejects.toThrow('disk full');
    expect(await p2).toEqual([1]);
    expect(order).toEqual(['abandoned 1', 'committed e-2']);
    const p3 = c.submit([ev(3)]);
    await tick();
    s.complete(2);
    expect(await p3).toEqual([2]);
  });

  it('with maxInFlight 1, appends strictly one after the other', async () => {
    const s = manualStore();
    const { hooks } = recordingHooks();
    const c = new Committer(s.store, hooks, { maxBatch: 100, delayMs: 0, maxInFlight: 1 });
    const p1 = c.submit([ev(1)]);
    await tick();
    const p2 = c.submit([ev(2)]);
    await tick();
    expect(s.calls).toHaveLength(1);
    s.complete(0);
    await p1;
    await tick();
    expect(s.calls).toHaveLength(2);
    s.complete(1);
    await p2;
  });

  it('splits at maxBatch and starts a full batch without waiting for the delay', async () => {
    const s = manualStore();
    const { hooks } = recordingHooks();
    const c = new Committer(s.store, hooks, { maxBatch: 3, delayMs: 60_000, maxInFlight: 1 });
    const p = c.submit([ev(1), ev(2), ev(3)]);
    expect(s.calls).toHaveLength(1);
    s.complete(0);
    expect(await p).toEqual([1, 2, 3]);
    const q1 = c.submit([ev(4), ev(5)]);
    const q2 = c.submit([ev(6), ev(7)]);
    expect(s.calls).toHaveLength(2); // 4 waiting ≥ 3: flushed at once, q2 does not fit
    expect(s.calls[1]?.events).toHaveLength(2);
    s.complete(1);
    await q1;
    await tick();
    expect(s.calls).toHaveLength(3);
    s.complete(2);
    expect(await q2).toEqual([6, 7]);
  });

  it('drain waits for the waiting and the outstanding', async () => {
    const s = manualStore();
    const { hooks } = recordingHooks();
    const c = new Committer(s.store, hooks, { maxBatch: 100, delayMs: 60_000, maxInFlight: 2 });
    void c.submit([ev(1)]);
    let drained = false;
    const d = c.drain().then(() => (drained = true));
    await tick();
    expect(s.calls).toHaveLength(1);
    expect(drained).toBe(false);
    s.complete(0);
    await d;
    expect(drained).toBe(true);
  });
});
