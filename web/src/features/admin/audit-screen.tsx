/**
 * The audit log for auditors (SPEC §3 `GET /audit`, `GET /audit/verify`; §5.7): entries newest
 * first with filters and paging, and a verification of the hash chain and signed checkpoints that
 * names the first broken link. Admins and auditors also see the retention status here.
 */
import { useState, type FormEvent } from 'react';
import type { AuditEntry } from '../../../../src/store/audit.js';
import type { AuditVerifyReport } from '../../../../src/audit/verify.js';
import { useSession, can } from '../../session.js';
import { asApiError, useApi } from '../../hooks/use-api.js';
import { LoadState } from '../../components/load-state.js';
import { formatDateTime } from '../../time.js';
import { PrivacyTab } from './privacy-tab.js';
import { TableHead } from '../../components/table-head.js';

interface Filters {
  actor: string;
  action: string;
  outcome: string;
}

/** An entry's context as `key: value · …` (it never holds secrets or raw identifiers, SPEC §4.1). */
export function detailText(d: Readonly<Record<string, unknown>> | null): string {
  if (!d) return '';
  return Object.entries(d)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}

export function AuditScreen() {
  const { api, me } = useSession();
  const mayRead = can(me, 'audit.read');
  const [filters, setFilters] = useState<Filters>({ actor: '', action: '', outcome: '' });
  const [applied, setApplied] = useState<Filters>(filters);
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const log = useApi(
    (signal) => (mayRead ? api.get<{ entries: AuditEntry[]; next_cursor: string | null }>('/audit', { ...applied, limit: 100, cursor }, signal) : Promise.resolve({ entries: [], next_cursor: null })),
    JSON.stringify([applied, cursor, mayRead]),
  );
  const [report, setReport] = useState<AuditVerifyReport | null>(null);
  const [verifyError, setVerifyError] = useState<string | null>(null);
  const [verifying, setVerifying] = useState(false);

  const verify = async () => {
    setVerifying(true);
    setVerifyError(null);
    try {
      setReport(await api.get<AuditVerifyReport>('/audit/verify'));
    } catch (err) {
      setVerifyError(asApiError(err).detail);
    } finally {
      setVerifying(false);
    }
  };
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setCursors([]);
    setApplied(filters);
  };

  return (
    <>
      <h1>Audit</h1>
      {mayRead && (
        <>
          <section className="panel" aria-labelledby="verify-title">
            <div className="row" style={{ justifyContent: 'space-between' }}>
              <h2 id="verify-title" style={{ margin: 0 }}>
                Integrity of the log
              </h2>
              <button className="primary" type="button" onClick={() => void verify()} disabled={verifying}>
                {verifying ? 'Verifying…' : 'Verify the hash chain'}
              </button>
            </div>
            {verifyError && (
              <div className="notice error" role="alert">
                {verifyError}
              </div>
            )}
            {report && (
              <div className={`notice ${report.ok ? '' : 'error'}`} role="status" data-testid="audit-verify">
                {report.ok ? (
                  <strong>Intact: {report.entries} entries, chain unbroken, signed through #{report.signed_through} ({report.checkpoints} checkpoints).</strong>
                ) : (
                  <strong>
                    Broken at entry #{report.problem?.seq}: {report.problem?.kind} — {report.problem?.message}
                  </strong>
                )}
                <div className="muted mono">key {report.key_id}</div>
              </div>
            )}
          </section>
          <form className="toolbar" role="search" aria-label="Audit filters" onSubmit={apply}>
            <label>
              Actor
              <input value={filters.actor} onChange={(e) => setFilters({ ...filters, actor: e.target.value })} placeholder="user:alice" />
            </label>
            <label>
              Action
              <input value={filters.action} onChange={(e) => setFilters({ ...filters, action: e.target.value })} placeholder="auth.*" />
            </label>
            <label>
              Outcome
              <select value={filters.outcome} onChange={(e) => setFilters({ ...filters, outcome: e.target.value })}>
                <option value="">any</option>
                <option>success</option>
                <option>failure</option>
                <option>denied</option>
              </select>
            </label>
            <button type="submit">Filter</button>
          </form>
          <LoadState result={log.result} feature="The audit log">
            {(d) => (
              <>
                <table>
                  <TableHead columns={['#', 'When', 'Who', 'What', 'Target', 'Outcome', 'Detail']} />
                  <tbody>
                    {d.entries.map((e) => (
                      <tr key={e.seq}>
                        <td className="mono">{e.seq}</td>
                        <td className="mono">{formatDateTime(e.at)}</td>
                        <td>{e.actor}</td>
                        <td className="mono">{e.action}</td>
                        <td>{e.target ?? '—'}</td>
                        <td>{e.outcome}</td>
                        <td style={{ maxWidth: '32rem', overflowWrap: 'anywhere' }}>{detailText(e.detail)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <div className="row" style={{ marginTop: '0.75rem' }}>
                  <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
                    Newer
                  </button>
                  <button type="button" disabled={!d.next_cursor} onClick={() => d.next_cursor && setCursors([...cursors, d.next_cursor])}>
                    Older
                  </button>
                </div>
              </>
            )}
          </LoadState>
        </>
      )}
      <h2>Retention and privacy</h2>
      <PrivacyTab />
    </>
  );
}
