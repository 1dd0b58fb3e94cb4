import { useState } from 'react';
import { ApiError, gql, type Refused } from '../api';
import type { ScreenProps } from '../App';
import { navigate, useQuery } from '../hooks';
import { ErrorBox, Loading, ProfileName, Value, When } from '../ui';

const PROFILE = `query($id: ID!) { profile(id: $id) {
  id status mergedIntoId version firstName lastName email phone company leadScore lifecycleStage createdAt updatedAt
  lineage { name value source sourceRecordId rule updatedAt pinned }
  sourceRecords { id source externalId objectType deleted sourceUpdatedAt attributes }
  consents { purpose channel contactPoint status legalBasis source capturedAt expiresAt }
  consentHistory(first: 50) { id purpose channel contactPoint status source capturedAt recordedAt recordedBy }
  timeline(first: 25) { edges { node { id type source occurredAt properties } } }
  mergeHistory { id kind trigger actor reason score createdAt absorbedProfileId sourceRecordId targetProfileId }
  conflicts { id field }
  segments
} }`;

const PIN = `mutation($profileId: ID!, $field: String!, $sourceRecordId: ID) {
  pinAttribute(profileId: $profileId, field: $field, sourceRecordId: $sourceRecordId, reason: "pinned in the console") {
    __typename ... on ActionRefused { code message } } }`;
const UNPIN = `mutation($profileId: ID!, $field: String!) { unpinAttribute(profileId: $profileId, field: $field) {
  __typename ... on ActionRefused { code message } } }`;
const UNMERGE = `mutation($sourceRecordId: ID!) { unmergeSourceRecord(sourceRecordId: $sourceRecordId, reason: "split in the console") {
  __typename ... on SourceRecordUnmerged { to { id } } ... on ActionRefused { code message } } }`;

interface Profile {
  id: string;
  status: string;
  mergedIntoId: string | null;
  version: number;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  company: string | null;
  leadScore: number;
  lifecycleStage: string | null;
  createdAt: string;
  updatedAt: string;
  lineage: {
    name: string;
    value: unknown;
    source: string;
    sourceRecordId: string | null;
    rule: string;
    updatedAt: string | null;
    pinned: boolean;
  }[];
  sourceRecords: {
    id: string;
    source: string;
    externalId: string;
    objectType: string;
    deleted: boolean;
    sourceUpdatedAt: string | null;
    attributes: Record<string, unknown>;
  }[];
  consents: {
    purpose: string;
    channel: string;
    contactPoint: string | null;
    status: string;
    legalBasis: string | null;
    source: string;
    capturedAt: string;
    expiresAt: string | null;
  }[];
  consentHistory: {
    id: string;
    purpose: string;
    channel: string;
    contactPoint: string | null;
    status: string;
    source: string;
    capturedAt: string;
    recordedBy: string | null;
  }[];
  timeline: {
    edges: {
      node: { id: string; type: string; source: string; occurredAt: string; properties: Record<string, unknown> };
    }[];
  };
  mergeHistory: {
    id: string;
    kind: string;
    trigger: string;
    actor: string;
    reason: string | null;
    score: number | null;
    createdAt: string;
    absorbedProfileId: string | null;
    sourceRecordId: string | null;
    targetProfileId: string | null;
  }[];
  conflicts: { id: string; field: string }[];
  segments: string[];
}

