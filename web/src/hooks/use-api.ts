/**
 * Loads one API answer for a screen and tells the screen which of four states it is in. A 404 for
 * a route the hub does not have becomes `unavailable` (the screen says so), never fake data.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api.js';

export type Loadable<T> =
  | { readonly state: 'loading'; readonly data: T | null }
  | { readonly state: 'ok'; readonly data: T }
  | { readonly state: 'unavailable'; readonly data: null; readonly error: ApiError }
  | { readonly state: 'error'; readonly data: T | null; readonly error: ApiError };

export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError(0, 'network', err instanceof Error ? err.message : 'the hub did not answer');
}

export interface UseApi<T> {
  readonly result: Loadable<T>;
  readonly reload: () => void;
  /** Replace the data locally (after an action answered with the new object). */
  readonly set: (fn: (prev: T | null) => T) => void;
}

/**
 * `load` runs when `key` changes and on `reload()`; `refreshMs` polls (the hub pushes alerts over
 * SSE, but device status and statistics are polled).
 */
export function useApi<T>(load: (signal: AbortSignal) => Promise<T>, key: string, refreshMs?: number): UseApi<T> {
  const [result, setResult] = useState<Loadable<T>>({ state: 'loading', data: null });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const ctl = new AbortController();
    loadRef
      .current(ctl.signal)
      .then((data) => {
        if (!ctl.signal.aborted) setResult({ state: 'ok', data });
      })
      .catch((err: unknown) => {
        if (ctl.signal.aborted) return;
        const e = asApiError(err);
        setResult((prev) => (e.unavailable ? { state: 'unavailable', data: null, error: e } : { state: 'error', data: prev.data, error: e }));
      });
    return () => ctl.abort();
  }, [key, tick]);

  useEffect(() => {
    if (!refreshMs) return;
    const t = window.setInterval(() => setTick((n) => n + 1), refreshMs);
    return () => window.clearInterval(t);
  }, [refreshMs]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  const set = useCallback((fn: (prev: T | null) => T) => setResult((prev) => ({ state: 'ok', data: fn(prev.data) })), []);
  return { result, reload, set };
}
