/**
 * Watchlists of plates and credentials (SPEC §3 `/watchlists/:list/entries`, §4.6): every entry
 * carries a label, a reason, a legal basis and a mandatory expiry. The hub never returns the value
 * (it is stored sealed and matched by pseudonym), so the list shows labels only.
 */
import { useState, type FormEvent } from 'react';
import type { WatchEntryView } from '../../../../src/rules/watchlists.js';
import { useSession } from '../../session.js';
import { asApiError, useApi } from '../../hooks/use-api.js';
import { LoadState } from '../../components/load-state.js';
import { formatDateTime, fromLocalInput, toLocalInput } from '../../time.js';
import { apiErrorText, MessageNotice, type Message } from '../../components/message-notice.js';
import { TableHead } from '../../components/table-head.js';

const LISTS = [
  ['plates', 'Licence plates'],
  ['credentials', 'Access credentials'],
] as const;

export function WatchlistsTab() {
  const { api } = useSession();
  const [list, setList] = useState<(typeof LISTS)[number][0]>('plates');
  const entries = useApi((signal) => api.get<{ entries: WatchEntryView[] }>(`/watchlists/${list}/entries`, undefined, signal), list);
  const [label, setLabel] = useState('');
  const [reason, setReason] = useState('');
  const [basis, setBasis] = useState('');
  const [expires, setExpires] = useState(() => toLocalInput(Date.now() + 30 * 24 * 3600_000));
  const [message, setMessage] = useState<Message | null>(null);

  const add = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const valueInput = e.currentTarget.elements.namedItem('value');
    const value = valueInput instanceof HTMLInputElement ? valueInput.value.trim() : '';
    setMessage(null);
    try {
      await api.send('POST', `/watchlists/${list}/entries`, { value, label: label.trim(), reason: reason.trim(), legal_basis: basis.trim(), expires_at: fromLocalInput(expires) });
      // The value leaves the page once sent.
      if (valueInput instanceof HTMLInputElement) valueInput.value = '';
      setLabel('');
      setReason('');
      setMessage({ kind: 'ok', text: 'Entry added; matching starts now.' });
      entries.reload();
    } catch (err) {
      setMessage({ kind: 'error', text: apiErrorText(err) });
    }
  };
  const remove = async (id: string) => {
    if (!window.confirm('Remove this entry? Matching stops at once.')) return;
    try {
      await api.send('DELETE', `/watchlists/${list}/entries/${encodeURIComponent(id)}`);
      entries.reload();
    } catch (err) {
      setMessage({ kind: 'error', text: asApiError(err).detail });
    }
  };

  return (
    <>
      <div className="row" role="group" aria-label="Watchlist">
        {LISTS.map(([id, name]) => (
          <button key={id} type="button" aria-pressed={id === list} className={id === list ? 'primary' : ''} onClick={() => setList(id)}>
            {name}
          </button>
        ))}
      </div>
      <MessageNotice message={message} />
      <form className="panel" onSubmit={(e) => void add(e)} aria-label="New watchlist entry" style={{ marginTop: '1rem' }}>
        <div className="toolbar">
          <label>
            {list === 'plates' ? 'Plate' : 'Credential'}
            <input name="value" required autoComplete="off" spellCheck={false} />
          </label>
          <label>
            Label (shown on alerts)
            <input value={label} onChange={(e) => setLabel(e.target.value)} required />
          </label>
          <label>
            Legal basis
            <input value={basis} onChange={(e) => setBasis(e.target.value)} required placeholder="e.g. court order 2026/114" />
          </label>
          <label>
            Expires
            <input type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} required />
          </label>
        </div>
        <label>
          Reason
          <textarea value={reason} onChange={(e) => setReason(e.target.value)} required />
        </label>
        <p>
          <button className="primary" type="submit">
            Add entry
          </button>
        </p>
      </form>
      <LoadState result={entries.result} feature="Watchlists">
        {(d) =>
          d.entries.length === 0 ? (
            <p className="muted">No entries.</p>
          ) : (
            <table>
              <TableHead columns={['Label', 'Reason', 'Legal basis', 'Expires', 'Added']} actions="hidden" />
              <tbody>
                {d.entries.map((w) => (
                  <tr key={w.id}>
                    <td>{w.label}</td>
                    <td>{w.reason}</td>
                    <td>{w.legal_basis}</td>
                    <td>{formatDateTime(w.expires_at)}</td>
                    <td>
                      {w.created_by}, {formatDateTime(w.created_at)}
                    </td>
                    <td>
                      <button type="button" className="danger" onClick={() => void remove(w.id)}>
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </LoadState>
    </>
  );
}
