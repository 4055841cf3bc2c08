/**
 * The live alert stream (SPEC §3 `GET /alerts/stream`): Server-Sent Events, one `alert` event per
 * change, `id:` = the change number. A client resuming with `Last-Event-ID` gets every change it
 * missed, then live ones, without gaps or repeats: the stream subscribes to the bus first, replays
 * from the alert service's ring (or the store), then drains what arrived meanwhile, skipping
 * numbers already sent. When the missed changes are no longer kept, a `reset` event tells the
 * client to reload the list. A client too slow to keep up is disconnected (it resumes from its
 * last id) rather than buffered without bound.
 */
import type { ServerResponse } from 'node:http';
import type { Bus } from '../../bus/bus.js';
import type { AlertChange, AlertRecord } from '../../store/alerts.js';
import type { AlertService } from '../alerts.js';
import { changeView } from '../alert-view.js';

export interface AlertStreamOptions {
  readonly alerts: AlertService;
  readonly bus: Bus;
  /** The last change the client has; null = start with changes from now on. */
  readonly lastEventId: number | null;
  /** Site scope of the caller (SPEC §5.3). */
  readonly visible: (a: AlertRecord) => boolean;
  /** Comment line interval that keeps proxies from closing an idle stream, ms. */
  readonly keepaliveMs?: number;
  /** Bytes queued for a slow client before it is disconnected. */
  readonly maxBufferedBytes?: number;
  /** Extra response headers (the app's security headers). */
  readonly headers?: Record<string, string | number | readonly string[]>;
}

const REPLAY_PAGE = 500;

export function parseLastEventId(header: unknown, query: unknown): number | null {
  const raw = typeof header === 'string' && header !== '' ? header : typeof query === 'string' && query !== '' ? query : null;
  if (raw === null) return null;
  return /^[0-9]{1,15}$/.test(raw) ? Number(raw) : null;
}

/** Serves the stream until the client goes away; resolves then. */
export async function serveAlertStream(res: ServerResponse, o: AlertStreamOptions): Promise<void> {
  res.writeHead(200, {
    ...(o.headers ?? {}),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let last = o.lastEventId ?? o.alerts.lastChange;
  let live = false;
  const buffered: AlertChange[] = [];
  let closed = false;
  const maxBuffered = o.maxBufferedBytes ?? 4 * 1024 * 1024;

  const send = (c: AlertChange): void => {
    if (closed || c.n <= last) return;
    last = c.n;
    if (!o.visible(c.alert)) return;
    res.write(`id: ${c.n}\nevent: alert\ndata: ${JSON.stringify(changeView(c))}\n\n`);
    if (res.writableLength > maxBuffered) res.destroy();
  };

  const unsubscribe = o.bus.subscribe('alert.changed', (c) => {
    if (live) send(c);
    else buffered.push(c);
  });
  const done = new Promise<void>((resolve) => {
    res.on('close', () => {
      closed = true;
      unsubscribe();
      clearInterval(keepalive);
      resolve();
    });
  });
  const keepalive = setInterval(() => {
    if (!closed) res.write(': keepalive\n\n');
  }, o.keepaliveMs ?? 15_000);
  keepalive.unref();

  res.write('retry: 2000\n\n');
  try {
    let first = true;
    for (;;) {
      const { changes, gap } = await o.alerts.changesSince(last, REPLAY_PAGE);
      if (first && gap) res.write(`event: reset\ndata: ${JSON.stringify({ reason: 'changes since your last event are no longer kept; reload the alert list' })}\n\n`);
      first = false;
      for (const c of changes) send(c);
      if (changes.length < REPLAY_PAGE || closed) break;
    }
    for (const c of buffered) send(c);
    buffered.length = 0;
    live = true;
  } catch {
    res.destroy();
  }
  return done;
}
