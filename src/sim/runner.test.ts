import { describe, expect, it } from 'vitest';
import { FakeClock, SECOND } from '../core/clock.js';
import type { DeviceInput } from '../core/device.js';
import { createDistrict } from './district.js';
import { createGenerator } from './generator.js';
import { runSimulation, type SendResult, type Sink } from './runner.js';
import type { SimEvent } from './sim-event.js';

class RecordingSink implements Sink {
  registered: DeviceInput[] = [];
  batches: SimEvent[][] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly answer: (events: readonly SimEvent[]) => SendResult | Error = (e) => ({ accepted: e.length, duplicates: 0, rejected: [] })) {}
  async register(devices: readonly DeviceInput[]) {
    this.registered.push(...devices);
  }
  async send(events: readonly SimEvent[]) {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setImmediate(r));
    this.inFlight--;
    this.batches.push([...events]);
    const a = this.answer(events);
    if (a instanceof Error) throw a;
    return a;
  }
}

function setup(rate: number) {
  const clock = new FakeClock();
  const generator = createGenerator(createDistrict({ devices: 20 }), { rate, incidentEveryMs: 2 * SECOND, firstIncidentAfterMs: SECOND });
  const sleep = async (ms: number) => {
    clock.advance(Math.max(ms, 1));
  };
  return { clock, generator, sleep };
}

describe('runSimulation', () => {
  it('sends about rate × duration events, then stops by itself', async () => {
    const { clock, generator, sleep } = setup(500);
    const sink = new RecordingSink();
    const stats = await runSimulation({ generator, sink, clock, sleep, durationMs: 10 * SECOND, maxBatch: 100 });
    const sent = sink.batches.flat().length;
    expect(sent).toBe(stats.sent);
    expect(stats.accepted).toBe(sent);
    expect(sent).toBeGreaterThan(4_900);
    expect(sent).toBeLessThan(5_100);
    expect(Math.max(...sink.batches.map((b) => b.length))).toBeLessThanOrEqual(100);
    expect(stats.elapsedMs).toBe(10 * SECOND);
    expect(stats.incidents).toBeGreaterThan(0);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const { clock, generator, sleep } = setup(5_000);
    const sink = new RecordingSink();
    await runSimulation({ generator, sink, clock, sleep, durationMs: 2 * SECOND, maxBatch: 50, concurrency: 3 });
    expect(sink.maxInFlight).toBe(3);
  });

  it('tallies duplicates and rejections by error code', async () => {
    const { clock, generator, sleep } = setup(100);
    const sink = new RecordingSink((e) => ({ accepted: e.length - 2, duplicates: 1, rejected: [{ error: 'unknown_device' }] }));
    const stats = await runSimulation({ generator, sink, clock, sleep, durationMs: SECOND });
    expect(stats.duplicates).toBe(sink.batches.length);
    expect(stats.rejectedBy).toEqual({ unknown_device: sink.batches.length });
  });

  it('ends the run with the sink error once a send fails, after in-flight sends settle', async () => {
    const { clock, generator, sleep } = setup(1_000);
    let calls = 0;
    const sink = new RecordingSink((e) => (++calls === 3 ? new Error('hub gone') : { accepted: e.length, duplicates: 0, rejected: [] }));
    await expect(runSimulation({ generator, sink, clock, sleep, durationMs: 60 * SECOND, maxBatch: 10 })).rejects.toThrow('hub gone');
    expect(clock.now() - Date.parse('2026-11-26T10:00:00.000Z')).toBeLessThan(60 * SECOND);
  });

  it('stops when its signal aborts', async () => {
    const { clock, generator } = setup(100);
    const ac = new AbortController();
    const sleep = async (ms: number) => {
      clock.advance(ms);
      if (clock.now() - Date.parse('2026-11-26T10:00:00.000Z') >= 3 * SECOND) ac.abort();
    };
    const progress: number[] = [];
    const stats = await runSimulation({ generator, sink: new RecordingSink(), clock, sleep, signal: ac.signal, onProgress: (s) => progress.push(s.sent) });
    expect(stats.elapsedMs).toBe(3 * SECOND);
    expect(progress.at(-1)).toBe(stats.sent);
  });
});