/** One person: golden fields with lineage and pins, each system's record, consents, timeline, merges. */
export function ProfilePage({ id, notify, onAuthError }: ScreenProps & { id: string }) {
  const query = useQuery<{ profile: Profile | null }>(PROFILE, { id }, onAuthError);
  const [showHistory, setShowHistory] = useState(false);

  const act = async (mutation: string, variables: Record<string, unknown>, done: string) => {
    try {
      const data = await gql<Record<string, { __typename: string; to?: { id: string } } & Partial<Refused>>>(
        mutation,
        variables,
      );
      const result = Object.values(data)[0];
      if (result.__typename === 'ActionRefused') return notify(`Refused: ${result.code} — ${result.message}`, 'error');
      notify(done);
      query.reload();
      return result;
    } catch (error) {
      if (error instanceof ApiError && error.needsSignIn) onAuthError(error);
      else notify(error instanceof Error ? error.message : String(error), 'error');
    }
  };

  if (query.loading && !query.data) return <Loading what="the profile" />;
  if (query.error) return <ErrorBox error={query.error} retry={query.reload} />;
  const profile = query.data?.profile;
  if (!profile) return <ErrorBox error={new ApiError('NOT_FOUND', `No profile ${id}.`)} />;
  const conflicted = new Set(profile.conflicts.map((c) => c.field));
  return (
    <div className="profile">
      <h2>
        <ProfileName profile={profile} />{' '}
        <small className="muted">
          {profile.status.toLowerCase()} · version {profile.version} · lead score {profile.leadScore}
          {profile.lifecycleStage && ` · ${profile.lifecycleStage}`}
        </small>
      </h2>
      {profile.id !== id && <p className="banner">The profile you opened was merged into this one.</p>}
      {profile.segments.length > 0 && (
        <p>
          Segments:{' '}
          {profile.segments.map((key) => (
            <a key={key} className="tag" href={`#/segments/${encodeURIComponent(key)}`}>
              {key}
            </a>
          ))}
        </p>
      )}

      <section aria-label="Golden fields">
        <h3>Golden fields</h3>
        <table>
          <thead>
            <tr>
              <th>Field</th>
              <th>Value</th>
              <th>From</th>
              <th>Rule</th>
              <th>Set at</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {profile.lineage.map((field) => (
              <tr key={field.name} className={conflicted.has(field.name) ? 'differs' : undefined}>
                <th scope="row">
                  {field.name}
                  {field.pinned && <span className="tag">pinned</span>}
                  {conflicted.has(field.name) && (
                    <a className="tag warn" href="#/conflicts">
                      conflict
                    </a>
                  )}
                </th>
                <td>
                  <Value value={field.value} />
                </td>
                <td>{field.source}</td>
                <td>{field.rule}</td>
                <td>
                  <When at={field.updatedAt} />
                </td>
                <td>
                  {field.pinned ? (
                    <button
                      type="button"
                      className="link"
                      onClick={() =>
                        void act(UNPIN, { profileId: profile.id, field: field.name }, `Unpinned ${field.name}.`)
                      }
                    >
                      Unpin
                    </button>
                  ) : (
                    field.sourceRecordId && (
                      <button
                        type="button"
                        className="link"
                        title="Keep this value whatever the sources send"
                        onClick={() =>
                          void act(
                            PIN,
                            { profileId: profile.id, field: field.name, sourceRecordId: field.sourceRecordId },
                            `Pinned ${field.name}.`,
                          )
                        }
                      >
                        Pin
                      </button>
                    )
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-label="Source records">
        <h3>Source records</h3>
        <table>
          <thead>
            <tr>
              <th>System</th>
              <th>Id</th>
              <th>Type</th>
              <th>Name / email</th>
              <th>Updated in source</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {profile.sourceRecords.map((record) => (
              <tr key={record.id} className={record.deleted ? 'muted' : undefined}>
                <td>{record.source}</td>
                <td>{record.externalId}</td>
                <td>{record.objectType}</td>
                <td>
                  <Value
                    value={[record.attributes.firstName, record.attributes.lastName, record.attributes.email]
                      .filter(Boolean)
                      .join(' · ')}
                  />
                </td>
                <td>
                  <When at={record.sourceUpdatedAt} />
                </td>
                <td>
                  {profile.sourceRecords.length > 1 && (
                    <button
                      type="button"
                      className="link"
                      title="Split this record out into a profile of its own; automatic matching will not put it back"
                      onClick={async () => {
                        if (!confirm(`Split ${record.source}:${record.externalId} out of this profile?`)) return;
                        const result = await act(
                          UNMERGE,
                          { sourceRecordId: record.id },
                          'Split out into its own profile.',
                        );
                        if (result?.to) navigate(`profiles/${result.to.id}`);
                      }}
                    >
                      Unmerge
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-label="Consents">
        <h3>Consents</h3>
        {profile.consents.length === 0 ? (
          <p className="muted">No consent statements.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Purpose</th>
                <th>Channel</th>
                <th>Contact point</th>
                <th>Status</th>
                <th>Decided by</th>
                <th>Captured</th>
                <th>Expires</th>
              </tr>
            </thead>
            <tbody>
              {profile.consents.map((c, i) => (
                <tr key={i}>
                  <td>{c.purpose}</td>
                  <td>{c.channel}</td>
                  <td>
                    <Value value={c.contactPoint} />
                  </td>
                  <td>
                    <span className={`status ${c.status.toLowerCase()}`}>{c.status.toLowerCase()}</span>
                  </td>
                  <td>{c.source}</td>
                  <td>
                    <When at={c.capturedAt} />
                  </td>
                  <td>
                    <When at={c.expiresAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <button type="button" className="link" onClick={() => setShowHistory((s) => !s)}>
          {showHistory ? 'Hide' : 'Show'} the history ({profile.consentHistory.length}{' '}
          {profile.consentHistory.length === 1 ? 'statement' : 'statements'})
        </button>
        {showHistory && (
          <ol className="history">
            {profile.consentHistory.map((s) => (
              <li key={s.id}>
                <When at={s.capturedAt} /> — {s.source} said <strong>{s.status.toLowerCase()}</strong> for {s.purpose}{' '}
                by {s.channel}
                {s.contactPoint && (
                  <>
                    {' '}
                    (<Value value={s.contactPoint} />)
                  </>
                )}
                {s.recordedBy && <span className="muted"> · recorded by {s.recordedBy}</span>}
              </li>
            ))}
          </ol>
        )}
      </section>

      <section aria-label="Timeline">
        <h3>Timeline</h3>
        {profile.timeline.edges.length === 0 ? (
          <p className="muted">No engagement events.</p>
        ) : (
          <ol className="timeline">
            {profile.timeline.edges.map(({ node }) => (
              <li key={node.id}>
                <When at={node.occurredAt} /> <strong>{node.type}</strong>{' '}
                <span className="muted">from {node.source}</span>
              </li>
            ))}
          </ol>
        )}
      </section>

      <section aria-label="Merge history">
        <h3>Merge history</h3>
        {profile.mergeHistory.length === 0 ? (
          <p className="muted">Never merged or split.</p>
        ) : (
          <ol className="history">
            {profile.mergeHistory.map((m) => (
              <li key={m.id}>
                <When at={m.createdAt} /> — <strong>{m.kind}</strong> ({m.trigger}) by {m.actor}
                {m.score !== null && ` · score ${m.score.toFixed(2)}`}
                {m.reason && <span className="muted"> · {m.reason}</span>}
                {m.absorbedProfileId && m.absorbedProfileId !== profile.id && (
                  <>
                    {' '}
                    · absorbed <a href={`#/profiles/${m.absorbedProfileId}`}>a profile</a>
                  </>
                )}
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
