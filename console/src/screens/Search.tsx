import { useEffect, useState } from 'react';
import { ApiError, gql } from '../api';
import type { ScreenProps } from '../App';
import { navigate } from '../hooks';
import { Empty, ErrorBox, Loading, ProfileName, Value } from '../ui';

const SEARCH = `query($search: String!) { profiles(filter: { search: $search }, first: 50) {
  edges { node { id firstName lastName email phone company address { city country } } } pageInfo { hasNextPage } } }`;
const BY_RECORD = `query($source: String!, $externalId: String!) { sourceRecord(source: $source, externalId: $externalId) { profileId } }`;

interface Hit {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  company: string | null;
  address: { city: string | null; country: string | null } | null;
}

/** Search by email, phone, name, or a system's own id written `source:externalId` (e.g. `salesforce:003…`). */
export function Search({ query, onAuthError }: ScreenProps & { query: string }) {
  const [text, setText] = useState(query);
  const [state, setState] = useState<{ hits?: Hit[]; more?: boolean; error?: ApiError; loading?: boolean }>({});

  useEffect(() => {
    setText(query);
    if (query.trim().length < 2) {
      setState({});
      return;
    }
    let live = true;
    setState({ loading: true });
    const record = /^([a-z][a-z0-9_-]*):(.+)$/i.exec(query.trim());
    (async () => {
      if (record && !record[2].includes('@')) {
        const found = await gql<{ sourceRecord: { profileId: string } | null }>(BY_RECORD, {
          source: record[1].toLowerCase(),
          externalId: record[2],
        });
        if (found.sourceRecord) return navigate(`profiles/${found.sourceRecord.profileId}`);
      }
      const data = await gql<{ profiles: { edges: { node: Hit }[]; pageInfo: { hasNextPage: boolean } } }>(SEARCH, {
        search: query,
      });
      if (live) setState({ hits: data.profiles.edges.map((e) => e.node), more: data.profiles.pageInfo.hasNextPage });
    })().catch((error: unknown) => {
      const apiError = error instanceof ApiError ? error : new ApiError('ERROR', String(error));
      if (apiError.needsSignIn) onAuthError(apiError);
      if (live) setState({ error: apiError });
    });
    return () => {
      live = false;
    };
  }, [query, onAuthError]);

  return (
    <div className="search">
      <form
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(`search?q=${encodeURIComponent(text.trim())}`);
        }}
      >
        <input
          type="search"
          value={text}
          onChange={(event) => setText(event.target.value)}
          placeholder="email, phone, name, or salesforce:003…"
          aria-label="Search profiles"
          autoFocus
        />
        <button type="submit">Search</button>
      </form>
      {state.loading && <Loading what="profiles" />}
      {state.error && <ErrorBox error={state.error} />}
      {state.hits &&
        (state.hits.length === 0 ? (
          <Empty>
            <p>Nobody matches “{query}”. Try an email, a phone number, the start of a name, or source:id.</p>
          </Empty>
        ) : (
          <table className="results">
            <thead>
              <tr>
                <th>Name</th>
                <th>Email</th>
                <th>Phone</th>
                <th>Company</th>
                <th>City</th>
              </tr>
            </thead>
            <tbody>
              {state.hits.map((hit) => (
                <tr key={hit.id}>
                  <td>
                    <a href={`#/profiles/${hit.id}`}>
                      <ProfileName profile={hit} />
                    </a>
                  </td>
                  <td>
                    <Value value={hit.email} />
                  </td>
                  <td>
                    <Value value={hit.phone} />
                  </td>
                  <td>
                    <Value value={hit.company} />
                  </td>
                  <td>
                    <Value value={hit.address && [hit.address.city, hit.address.country].filter(Boolean).join(', ')} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {state.more && <p className="muted">More match: narrow the search.</p>}
    </div>
  );
}
