import { useId, useState } from 'react';
import { explain } from '../api/client';
import { type Identity, signIn } from '../session';

/** The token is typed or pasted, checked with the server, and kept for this tab only. */
export function SignIn(props: {
  onSignedIn: (token: string, identity: Identity, environments: string[]) => void;
  fetchImpl?: typeof fetch;
}) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hint = useId();
  return (
    <main className="signin">
      <h1>Sluice</h1>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            const { identity, environments } = await signIn(token.trim(), props.fetchImpl);
            props.onSignedIn(token.trim(), identity, environments);
          } catch (err) {
            setError(explain(err));
            setBusy(false);
          }
        }}
      >
        <label>
          API token
          <input
            type="password"
            name="token"
            autoComplete="off"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-describedby={hint}
            required
          />
        </label>
        <p id={hint} className="muted">
          A token from <code>sluice token create</code>, or the admin token in{' '}
          <code>.sluice/admin-token</code>. It stays in this tab's session storage and is sent only in the
          Authorization header.
        </p>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || token.trim() === ''}>
          Sign in
        </button>
      </form>
    </main>
  );
}
