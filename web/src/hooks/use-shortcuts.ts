/**
 * Single-key shortcuts for the control room (issue 6 §9). Keys typed into a field, or pressed with
 * a modifier, are left alone so shortcuts never eat text or browser commands.
 *
 * The shell listens in the capture phase, before any screen: while it waits for the second key of
 * `g <key>`, or while the help is open, it stops the key there, so `g a` on the alert console goes
 * to the alerts screen and does not also acknowledge the selected alert.
 */
import { useEffect, useRef } from 'react';

export interface Shortcut {
  /** `KeyboardEvent.key`, e.g. 'j', '?', 'Escape'. */
  readonly key: string;
  readonly label: string;
  readonly run: () => void;
}

export interface ShortcutOptions {
  readonly enabled?: boolean;
  /** Listen before the screens (the shell) and stop keys it handles from reaching them. */
  readonly capture?: boolean;
  /** Also stop every other single key (a modal state such as `g …` or the help overlay). */
  readonly swallow?: boolean;
}

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
}

export function useShortcuts(shortcuts: readonly Shortcut[], opts: ShortcutOptions = {}): void {
  const ref = useRef(shortcuts);
  ref.current = shortcuts;
  const { enabled = true, capture = false, swallow = false } = opts;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key !== 'Escape' && typing(e.target)) return;
      const s = ref.current.find((x) => x.key === e.key);
      if (!s) {
        // Tab and Enter keep working (focus moves, buttons press) even in a modal state.
        if (swallow && e.key.length === 1) e.stopPropagation();
        return;
      }
      e.preventDefault();
      if (capture) e.stopPropagation();
      s.run();
    };
    window.addEventListener('keydown', onKey, { capture });
    return () => window.removeEventListener('keydown', onKey, { capture });
  }, [enabled, capture, swallow]);
}
