/**
 * One alert in full (SPEC §2.1): what happened where, the rule's procedure for the operator, the
 * evidence, comments and history, and the lifecycle actions. The hub enforces the lifecycle (e.g.
 * a forced door cannot be resolved while still open, 409/422) and its reason is shown as given.
 */
import { useImperativeHandle, useRef, useState, type FormEvent, type Ref } from 'react';
import type { AlertWire } from '../../api.js';
import { useSession } from '../../session.js';
import { SeverityBadge, StateBadge } from '../../components/badges.js';
import { formatDateTime, formatTime, toMs } from '../../time.js';
import { navigate } from '../../router.js';
import { useAlertFeed } from './alert-feed.js';
import { apiErrorText, MessageNotice, type Message } from '../../components/message-notice.js';
import { TableHead } from '../../components/table-head.js';

export type ActionField = 'resolve' | 'snooze' | 'assign' | 'comment';

export interface DetailHandle {
  acknowledge(): void;
  focus(field: ActionField): void;
}

type Action = 'ack' | 'resolve' | 'snooze' | 'assign' | 'comments';

/** Actions answer the changed alert, bare or as `{alert}`. */
function alertOf(body: unknown): AlertWire | null {
  if (body && typeof body === 'object') {
    const o = body as { alert?: AlertWire; id?: unknown };
    if (o.alert && typeof o.alert.id === 'string') return o.alert;
    if (typeof o.id === 'string') return body as AlertWire;
  }
  return null;
}

const SNOOZE_CHOICES = [5, 15, 30, 60, 240] as const;

