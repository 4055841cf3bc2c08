/**
 * Which shortcuts the help overlay lists: the shell's own, plus those the screen on show declares
 * with `useScreenHelp` (one group at a time; a screen's group leaves with it).
 */
import { createContext, useContext, useEffect } from 'react';
import type { HelpGroup } from './components/help-overlay.js';
import type { Shortcut } from './hooks/use-shortcuts.js';

export const HelpContext = createContext<(g: HelpGroup | null) => void>(() => undefined);

export function useScreenHelp(title: string, shortcuts: readonly Shortcut[]): void {
  const set = useContext(HelpContext);
  const key = shortcuts.map((s) => `${s.key}\u0000${s.label}`).join('\u0001');
  useEffect(() => {
    set({ title, shortcuts: key.split('\u0001').map((kv) => {
      const [k = '', label = ''] = kv.split('\u0000');
      return { key: k, label };
    }) });
    return () => set(null);
  }, [set, title, key]);
}
