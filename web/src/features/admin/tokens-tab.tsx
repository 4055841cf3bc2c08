/** Machine credentials (SPEC §3 `/tokens`, §5.3): role, optional site scope and expiry; the secret is shown once. */
import { useState, type FormEvent } from 'react';
import type { TokenView } from '../../../../src/auth/auth-service.js';
import { useSession } from '../../session.js';
import { asApiError, useApi } from '../../hooks/use-api.js';
import { LoadState } from '../../components/load-state.js';
import { formatDateTime } from '../../time.js';
import { OnceSecret, sitesOf } from './once-secret.js';
import { ROLE_NAMES } from './roles.js';

export function TokensTab() {
  const { api } = useSession();
  const tokens = useApi((signal) => api.get<{ tokens: TokenView[] }>('/tokens', undefined, signal), 'tokens');
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [role, setRole] = useState('ingest');
  const [sites, setSites] = useState('');
  const [days, setDays] = useState('');

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await api.send<{ secret: string; token: TokenView }>('POST', '/tokens', { name: name.trim(), role, sites: sitesOf(sites), ...(days ? { expires_in_days: Number(days) } : {}) });
      setSecret({ label: `Token ${r.token.name}`, value: r.secret });
      setName('');
      tokens.reload();
    } catch (err) {
      const x = asApiError(err);
      setError(`${x.detail} (${x.code})`);
    }
  };
  const revoke = async (t: TokenView) => {
    if (!window.confirm(`Revoke token ${t.name}? Machines using it stop at once.`)) return;
    try {
      await api.send('DELETE', `/tokens/${encodeURIComponent(t.id)}`);
      tokens.reload();
    } catch (err) {
      setError(asApiError(err).detail);
    }
  };

  return (
    <>
      {secret && <OnceSecret label={secret.label} secret={secret.value} onDismiss={() => setSecret(null)} />}
      {error && (
        <div className="notice error" role="alert">
          {error}
        </div>
      )}
      <form className="toolbar panel" onSubmit={(e) => void create(e)} aria-label="New token">
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            {ROLE_NAMES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          Sites (comma-separated; empty = all)
          <input value={sites} onChange={(e) => setSites(e.target.value)} />
        </label>
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
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Sites</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {d.tokens.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>{t.role}</td>
                  <td>{t.sites.length === 0 ? 'all' : t.sites.join(', ')}</td>
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
