import { useEffect, useState } from 'react';
import { liveClient } from '../api';
import type { ScreenProps } from '../App';
import { useQuery } from '../hooks';
import { Empty, ErrorBox, Loading, ProfileName, When } from '../ui';

const SEGMENTS = `query { segments { key name description size version computedAt } }`;
const SEGMENT = `query($key: String!) { segment(key: $key) {
  key name description rule size version computedAt updatedAt
  members(first: 25) { edges { enteredAt node { id firstName lastName email } } pageInfo { hasNextPage } }
  recentChanges(first: 20) { eventId cursor type profileId occurredAt }
} }`;
const LIVE = `subscription($key: String!) { segmentMembershipChanged(segmentKey: $key) { eventId cursor type profileId occurredAt } }`;

interface Change {
  eventId: string;
  cursor: string;
  type: 'ENTERED' | 'EXITED';
  profileId: string;
  occurredAt: string;
}

interface SegmentDetail {
  key: string;
  name: string;
  description: string | null;
  rule: unknown;
  size: number;
  version: number;
  computedAt: string | null;
  updatedAt: string;
  members: {
    edges: {
      enteredAt: string;
      node: { id: string; firstName: string | null; lastName: string | null; email: string | null };
    }[];
    pageInfo: { hasNextPage: boolean };
  };
  recentChanges: Change[];
}

export function Segments({ onAuthError }: ScreenProps) {
  const query = useQuery<{
    segments: {
      key: string;
      name: string;
      description: string | null;
      size: number;
      version: number;
      computedAt: string | null;
    }[];
  }>(SEGMENTS, {}, onAuthError);
  if (query.loading && !query.data) return <Loading what="segments" />;
  if (query.error) return <ErrorBox error={query.error} retry={query.reload} />;
  const segments = query.data?.segments ?? [];
  if (segments.length === 0) {
    return (
      <Empty>
        <h2>No segments yet</h2>
        <p>
          Define one with the <code>defineSegment</code> mutation (scope <code>segments:write</code>); it appears here
          with its members, live.
        </p>
      </Empty>
    );
  }
  return (
    <div>
      <h2>Segments</h2>
      <table>
        <thead>
          <tr>
            <th>Segment</th>
            <th>Members</th>
            <th>Version</th>
            <th>Computed</th>
          </tr>
        </thead>
        <tbody>
          {segments.map((s) => (
            <tr key={s.key}>
              <td>
                <a href={`#/segments/${encodeURIComponent(s.key)}`}>{s.name}</a> <code className="muted">{s.key}</code>
                {s.description && <div className="muted">{s.description}</div>}
              </td>
              <td className="num">{s.size}</td>
              <td className="num">{s.version}</td>
              <td>
                <When at={s.computedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One segment: its rule, size and members, and entries and exits as they happen (a live subscription). */
export function SegmentPage({ segmentKey, onAuthError }: ScreenProps & { segmentKey: string }) {
  const query = useQuery<{ segment: SegmentDetail | null }>(SEGMENT, { key: segmentKey }, onAuthError);
  const [live, setLive] = useState<Change[]>([]);
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    setLive([]);
    const stop = liveClient().subscribe<{ segmentMembershipChanged: Change }>(
      { query: LIVE, variables: { key: segmentKey } },
      {
        next: (message) => {
          const change = message.data?.segmentMembershipChanged;
          if (change)
            setLive((changes) => [change, ...changes.filter((c) => c.eventId !== change.eventId)].slice(0, 200));
        },
        error: () => setConnected(false),
        complete: () => setConnected(false),
      },
    );
    setConnected(true);
    return () => stop();
  }, [segmentKey]);

  if (query.loading && !query.data) return <Loading what="the segment" />;
  if (query.error) return <ErrorBox error={query.error} retry={query.reload} />;
  const segment = query.data?.segment;
  if (!segment) return <Empty>No segment with the key {segmentKey}.</Empty>;
  const seen = new Set(segment.recentChanges.map((c) => c.eventId));
  const fresh = live.filter((c) => !seen.has(c.eventId));
  const size = segment.size + fresh.reduce((n, c) => n + (c.type === 'ENTERED' ? 1 : -1), 0);
  const changes = [...fresh, ...segment.recentChanges];
  return (
    <div className="segment">
      <h2>
        {segment.name} <code className="muted">{segment.key}</code>
      </h2>
      {segment.description && <p>{segment.description}</p>}
      <p>
        <strong data-testid="segment-size">{size}</strong> members · version {segment.version} · computed{' '}
        <When at={segment.computedAt} />{' '}
        <span className={connected ? 'live on' : 'live'}>{connected ? '● live' : '○ not live'}</span>
      </p>
      <details>
        <summary>Rule</summary>
        <pre>{JSON.stringify(segment.rule, null, 2)}</pre>
      </details>
      <div className="columns">
        <section aria-label="Recent entries and exits">
          <h3>Entries and exits</h3>
          {changes.length === 0 ? (
            <p className="muted">None yet.</p>
          ) : (
            <ol className="timeline">
              {changes.map((c) => (
                <li key={c.eventId} className={c.type === 'ENTERED' ? 'for' : 'against'}>
                  <When at={c.occurredAt} /> {c.type === 'ENTERED' ? 'entered' : 'exited'}:{' '}
                  <a href={`#/profiles/${c.profileId}`}>profile</a>
                </li>
              ))}
            </ol>
          )}
        </section>
        <section aria-label="Members">
          <h3>Members</h3>
          <ul>
            {segment.members.edges.map(({ node, enteredAt }) => (
              <li key={node.id}>
                <a href={`#/profiles/${node.id}`}>
                  <ProfileName profile={node} />
                </a>{' '}
                <span className="muted">
                  since <When at={enteredAt} />
                </span>
              </li>
            ))}
          </ul>
          {segment.members.pageInfo.hasNextPage && <p className="muted">… and more.</p>}
        </section>
      </div>
    </div>
  );
}
