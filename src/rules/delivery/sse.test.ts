import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.js';
import { MemoryBus } from '../../bus/memory/memory-bus.js';
import { createMemoryAlertStore } from '../../store/memory/alerts.js';
import type { AlertStore } from '../../store/alerts.js';
import { AlertService } from '../alerts.js';
import { validateRule } from '../rule-validate.js';
import type { RaiseSignal } from '../signals.js';
import { parseLastEventId, serveAlertStream } from './sse.js';

const rule = validateRule({ id: 'r', type: 'match', kinds: ['camera.motion'], severity: 'minor', priority: 50, title: 'x', procedure: 'Look.' });

interface SseEvent {
  event: string;
  id: string | null;
  data: string;
}

class SseClient {
  readonly events: SseEvent[] = [];
  private waiters: Array<() => void> = [];
  constructor(readonly res: IncomingMessage) {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let at: number;
      while ((at = buf.indexOf('\n\n')) !== -1) {
        const block = buf.slice(0, at);
        buf = buf.slice(at + 2);
        const ev: SseEvent = { event: 'message', id: null, data: '' };
        let has = false;
        for (const line of block.split('\n')) {
          const m = /^(event|id|data): (.*)$/.exec(line);
          if (!m) continue;
          has = true;
          if (m[1] === 'event') ev.event = m[2] ?? '';
          else if (m[1] === 'id') ev.id = m[2] ?? null;
          else ev.data = m[2] ?? '';
        }
        if (has) this.events.push(ev);
        for (const w of this.waiters.splice(0)) w();
      }
    });
  }
  async until(n: number): Promise<SseEvent[]> {
    while (this.events.length < n) await new Promise<void>((r) => this.waiters.push(r));
    return this.events;
  }
  ids(): number[] {
    return this.events.filter((e) => e.event === 'alert').map((e) => Number(e.id));
  }
  close(): void {
    this.res.destroy();
  }
}

let server: Server | null = null;
afterEach(async () => {
  const s = server;
  server = null;
  if (s) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

async function setup(o: { store?: AlertStore; sites?: string[]; replay?: number } = {}) {
  const clock = new FakeClock();
  const bus = new MemoryBus((_t, e) => {
    throw e;
  });
  const store = o.store ?? createMemoryAlertStore();
  const svc = new AlertService({ store, bus, clock, rules: () => rule, ...(o.replay ? { replay: o.replay } : {}) });
  await svc.start();
  server = createServer((req, res) => {
    void serveAlertStream(res, {
      alerts: svc,
      bus,
      lastEventId: parseLastEventId(req.headers['last-event-id'], undefined),
      visible: (a) => !o.sites || o.sites.includes(a.site),
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const connect = (lastEventId?: number): Promise<SseClient> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) };
      get({ host: '127.0.0.1', port, path: '/', headers }, (res) => resolve(new SseClient(res))).on('error', reject);
    });
  let seq = 0;
  const raise = (key: string, site = 'harbour'): Promise<void> => {
    const s: RaiseSignal = { type: 'raise', rule: 'r', key, at: clock.now(), title: key, site, zone: null, device: 'd', evidence: { seq: ++seq, id: null } };
    return svc.apply([s]);
  };
  return { svc, connect, raise, store };
}

describe('alert stream (SSE)', () => {
  it('sends one alert event per change with the change number as id', async () => {
    const { connect, raise } = await setup();
    const c = await connect();
    expect(c.res.headers['content-type']).toMatch(/^text\/event-stream/);
    await raise('a');
    await raise('a');
    await raise('b');
    const events = await c.until(3);
    expect(events.map((e) => [e.event, e.id])).toEqual([['alert', '1'], ['alert', '2'], ['alert', '3']]);
    expect(JSON.parse(events[1]?.data ?? '{}')).toMatchObject({ n: 2, action: 'repeated', alert: { occurrences: 2, title: 'a' } });
    c.close();
  });

  it('resumes from Last-Event-ID without gaps or repeats, then continues live', async () => {
    const { connect, raise } = await setup();
    const first = await connect();
    await raise('a');
    await raise('b');
    await first.until(2);
    first.close();
    await raise('c');
    await raise('d'); // missed while disconnected
    const again = await connect(2);
    await again.until(2);
    await raise('e');
    await again.until(3);
    expect(again.ids()).toEqual([3, 4, 5]);
    again.close();
  });

  it('replays from the store beyond the in-memory ring, and says reset when changes are gone', async () => {
    const store = createMemoryAlertStore();
    const { connect, raise } = await setup({ store, replay: 2 });
    for (const k of ['a', 'b', 'c', 'd', 'e']) await raise(k);
    const c = await connect(1);
    await c.until(4);
    expect(c.ids()).toEqual([2, 3, 4, 5]);
    c.close();
    await store.pruneChanges(4);
    const late = await connect(1);
    const events = await late.until(3);
    expect(events[0]?.event).toBe('reset');
    expect(late.ids()).toEqual([4, 5]);
    late.close();
  });

  it('shows only alerts of the caller\'s sites', async () => {
    const { connect, raise } = await setup({ sites: ['campus'] });
    const c = await connect();
    await raise('a', 'harbour');
    await raise('b', 'campus');
    await c.until(1);
    expect(c.ids()).toEqual([2]);
    c.close();
  });

  it('parses Last-Event-ID strictly', () => {
    expect(parseLastEventId('17', undefined)).toBe(17);
    expect(parseLastEventId(undefined, '5')).toBe(5);
    expect(parseLastEventId('x', undefined)).toBeNull();
    expect(parseLastEventId('-1', undefined)).toBeNull();
    expect(parseLastEventId('', '')).toBeNull();
  });
});
