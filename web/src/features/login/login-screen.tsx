/**
 * Login (SPEC §3 `POST /auth/login`, §5.4): name and password; the one-time code field appears when
 * the hub says the account needs its second factor (admin and investigator accounts, SPEC §5.4).
 * The session lives in an HttpOnly cookie the script never reads.
 */
import { useState, type FormEvent } from 'react';
import type { Api, LoginAnswer } from '../../api.js';
import { asApiError } from '../../hooks/use-api.js';

/** Error codes by which the hub asks for (or refuses) the second factor. */
export function needsTotp(code: string): boolean {
  return code.includes('totp') || code === 'second_factor_required' || code === 'mfa_required';
}

export function LoginScreen({ api, onLoggedIn }: { api: Api; onLoggedIn: (a: LoginAnswer) => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [askTotp, setAskTotp] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLoggedIn(await api.login(name.trim(), password, askTotp ? totp.trim() : undefined));
    } catch (err) {
      const a = asApiError(err);
      if (needsTotp(a.code)) {
        if (askTotp) setError(a.detail);
        setAskTotp(true);
      } else if (a.status === 429) setError(`Too many attempts: ${a.detail}`);
      else setError(a.status === 401 ? 'The name, password or code is wrong.' : a.detail);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">PARAPET</h1>
        <p className="muted">District operations hub — sign in to the control room.</p>
        <label>
          Name
          <input name="name" autoComplete="username" required value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {askTotp && (
          <label>
            One-time code (authenticator app) or recovery code
            <input name="totp" inputMode="numeric" autoComplete="one-time-code" required value={totp} onChange={(e) => setTotp(e.target.value)} autoFocus />
          </label>
        )}
        {error && (
          <div className="notice error" role="alert">
            {error}
          </div>
        )}
        {askTotp && !error && (
          <div className="notice" role="status">
            This account uses a second factor: enter the code your authenticator shows.
          </div>
        )}
        <button className="primary" type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
