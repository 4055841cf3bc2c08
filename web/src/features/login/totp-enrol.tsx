/**
 * Second-factor enrolment (SPEC §5.4): admin and investigator accounts add a TOTP authenticator
 * before anything else — until then the hub limits the session to this. The secret is shown for
 * manual entry (and as an otpauth:// link for authenticator apps on the same device); the one-time
 * recovery codes are shown once, after the first code is confirmed.
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { Api, TotpEnrolment } from '../../api.js';
import { asApiError } from '../../hooks/use-api.js';

function grouped(secret: string): string {
  return secret.replace(/(.{4})/g, '$1 ').trim();
}

export function TotpEnrol({ api, name, onDone, onCancel }: { api: Api; name: string; onDone: () => void; onCancel: () => void }) {
  const [enrol, setEnrol] = useState<TotpEnrolment | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api
      .totpEnrol()
      .then(setEnrol)
      .catch((err: unknown) => setError(asApiError(err).detail));
  }, [api]);

  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      setCodes((await api.totpConfirm(code.trim())).recovery_codes);
    } catch (err) {
      setError(asApiError(err).detail);
    }
  };

  return (
    <main className="login">
      <div className="dialog" style={{ width: 'min(38rem, 94vw)' }} aria-labelledby="totp-title" role="region">
        <h1 id="totp-title">Add your second factor</h1>
        {codes ? (
          <>
            <p>Your authenticator is set up. Keep these recovery codes somewhere safe: each works once, instead of a code, and they are shown only now.</p>
            <ul className="mono" data-testid="recovery-codes" style={{ columns: 2, fontSize: '1.1rem' }}>
              {codes.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
            <button className="primary" type="button" onClick={onDone}>
              I have stored them — continue
            </button>
          </>
        ) : (
          <form onSubmit={(e) => void confirm(e)} style={{ display: 'flex', flexDirection: 'column', gap: '1rem' }}>
            <p>
              The account <strong>{name}</strong> needs a time-based one-time code (TOTP) at every sign-in. Add this key to your authenticator app, then type the code it shows.
            </p>
            {enrol ? (
              <>
                <div>
                  <span className="muted">Key (enter manually):</span>
                  <div className="mono" data-testid="totp-secret" data-secret={enrol.secret} style={{ fontSize: '1.3rem', letterSpacing: '0.05em', wordBreak: 'break-all' }}>
                    {grouped(enrol.secret)}
                  </div>
                </div>
                <p>
                  <a href={enrol.otpauth_uri}>Open in an authenticator app on this device</a>
                </p>
              </>
            ) : (
              !error && <p className="muted">Preparing a key…</p>
            )}
            <label>
              Code from the app
              <input inputMode="numeric" autoComplete="one-time-code" required minLength={6} maxLength={16} value={code} onChange={(e) => setCode(e.target.value)} />
            </label>
            {error && (
              <div className="notice error" role="alert">
                {error}
              </div>
            )}
            <div className="row">
              <button className="primary" type="submit" disabled={!enrol}>
                Confirm
              </button>
              <button type="button" onClick={onCancel}>
                Sign out
              </button>
            </div>
          </form>
        )}
      </div>
    </main>
  );
}
