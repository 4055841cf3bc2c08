/** People with access (SPEC §3 admin routes `/users`): create, disable, reset password or second factor, delete. */
import { useState, type FormEvent } from 'react';
import type { UserView } from '../../../../src/auth/auth-service.js';
import { useSession } from '../../session.js';
import { useApi } from '../../hooks/use-api.js';
import { LoadState } from '../../components/load-state.js';
import { apiErrorText, MessageNotice, type Message } from '../../components/message-notice.js';
import { formatDateTime } from '../../time.js';
import { OnceSecret } from './once-secret.js';
import { RoleScopeFields, sitesLabel, sitesOf } from './role-scope-fields.js';
import { ROLE_NAMES } from './roles.js';
import { TableHead } from '../../components/table-head.js';

export function UsersTab() {
  const { api, me } = useSession();
  const users = useApi((signal) => api.get<{ users: UserView[] }>('/users', undefined, signal), 'users');
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [name, setName] = useState('');
  const [role, setRole] = useState('operator');
  const [sites, setSites] = useState('');

  const run = async (fn: () => Promise<{ password?: string; user?: UserView } | undefined>, label?: string) => {
    setMessage(null);
    try {
      const r = await fn();
      if (r?.password && label) setSecret({ label, value: r.password });
      users.reload();
    } catch (err) {
      setMessage({ kind: 'error', text: apiErrorText(err) });
    }
  };
  const create = (e: FormEvent) => {
    e.preventDefault();
    void run(() => api.send('POST', '/users', { name: name.trim(), role, sites: sitesOf(sites) }), `Password for ${name.trim()}`).then(() => setName(''));
  };
  const patch = (u: UserView, body: Record<string, unknown>, label?: string) => run(() => api.send('PATCH', `/users/${encodeURIComponent(u.id)}`, body), label);

  return (
    <>
      {secret && <OnceSecret label={secret.label} secret={secret.value} onDismiss={() => setSecret(null)} />}
      <MessageNotice message={message} />
      <form className="toolbar panel" onSubmit={create} aria-label="New user">
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required pattern="[A-Za-z0-9][A-Za-z0-9._@\-]{0,63}" />
        </label>
        <RoleScopeFields roles={ROLE_NAMES.filter((r) => r !== 'ingest')} role={role} onRole={setRole} sites={sites} onSites={setSites} />
        <button className="primary" type="submit">
          Add user
        </button>
      </form>
      <LoadState result={users.result} feature="Users">
        {(d) => (
          <table>
            <TableHead columns={['Name', 'Role', 'Sites', 'Second factor', 'Created']} actions="shown" />
            <tbody>
              {d.users.map((u) => (
                <tr key={u.id}>
                  <td>
                    {u.name} {u.disabled && <span className="badge st-offline">disabled</span>}
                  </td>
                  <td>{u.role}</td>
                  <td>{sitesLabel(u.sites)}</td>
                  <td>{u.totp ? 'enrolled' : u.role === 'admin' || u.role === 'investigator' ? 'not yet (required)' : '—'}</td>
                  <td>{formatDateTime(u.created_at)}</td>
                  <td>
                    {u.name !== me.name && (
                      <div className="row">
                        <button type="button" onClick={() => void patch(u, { disabled: !u.disabled })}>
                          {u.disabled ? 'Enable' : 'Disable'}
                        </button>
                        <button type="button" onClick={() => void patch(u, { reset_password: true }, `New password for ${u.name}`)}>
                          Reset password
                        </button>
                        {u.totp && (
                          <button type="button" onClick={() => void patch(u, { reset_totp: true })}>
                            Reset 2FA
                          </button>
                        )}
                        <button type="button" className="danger" onClick={() => window.confirm(`Delete ${u.name}?`) && void run(() => api.send('DELETE', `/users/${encodeURIComponent(u.id)}`))}>
                          Delete
                        </button>
                      </div>
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