export function AlertDetail({ alert: a, mayAct, onChanged, ref }: { alert: AlertWire; mayAct: boolean; onChanged: (a: AlertWire) => void; ref?: Ref<DetailHandle> }) {
  const { api, me } = useSession();
  const feed = useAlertFeed();
  const [busy, setBusy] = useState<Action | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [reason, setReason] = useState('');
  const [comment, setComment] = useState('');
  const [assignee, setAssignee] = useState(me.name);
  const [snooze, setSnooze] = useState<number>(15);
  const fields = {
    resolve: useRef<HTMLInputElement>(null),
    snooze: useRef<HTMLSelectElement>(null),
    assign: useRef<HTMLInputElement>(null),
    comment: useRef<HTMLTextAreaElement>(null),
  };

  const act = async (action: Action, body: Record<string, unknown>, done: string): Promise<boolean> => {
    setBusy(action);
    setMessage(null);
    try {
      const changed = alertOf(await api.alertAction(a.id, action, body));
      if (changed) {
        feed.upsert(changed);
        onChanged(changed);
      }
      setMessage({ kind: 'ok', text: done });
      return true;
    } catch (err) {
      setMessage({ kind: 'error', text: apiErrorText(err) });
      return false;
    } finally {
      setBusy(null);
    }
  };

  const acknowledge = () => {
    if (a.state === 'open') void act('ack', {}, 'Acknowledged.');
  };
  useImperativeHandle(ref, () => ({ acknowledge, focus: (f: ActionField) => fields[f].current?.focus() }));

  const submit = (e: FormEvent, run: () => Promise<boolean>) => {
    e.preventDefault();
    void run();
  };
  const snoozedUntil = toMs(a.snoozed_until);
  const open = a.state !== 'resolved';

  return (
    <article className="panel" aria-labelledby="alert-detail-title" data-testid="alert-detail" data-state={a.state}>
      <div className="row">
        <SeverityBadge severity={a.severity} />
        <StateBadge state={a.state} />
        <span className="muted">priority {a.priority}</span>
      </div>
      <h2 id="alert-detail-title">{a.title}</h2>
      <dl className="facts">
        <dt>Where</dt>
        <dd>
          {a.site}
          {a.zone ? ` / ${a.zone}` : ''}
          {a.device && (
            <>
              {' · '}
              <button type="button" className="link" onClick={() => navigate(`/search?device=${encodeURIComponent(a.device ?? '')}`)}>
                {a.device}
              </button>
            </>
          )}
        </dd>
        <dt>Rule</dt>
        <dd className="mono">{a.rule}</dd>
        <dt>Seen</dt>
        <dd>
          {formatDateTime(a.first_seen)} → {formatTime(a.last_seen)} · {a.occurrences}×
        </dd>
        <dt>Assignee</dt>
        <dd>{a.assignee ?? '—'}</dd>
        {a.acknowledged_by && (
          <>
            <dt>Acknowledged</dt>
            <dd>
              {a.acknowledged_by}, {formatDateTime(a.acknowledged_at)}
            </dd>
          </>
        )}
        {a.resolved_by && (
          <>
            <dt>Resolved</dt>
            <dd>
              {a.resolved_by}, {formatDateTime(a.resolved_at)}
              {a.resolution ? ` — ${a.resolution}` : ''}
            </dd>
          </>
        )}
        {snoozedUntil !== null && snoozedUntil > Date.now() && (
          <>
            <dt>Snoozed until</dt>
            <dd>{formatDateTime(snoozedUntil)}</dd>
          </>
        )}
        <dt>Evidence</dt>
        <dd className="mono">{a.evidence.length === 0 ? '—' : a.evidence.slice(0, 8).map((e) => e.id ?? `#${e.seq}`).join(', ') + (a.evidence.length > 8 ? ` … (${a.evidence.length})` : '')}</dd>
      </dl>

      <h3>Procedure</h3>
      <div className="procedure">{a.procedure || 'No procedure given by the rule.'}</div>

      <MessageNotice message={message} />

      {mayAct && open && (
        <div className="actions">
          <div className="row">
            <button type="button" className="primary" disabled={a.state !== 'open' || busy !== null} onClick={acknowledge}>
              Acknowledge <kbd>a</kbd>
            </button>
          </div>
          <form className="row" onSubmit={(e) => submit(e, async () => (await act('resolve', { reason: reason.trim() }, 'Resolved.')) && (setReason(''), true))}>
            <label style={{ flex: 1 }}>
              <span>
                Resolution reason <kbd>r</kbd>
              </span>
              <input ref={fields.resolve} value={reason} onChange={(e) => setReason(e.target.value)} required minLength={2} placeholder="what was found and done" />
            </label>
            <button type="submit" disabled={busy !== null}>
              Resolve
            </button>
          </form>
          <form className="row" onSubmit={(e) => submit(e, () => act('snooze', { minutes: snooze }, `Snoozed for ${snooze} min.`))}>
            <label>
              <span>
                Snooze for <kbd>s</kbd>
              </span>
              <select ref={fields.snooze} value={snooze} onChange={(e) => setSnooze(Number(e.target.value))}>
                {SNOOZE_CHOICES.map((m) => (
                  <option key={m} value={m}>
                    {m} min
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" disabled={busy !== null}>
              Snooze
            </button>
          </form>
          <form className="row" onSubmit={(e) => submit(e, () => act('assign', { assignee: assignee.trim() }, `Assigned to ${assignee.trim()}.`))}>
            <label style={{ flex: 1 }}>
              <span>
                Assign to <kbd>n</kbd>
              </span>
              <input ref={fields.assign} value={assignee} onChange={(e) => setAssignee(e.target.value)} required />
            </label>
            <button type="submit" disabled={busy !== null}>
              Assign
            </button>
          </form>
        </div>
      )}

      <h3>Comments</h3>
      {a.comments.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <ul className="comments">
          {a.comments.map((c, i) => (
            <li key={i}>
              <strong>{c.by}</strong> <span className="muted">{formatTime(c.at)}</span>
              <div>{c.text}</div>
            </li>
          ))}
        </ul>
      )}
      {mayAct && (
        <form onSubmit={(e) => submit(e, async () => (await act('comments', { text: comment.trim() }, 'Comment added.')) && (setComment(''), true))}>
          <label>
            <span>
              Add a comment <kbd>c</kbd>
            </span>
            <textarea ref={fields.comment} value={comment} onChange={(e) => setComment(e.target.value)} required />
          </label>
          <button type="submit" disabled={busy !== null} style={{ marginTop: '0.5rem' }}>
            Comment
          </button>
        </form>
      )}

      {a.history && a.history.length > 0 && (
        <>
          <h3>History</h3>
          <table>
            <TableHead columns={['When', 'Who', 'What']} />
            <tbody>
              {a.history.map((h, i) => (
                <tr key={i}>
                  <td>{formatTime(h.at)}</td>
                  <td>{h.by}</td>
                  <td>
                    {h.action}
                    {h.detail ? ` — ${h.detail}` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </article>
  );
}
