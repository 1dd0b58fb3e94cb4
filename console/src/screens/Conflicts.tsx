import { useState } from 'react';
import { ApiError, gql, type Refused } from '../api';
import type { ScreenProps } from '../App';
import { useQuery } from '../hooks';
import { Empty, ErrorBox, Loading, ProfileName, Value, When } from '../ui';

const CONFLICTS = `query { conflicts(first: 100) { totalCount edges { node {
  id profileId field reason createdAt candidates { value source sourceRecordId updatedAt }
  profile { id firstName lastName email } } } } }`;

const RESOLVE = `mutation($id: ID!, $sourceRecordId: ID, $value: JSON, $note: String) {
  resolveConflict(id: $id, sourceRecordId: $sourceRecordId, value: $value, note: $note) {
    __typename ... on ConflictResolved { conflict { id status } } ... on ActionRefused { code message } } }`;

interface Conflict {
  id: string;
  profileId: string;
  field: string;
  reason: string;
  createdAt: string;
  candidates: { value: unknown; source: string; sourceRecordId: string; updatedAt: string | null }[];
  profile: { id: string; firstName: string | null; lastName: string | null; email: string | null } | null;
}

/** Open conflicts: each source's value with when it set it; pick one or type the right value. */
export function Conflicts({ notify, onAuthError }: ScreenProps) {
  const query = useQuery<{ conflicts: { totalCount: number; edges: { node: Conflict }[] } }>(
    CONFLICTS,
    {},
    onAuthError,
  );
  const [resolved, setResolved] = useState<Set<string>>(new Set());
  const open = (query.data?.conflicts.edges ?? []).map((e) => e.node).filter((c) => !resolved.has(c.id));

  const resolve = async (conflict: Conflict, choice: { sourceRecordId?: string; value?: unknown }) => {
    try {
      const data = await gql<{ resolveConflict: { __typename: string } & Partial<Refused> }>(RESOLVE, {
        id: conflict.id,
        ...choice,
        note: 'resolved in the console',
      });
      if (data.resolveConflict.__typename === 'ActionRefused') {
        notify(`Refused: ${data.resolveConflict.code} — ${data.resolveConflict.message}`, 'error');
        return;
      }
      notify(`Resolved: ${conflict.field} is pinned to the chosen value and sent to every system.`);
      setResolved((r) => new Set(r).add(conflict.id));
    } catch (error) {
      if (error instanceof ApiError && error.needsSignIn) onAuthError(error);
      else notify(error instanceof Error ? error.message : String(error), 'error');
    }
  };

  if (query.loading && !query.data) return <Loading what="open conflicts" />;
  if (query.error) return <ErrorBox error={query.error} retry={query.reload} />;
  if (open.length === 0) {
    return (
      <Empty>
        <h2>No open conflicts</h2>
        <p>When two systems change the same field at nearly the same time, the choice waits here for you.</p>
        <button type="button" onClick={query.reload}>
          Check again
        </button>
      </Empty>
    );
  }
  return (
    <div className="conflicts">
      <h2>
        Open conflicts <span className="count">{open.length}</span>
      </h2>
      {open.map((conflict) => (
        <ConflictCard key={conflict.id} conflict={conflict} onResolve={(choice) => void resolve(conflict, choice)} />
      ))}
    </div>
  );
}

function ConflictCard({
  conflict,
  onResolve,
}: {
  conflict: Conflict;
  onResolve: (choice: { sourceRecordId?: string; value?: unknown }) => void;
}) {
  const [typed, setTyped] = useState('');
  return (
    <article className="card" data-conflict={conflict.id} aria-label={`Conflict on ${conflict.field}`}>
      <header>
        <strong>{conflict.field}</strong> of{' '}
        <a href={`#/profiles/${conflict.profileId}`}>
          {conflict.profile ? <ProfileName profile={conflict.profile} /> : 'a profile'}
        </a>{' '}
        <span className="muted">
          {conflict.reason === 'concurrent_edit' ? 'edited in two systems at once' : 'the rules could not decide'} ·
          opened <When at={conflict.createdAt} />
        </span>
      </header>
      <table>
        <thead>
          <tr>
            <th>Value</th>
            <th>Source</th>
            <th>Set at</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {conflict.candidates.map((candidate) => (
            <tr key={candidate.sourceRecordId}>
              <td>
                <Value value={candidate.value} />
              </td>
              <td>{candidate.source}</td>
              <td>
                <When at={candidate.updatedAt} />
              </td>
              <td>
                <button type="button" onClick={() => onResolve({ sourceRecordId: candidate.sourceRecordId })}>
                  Use {candidate.source}&apos;s value
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="inline"
        onSubmit={(event) => {
          event.preventDefault();
          if (typed.trim()) onResolve({ value: typed.trim() });
        }}
      >
        <label>
          Or the right value:{' '}
          <input value={typed} onChange={(event) => setTyped(event.target.value)} aria-label="Value to use" />
        </label>
        <button type="submit" disabled={!typed.trim()}>
          Use this value
        </button>
      </form>
    </article>
  );
}
