/** The keyboard help (`?`): every shortcut of the shell and of the screen on show. */
import { useEffect, useRef } from 'react';
import type { Shortcut } from '../hooks/use-shortcuts.js';

export interface HelpGroup {
  readonly title: string;
  readonly shortcuts: readonly Pick<Shortcut, 'key' | 'label'>[];
}

export function HelpOverlay({ groups, onClose }: { groups: readonly HelpGroup[]; onClose: () => void }) {
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    closeRef.current?.focus({ preventScroll: true });
    return () => previous?.focus();
  }, []);
  return (
    <div className="overlay" onClick={onClose}>
      <div className="dialog help" role="dialog" aria-modal="true" aria-labelledby="help-title" onClick={(e) => e.stopPropagation()}>
        <h2 id="help-title">Keyboard shortcuts</h2>
        <div className="help-groups">
          {groups.map((g) => (
            <section key={g.title}>
              <h3>{g.title}</h3>
              <table>
                <tbody>
                  {g.shortcuts.map((s) => (
                    <tr key={s.key}>
                      <td style={{ width: '4.5rem' }}>
                        <kbd>{s.key === ' ' ? 'Space' : s.key}</kbd>
                      </td>
                      <td>{s.label}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ))}
        </div>
        <p className="row" style={{ marginTop: '1rem' }}>
          <button ref={closeRef} type="button" onClick={onClose}>
            Close <kbd>Esc</kbd>
          </button>
        </p>
      </div>
    </div>
  );
}
