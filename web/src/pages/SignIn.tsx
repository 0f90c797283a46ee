import { type FormEvent, useState } from 'react';
import { useAuth } from '../golive/auth.tsx';
import { describeError, errorCode } from '../golive/errors.ts';

/**
 * Dev mode: a name (and an admin checkbox) through golive's dev login. Elsewhere the host app signs
 * the user in: it posts its token into the embedded app (see web/README.md).
 */
export function SignIn() {
  const { devLogin } = useAuth();
  const [name, setName] = useState('');
  const [admin, setAdmin] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [noDevLogin, setNoDevLogin] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await devLogin(name, admin);
    } catch (e) {
      if (errorCode(e) === 'ROUTE_NOT_FOUND') setNoDevLogin(true);
      else setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin" data-lk-theme="default">
      <div className="signin-card">
        <h1 className="brand brand-large">
          <span className="brand-dot" aria-hidden="true" />
          golive
        </h1>
        <p className="muted">Go live, watch, and bring guests on stage.</p>
        {noDevLogin ? (
          <p role="alert" className="notice">
            This golive runs in production mode: sign in through your app, which hands golive your session.
          </p>
        ) : (
          <form onSubmit={submit} className="form">
            <label className="field">
              <span>Your name</span>
              <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={60} autoComplete="nickname" />
            </label>
            <label className="check">
              <input type="checkbox" checked={admin} onChange={(e) => setAdmin(e.target.checked)} />
              <span>Sign in as an admin</span>
            </label>
            {error && (
              <p role="alert" className="error">
                {error}
              </p>
            )}
            <button type="submit" className="btn btn-primary btn-block" disabled={busy || name.trim() === ''}>
              {busy ? 'Signing in…' : 'Sign in (dev mode)'}
            </button>
          </form>
        )}
      </div>
    </main>
  );
}
