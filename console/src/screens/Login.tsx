import { useState } from 'react';
import { tokenInfo } from '../api';

/** Sign-in: the console talks to the public GraphQL API with the steward's own access token. */
export function Login({ reason, onSignIn }: { reason?: string; onSignIn: (token: string) => void }) {
  const [value, setValue] = useState('');
  const [unreadable, setUnreadable] = useState(false);
  return (
    <div className="login">
      <h1>profile-hub · stewards&apos; console</h1>
      {reason && (
        <div className="error" role="alert">
          Signed out — {reason}
        </div>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          // Only the shape is checked here; the hub verifies the token on the first request.
          if (!tokenInfo(value.trim())) return setUnreadable(true);
          setUnreadable(false);
          onSignIn(value);
        }}
      >
        <label htmlFor="token">Access token</label>
        <textarea
          id="token"
          rows={5}
          value={value}
          onChange={(event) => setValue(event.target.value)}
          placeholder="eyJhbGciOi…"
          autoFocus
        />
        {unreadable && (
          <div className="error" role="alert">
            That is not an access token: paste the whole JWT (three parts separated by dots).
          </div>
        )}
        <button type="submit" disabled={!value.trim()}>
          Sign in
        </button>
      </form>
      <p className="muted">
        Paste an access token from your identity provider (scopes <code>profiles:read</code>, <code>steward</code>, and{' '}
        <code>pii:read</code> to see personal data). On a hub in dev mode:
      </p>
      <pre>npx profile-hub token --scopes profiles:read,pii:read,steward,segments:write</pre>
      <p className="muted">The token stays in this browser tab only.</p>
    </div>
  );
}
