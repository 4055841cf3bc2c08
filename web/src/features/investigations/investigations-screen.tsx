/**
 * Investigations (issue 6 §7, SPEC §4.5): an investigator files a request (case id, reason, period,
 * the plate, credential or MAC looked for); a second person — never the requester — approves or
 * rejects it; only then does the requester see where the identifier was seen, under a privacy
 * notice. Every step is in the audit log. The typed value goes to the hub once and is never kept
 * in the page's state after sending.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { InvestigationView, SightingsResult } from '../../../../src/privacy/investigations.js';
import { useSession, can } from '../../session.js';
import { useApi } from '../../hooks/use-api.js';
import { LoadState } from '../../components/load-state.js';
import { formatDateTime, fromLocalInput, toLocalInput } from '../../time.js';
import { EventTable } from '../search/event-table.js';
import { apiErrorText, MessageNotice, type Message } from '../../components/message-notice.js';
import { TableHead } from '../../components/table-head.js';

const CLASSES = [
  ['plate', 'Licence plate'],
  ['credential', 'Access credential'],
  ['mac', 'Wi-Fi MAC address'],
] as const;

export function InvestigationsScreen() {
  const { api, me } = useSession();
  const list = useApi((signal) => api.get<{ investigations: InvestigationView[] }>('/investigations', undefined, signal), 'list', 20_000);
  const [results, setResults] = useState<SightingsResult | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const mayRequest = can(me, 'investigations.request');

  const run = async (fn: () => Promise<unknown>, ok: string) => {
    setMessage(null);
    try {
      await fn();
      setMessage({ kind: 'ok', text: ok });
      list.reload();
    } catch (err) {
      setMessage({ kind: 'error', text: apiErrorText(err) });
    }
  };

  const showResults = async (id: string) => {
    setMessage(null);
    try {
      setResults(await api.get<SightingsResult>(`/investigations/${encodeURIComponent(id)}/results`));
    } catch (err) {
      setMessage({ kind: 'error', text: apiErrorText(err) });
    }
  };

  return (
    <>
      <h1>Investigations</h1>
      <p className="notice">
        Looking up where one plate, credential or device was seen is an investigation: it needs a case id and a reason, stays within retention, is approved by a second person and is written
        to the audit log and counted in the transparency report.
      </p>
      <MessageNotice message={message} />
      {mayRequest && <RequestForm onSubmit={(body) => run(() => api.send('POST', '/investigations/sightings', body), 'Request filed; it waits for a second person to approve it.')} />}

      <LoadState result={list.result} feature="Investigations">
        {({ investigations }) => (
          <section className="panel" aria-labelledby="inv-list">
            <h2 id="inv-list" style={{ marginTop: 0 }}>
              Requests
            </h2>
            {investigations.length === 0 ? (
              <p className="muted">No requests yours or awaiting your approval.</p>
            ) : (
              <table>
                <TableHead columns={['Case', 'What', 'Period', 'Requested', 'State']} actions="shown" />
                <tbody>
                  {investigations.map((i) => (
                    <tr key={i.id}>
                      <td>
                        <strong>{i.case_id}</strong>
                        <div className="muted">{i.reason}</div>
                      </td>
                      <td>{i.class}</td>
                      <td>
                        {formatDateTime(i.from)} → {formatDateTime(i.to)}
                      </td>
                      <td>
                        {i.requested_by}, {formatDateTime(i.requested_at)}
                      </td>
                      <td>
                        {i.state}
                        {i.decided_by && <div className="muted">by {i.decided_by}{i.decision_note ? `: ${i.decision_note}` : ''}</div>}
                      </td>
                      <td>
                        <div className="row">
                          {i.state === 'pending' && i.requested_by !== me.name && (
                            <>
                              <button type="button" className="primary" onClick={() => void run(() => api.send('POST', `/investigations/${encodeURIComponent(i.id)}/approve`, {}), `Approved case ${i.case_id}.`)}>
                                Approve
                              </button>
                              <button
                                type="button"
                                onClick={() => {
                                  const note = window.prompt('Why is this request rejected?');
                                  if (note) void run(() => api.send('POST', `/investigations/${encodeURIComponent(i.id)}/reject`, { note }), `Rejected case ${i.case_id}.`);
                                }}
                              >
                                Reject
                              </button>
                            </>
                          )}
                          {i.state === 'pending' && i.requested_by === me.name && <span className="muted">awaiting a second person</span>}
                          {i.state === 'approved' && i.requested_by === me.name && (
                            <button type="button" onClick={() => void showResults(i.id)}>
                              Results
                            </button>
                          )}
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        )}
      </LoadState>

      {results && <Results r={results} onClose={() => setResults(null)} />}
    </>
  );
}

function RequestForm({ onSubmit }: { onSubmit: (body: Record<string, string>) => Promise<void> }) {
  const [cls, setCls] = useState('plate');
  const [caseId, setCaseId] = useState('');
  const [reason, setReason] = useState('');
  // Two days back by default: inside the shortest identifier retention (plates, 72 h; SPEC §4.7).
  const [from, setFrom] = useState(() => toLocalInput(Date.now() - 2 * 24 * 3600_000));
  const [to, setTo] = useState(() => toLocalInput(Date.now()));
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const valueInput = form.elements.namedItem('value');
    const value = valueInput instanceof HTMLInputElement ? valueInput.value.trim() : '';
    void onSubmit({ class: cls, value, case_id: caseId.trim(), reason: reason.trim(), from: fromLocalInput(from) ?? '', to: fromLocalInput(to) ?? '' }).then(() => {
      // The identifier leaves the page once sent (it was only ever in the input).
      if (valueInput instanceof HTMLInputElement) valueInput.value = '';
    });
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="inv-new">
      <h2 id="inv-new" style={{ marginTop: 0 }}>
        New request
      </h2>
      <div className="toolbar">
        <label>
          Looking for
          <select value={cls} onChange={(e) => setCls(e.target.value)}>
            {CLASSES.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          Value
          <input name="value" required autoComplete="off" spellCheck={false} />
        </label>
        <label>
          Case id
          <input value={caseId} onChange={(e) => setCaseId(e.target.value)} required maxLength={64} />
        </label>
        <label>
          From
          <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} required />
        </label>
        <label>
          To
          <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} required />
        </label>
      </div>
      <label>
        Reason (at least 10 characters; goes to the audit log)
        <textarea value={reason} onChange={(e) => setReason(e.target.value)} required minLength={10} maxLength={2000} />
      </label>
      <p>
        <button className="primary" type="submit">
          File request
        </button>
      </p>
    </form>
  );
}

function Results({ r, onClose }: { r: SightingsResult; onClose: () => void }) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'start' });
  }, [r]);
  return (
    <section className="panel" aria-labelledby="inv-results" ref={ref} data-testid="investigation-results">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 id="inv-results" style={{ marginTop: 0 }}>
          Results for case {r.investigation.case_id}
        </h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <div className="notice warn" role="note">
        <strong>Privacy notice.</strong> These sightings were released for case {r.investigation.case_id} only, approved by {r.investigation.decided_by ?? 'a second person'}. Use them for that case
        alone; do not copy, export or share them outside it. This viewing is recorded in the audit log
        {r.investigation.results_until ? ` and the results are available until ${formatDateTime(r.investigation.results_until)}` : ''}.
      </div>
      {r.truncated && <p className="notice warn">More sightings matched than are shown; narrow the period.</p>}
      {r.events.length === 0 ? (
        <p className="muted">Not seen in this period.</p>
      ) : (
        <EventTable events={r.events} />
      )}
    </section>
  );
}
