/**
 * The live alert feed shared by every screen (the counters in the top bar, the console, the map's
 * pins): the unresolved alerts loaded once from `GET /alerts`, then kept current by the SSE stream
 * `GET /alerts/stream` (SPEC §3: one `alert` event per change; the browser's EventSource resumes
 * with Last-Event-ID after a drop). Without the alerts API on this hub the feed says `unavailable`.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { API_BASE, type AlertWire } from '../../api.js';
import { asApiError } from '../../hooks/use-api.js';
import { useSession, can } from '../../session.js';
import { playCriticalTone } from './sound.js';

export type FeedStatus = 'connecting' | 'live' | 'reconnecting' | 'unavailable' | 'forbidden' | 'error';

export interface AlertFeed {
  readonly status: FeedStatus;
  /** Unresolved alerts by id (resolved ones leave the feed). */
  readonly alerts: ReadonlyMap<string, AlertWire>;
  /** Alerts that changed since load, newest last (for "new" highlighting). */
  readonly changed: ReadonlySet<string>;
  readonly sound: boolean;
  readonly setSound: (on: boolean) => void;
  /** Adopt an alert an action answered with, before the stream echoes it. */
  readonly upsert: (a: AlertWire) => void;
}

const FeedContext = createContext<AlertFeed | null>(null);

export function useAlertFeed(): AlertFeed {
  const f = useContext(FeedContext);
  if (!f) throw new Error('useAlertFeed outside AlertFeedProvider');
  return f;
}

const SOUND_KEY = 'parapet.sound';

/** The SSE payload is one alert change `{n, at, action, alert}`; a bare alert is accepted too. */
export function alertOfMessage(data: string): AlertWire | null {
  try {
    const v = JSON.parse(data) as { alert?: AlertWire; id?: unknown; state?: unknown };
    if (v.alert && typeof v.alert.id === 'string') return v.alert;
    if (typeof v.id === 'string' && typeof v.state === 'string') return v as AlertWire;
  } catch {
    // A malformed line is skipped; the next change carries the full alert again.
  }
  return null;
}

export function AlertFeedProvider({ children }: { children: ReactNode }) {
  const { api, me } = useSession();
  const allowed = can(me, 'alerts.read');
  const [status, setStatus] = useState<FeedStatus>(allowed ? 'connecting' : 'forbidden');
  const [alerts, setAlerts] = useState<ReadonlyMap<string, AlertWire>>(new Map());
  const [changed, setChanged] = useState<ReadonlySet<string>>(new Set());
  const [sound, setSoundState] = useState(() => window.localStorage.getItem(SOUND_KEY) === 'on');
  const soundRef = useRef(sound);
  soundRef.current = sound;

  const apply = useCallback((a: AlertWire, live: boolean) => {
    setAlerts((prev) => {
      const next = new Map(prev);
      const before = prev.get(a.id);
      if (a.state === 'resolved') next.delete(a.id);
      else next.set(a.id, a);
      if (live && a.severity === 'critical' && a.state === 'open' && (!before || before.occurrences !== a.occurrences) && soundRef.current) playCriticalTone();
      return next;
    });
    if (live) setChanged((prev) => new Set(prev).add(a.id));
  }, []);

  useEffect(() => {
    if (!allowed) return;
    let source: EventSource | null = null;
    let stopped = false;
    const ctl = new AbortController();
    const loadList = () => Promise.all([api.alerts({ state: 'open', limit: 500 }, ctl.signal), api.alerts({ state: 'acknowledged', limit: 500 }, ctl.signal)]);
    const adopt = ([open, acked]: Awaited<ReturnType<typeof loadList>>) => setAlerts(new Map([...open.alerts, ...acked.alerts].map((a) => [a.id, a])));
    loadList()
      .then((lists) => {
        if (stopped) return;
        adopt(lists);
        source = new EventSource(`${API_BASE}/alerts/stream`, { withCredentials: true });
        // The hub no longer holds the changes missed while away: the list is read again.
        source.addEventListener('reset', () => {
          loadList()
            .then((l) => !stopped && adopt(l))
            .catch(() => setStatus('error'));
        });
        source.addEventListener('open', () => setStatus('live'));
        source.addEventListener('error', () => setStatus(source?.readyState === EventSource.CLOSED ? 'error' : 'reconnecting'));
        source.addEventListener('alert', (ev: MessageEvent<string>) => {
          const a = alertOfMessage(ev.data);
          if (a) apply(a, true);
        });
      })
      .catch((err: unknown) => {
        if (stopped) return;
        const e = asApiError(err);
        setStatus(e.unavailable ? 'unavailable' : e.status === 403 ? 'forbidden' : 'error');
      });
    return () => {
      stopped = true;
      ctl.abort();
      source?.close();
    };
  }, [api, allowed, apply]);

  const setSound = useCallback((on: boolean) => {
    window.localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
    setSoundState(on);
    if (on) playCriticalTone(0.05);
  }, []);
  const upsert = useCallback((a: AlertWire) => apply(a, false), [apply]);

  const value = useMemo(() => ({ status, alerts, changed, sound, setSound, upsert }), [status, alerts, changed, sound, setSound, upsert]);
  return <FeedContext.Provider value={value}>{children}</FeedContext.Provider>;
}
