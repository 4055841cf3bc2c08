/** Machine credentials (SPEC §3 `/tokens`, §5.3): role, optional site scope and expiry; the secret is shown once. */
import { useState, type FormEvent } from 'react';
import type { TokenView } from '../../../../src/auth/auth-service.js';
import { useSession } from '../../session.js';
import { asApiError, useApi } from '../../hooks/use-api.js';
import { LoadState } from '../../components/load-state.js';
import { apiErrorText, MessageNotice, type Message } from '../../components/message-notice.js';
import { formatDateTime } from '../../time.js';
import { OnceSecret } from './once-secret.js';
import { RoleScopeFields, sitesLabel, sitesOf } from './role-scope-fields.js';
import { ROLE_NAMES } from './roles.js';
import { TableHead } from '../../components/table-head.js';

export function TokensTab() {
  const { api } = useSession();
  const tokens = useApi((signal) => api.get<{ tokens: TokenView[] }>('/tokens', undefined, signal), 'tokens');
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [name, setName] = useState('');
  const [role, setRole] = useState('ingest');
  const [sites, setSites] = useState('');
  const [days, setDays] = useState('');

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setMessage(null);
    try {
      const r = await api.send<{ secret: string; token: TokenView }>('POST', '/tokens', { name: name.trim(), role, sites: sitesOf(sites), ...(days ? { expires_in_days: Number(days) } : {}) });
      setSecret({ label: `Token ${r.token.name}`, value: r.secret });
      setName('');
      tokens.reload();
    } catch (err) {
      setMessage({ kind: 'error', text: apiErrorText(err) });
    }
  };
  const revoke = async (t: TokenView) => {
    if (!window.confirm(`Revoke token ${t.name}? Machines using it stop at once.`)) return;
    try {
      await api.send('DELETE', `/tokens/${encodeURIComponent(t.id)}`);
      tokens.reload();
    } catch (err) {
      setMessage({ kind: 'error', text: asApiError(err).detail });
    }
  };

  return (
    <>
      {secret && <OnceSecret label={secret.label} secret={secret.value} onDismiss={() => setSecret(null)} />}
      <MessageNotice message={message} />
      <form className="toolbar panel" onSubmit={(e) => void create(e)} aria-label="New token">
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <RoleScopeFields roles={ROLE_NAMES} role={role} onRole={setRole} sites={sites} onSites={setSites} />
        <label>
          Expires after (days; empty = never)
          <input type="number" min={1} max={3650} value={days} onChange={(e) => setDays(e.target.value)} />
        </label>
        <button className="primary" type="submit">
          Create token
        </button>
      </form>
      <LoadState result={tokens.result} feature="Tokens">
        {(d) => (
          <table>
            <TableHead columns={['Name', 'Role', 'Sites', 'Created', 'Last used', 'Expires', 'State']} actions="hidden" />
            <tbody>
              {d.tokens.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>{t.role}</td>
                  <td>{sitesLabel(t.sites)}</td>
                  <td>{formatDateTime(t.created_at)}</td>
                  <td>{formatDateTime(t.last_used_at)}</td>
                  <td>{t.expires_at === null ? 'never' : formatDateTime(t.expires_at)}</td>
                  <td>{t.revoked_at !== null ? `revoked ${formatDateTime(t.revoked_at)}` : 'active'}</td>
                  <td>
                    {t.revoked_at === null && (
                      <button type="button" className="danger" onClick={() => void revoke(t)}>
                        Revoke
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
