import { useCallback, useEffect, useState } from 'react';
import { ApiError, gql } from './api';

/** The current hash route, e.g. `#/profiles/abc` → `['profiles', 'abc']`, with its query parameters. */
export function useRoute(): { parts: string[]; params: URLSearchParams } {
  const read = () => {
    const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
    return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query) };
  };
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function navigate(path: string): void {
  location.hash = `#/${path}`;
}

export interface QueryState<T> {
  data?: T;
  error?: ApiError;
  loading: boolean;
  reload: () => void;
}

/** Runs a query when its variables change; `reload()` runs it again. 401s go to the sign-in handler. */
export function useQuery<T>(
  query: string,
  variables: Record<string, unknown>,
  onAuthError: (e: ApiError) => void,
): QueryState<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  const key = JSON.stringify(variables);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    gql<T>(query, JSON.parse(key) as Record<string, unknown>).then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => {
        if (!live) return;
        const apiError = error instanceof ApiError ? error : new ApiError('ERROR', String(error));
        if (apiError.needsSignIn) onAuthError(apiError);
        setState({ error: apiError, loading: false });
      },
    );
    return () => {
      live = false;
    };
  }, [query, key, generation, onAuthError]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}
