/**
 * Rules (SPEC §3 `GET/PUT /rules`, `/rules/:id`): the built-in pack, rules from config files and
 * those set through the API. Admins edit a rule as JSON; the hub validates it and names the path
 * of any mistake.
 */
import { useState } from 'react';
import { useSession, can } from '../../session.js';
import { useApi } from '../../hooks/use-api.js';
import { LoadState } from '../../components/load-state.js';
import { apiErrorText, MessageNotice, type Message } from '../../components/message-notice.js';
import { TableHead } from '../../components/table-head.js';

/** A rule as listed: the definition's common fields, plus where it came from. */
interface RuleRow {
  readonly id: string;
  /** match, threshold, absence, sequence, watchlist. */
  readonly type?: string;
  readonly severity?: string;
  readonly title?: string;
  readonly enabled?: boolean;
  readonly source?: string;
  readonly [k: string]: unknown;
}

/** `GET /rules` lists each rule's definition flattened with where it came from (`source`). */
export function ruleRows(body: { rules?: unknown[] } | unknown[]): RuleRow[] {
  const list = Array.isArray(body) ? body : (body.rules ?? []);
  const out: RuleRow[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const o = item as { rule?: Record<string, unknown>; source?: unknown; id?: unknown };
    const rule: Record<string, unknown> = o.rule && typeof o.rule === 'object' ? { ...o.rule, ...(typeof o.source === 'string' ? { source: o.source } : {}) } : o;
    if (isRuleRow(rule)) out.push(rule);
  }
  return out;
}

function isRuleRow(r: Record<string, unknown>): r is RuleRow {
  return typeof r.id === 'string';
}

/** Fields the hub adds to a listed rule; not part of its definition. */
const VIEW_ONLY = new Set(['source', 'overrides', 'updated_at', 'updated_by']);

export function RulesTab() {
  const { api, me } = useSession();
  const rules = useApi((signal) => api.get<{ rules?: unknown[] }>('/rules', undefined, signal), 'rules');
  const [editing, setEditing] = useState<{ id: string; text: string } | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const mayWrite = can(me, 'rules.write');

  const save = async () => {
    if (!editing) return;
    setMessage(null);
    let body: unknown;
    try {
      body = JSON.parse(editing.text);
    } catch (err) {
      return setMessage({ kind: 'error', text: `not valid JSON: ${err instanceof Error ? err.message : String(err)}` });
    }
    try {
      await api.send('PUT', `/rules/${encodeURIComponent(editing.id)}`, body);
      setMessage({ kind: 'ok', text: `Rule ${editing.id} saved.` });
      setEditing(null);
      rules.reload();
    } catch (err) {
      setMessage({ kind: 'error', text: apiErrorText(err) });
    }
  };

  return (
    <>
      <MessageNotice message={message} />
      {editing && (
        <section className="panel" aria-labelledby="rule-edit">
          <h2 id="rule-edit" style={{ marginTop: 0 }}>
            Rule {editing.id}
          </h2>
          <label>
            Definition (JSON)
            <textarea className="mono" rows={16} value={editing.text} onChange={(e) => setEditing({ ...editing, text: e.target.value })} spellCheck={false} />
          </label>
          <div className="row" style={{ marginTop: '0.5rem' }}>
            <button className="primary" type="button" onClick={() => void save()}>
              Save
            </button>
            <button type="button" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </section>
      )}
      <LoadState result={rules.result} feature="Rules">
        {(body) => (
          <table>
            <TableHead columns={['Rule', 'Type', 'Severity', 'Source']} actions="hidden" />
            <tbody>
              {ruleRows(body).map((r) => (
                <tr key={r.id}>
                  <td>
                    <span className="mono">{r.id}</span>
                    {r.title && <div className="muted">{r.title}</div>}
                    {r.enabled === false && <span className="badge st-offline">disabled</span>}
                  </td>
                  <td>{r.type ?? '—'}</td>
                  <td>{r.severity ?? '—'}</td>
                  <td>{r.source ?? '—'}</td>
                  <td>
                    {mayWrite && (
                      <button type="button" onClick={() => setEditing({ id: r.id, text: JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => !VIEW_ONLY.has(k))), null, 2) })}>
                        Edit
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadState>
    </>
  );
}
