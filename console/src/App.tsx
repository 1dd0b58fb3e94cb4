import { useCallback, useEffect, useState } from 'react';
import { closeLiveClient, token, tokenInfo, type ApiError } from './api';
import { navigate, useRoute } from './hooks';
import { Conflicts } from './screens/Conflicts';
import { Login } from './screens/Login';
import { ProfilePage } from './screens/ProfilePage';
import { Queue } from './screens/Queue';
import { Search } from './screens/Search';
import { SegmentPage, Segments } from './screens/Segments';

export interface ScreenProps {
  /** Shows a short message at the top (what just happened). */
  notify: (text: string, kind?: 'ok' | 'error') => void;
  /** Called when the hub refuses the token (401): back to sign-in. */
  onAuthError: (error: ApiError) => void;
  canReadPii: boolean;
}

const NAV = [
  ['queue', 'Merge queue'],
  ['conflicts', 'Conflicts'],
  ['search', 'Search'],
  ['segments', 'Segments'],
] as const;

export function App() {
  const [current, setCurrent] = useState(token.get());
  const [signInReason, setSignInReason] = useState<string>();
  const [notice, setNotice] = useState<{ text: string; kind: 'ok' | 'error' }>();
  const { parts, params } = useRoute();
  const info = tokenInfo(current);

  const onAuthError = useCallback((error: ApiError) => {
    token.clear();
    closeLiveClient();
    setSignInReason(`${error.code}: ${error.message}`);
    setCurrent(null);
  }, []);
  const notify = useCallback((text: string, kind: 'ok' | 'error' = 'ok') => setNotice({ text, kind }), []);
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(undefined), 6000);
    return () => clearTimeout(timer);
  }, [notice]);

  if (!current || !info) {
    return (
      <Login
        reason={signInReason}
        onSignIn={(value) => {
          token.set(value);
          setSignInReason(undefined);
          setCurrent(token.get());
        }}
      />
    );
  }

  const props: ScreenProps = { notify, onAuthError, canReadPii: info.scopes.includes('pii:read') };
  const [screen = 'queue', arg] = parts;
  let body;
  if (screen === 'conflicts') body = <Conflicts {...props} />;
  else if (screen === 'search') body = <Search {...props} query={params.get('q') ?? ''} />;
  else if (screen === 'profiles' && arg) body = <ProfilePage {...props} id={arg} />;
  else if (screen === 'segments' && arg) body = <SegmentPage {...props} segmentKey={arg} />;
  else if (screen === 'segments') body = <Segments {...props} />;
  else body = <Queue {...props} />;

  return (
    <div className="app">
      <header>
        <strong className="brand">profile-hub</strong>
        <nav>
          {NAV.map(([key, label]) => (
            <a key={key} href={`#/${key}`} className={screen === key ? 'active' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span className="who" title={info.scopes.join(' ')}>
          {info.subject}
          <button
            type="button"
            className="link"
            onClick={() => {
              token.clear();
              closeLiveClient();
              setCurrent(null);
              navigate('queue');
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      {!props.canReadPii && (
        <div className="banner">
          Personal data is masked: your token has no <code>pii:read</code> scope.
        </div>
      )}
      {notice && (
        <div className={`notice ${notice.kind}`} role="status" aria-live="polite">
          {notice.text}
        </div>
      )}
      <main>{body}</main>
    </div>
  );
}
