import { useEffect, useMemo, useState } from 'react';
import { ApiError, gql, type Refused } from '../api';
import type { ScreenProps } from '../App';
import { useQuery } from '../hooks';
import { Empty, ErrorBox, Loading, ProfileName, Value, When } from '../ui';

const PERSON = `id firstName lastName email phone birthDate company jobTitle
  address { line1 city postalCode country } sourceRecords { source externalId }`;

const CANDIDATES = `query { mergeCandidates(first: 100) { totalCount edges { node {
  id band reason score evidence createdAt profileA { ${PERSON} } profileB { ${PERSON} } } } } }`;

const APPROVE = `mutation($id: ID!) { approveMergeCandidate(id: $id) {
  __typename ... on ProfilesMerged { survivor { id firstName lastName email } } ... on ActionRefused { code message } } }`;
const REJECT = `mutation($id: ID!, $note: String) { rejectMergeCandidate(id: $id, note: $note) {
  __typename ... on ActionRefused { code message } } }`;

interface Person {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  birthDate: string | null;
  company: string | null;
  jobTitle: string | null;
  address: { line1: string | null; city: string | null; postalCode: string | null; country: string | null } | null;
  sourceRecords: { source: string; externalId: string }[];
}

interface Candidate {
  id: string;
  band: string;
  reason: string;
  score: number;
  evidence: unknown;
  createdAt: string;
  profileA: Person | null;
  profileB: Person | null;
}

interface Comparison {
  field: string;
  level: string;
  weight: number;
  detail?: string;
}

/** The comparisons of a candidate's evidence (one evidence object, or a list of them). */
function comparisonsOf(evidence: unknown): {
  comparisons: Comparison[];
  thresholds?: { autoMerge: number; review: number };
} {
  const first = (Array.isArray(evidence) ? evidence[0] : evidence) as
    { comparisons?: Comparison[]; thresholds?: { autoMerge: number; review: number } } | undefined;
  return { comparisons: first?.comparisons ?? [], thresholds: first?.thresholds };
}

const ROWS: [string, (p: Person) => unknown][] = [
  ['First name', (p) => p.firstName],
  ['Last name', (p) => p.lastName],
  ['Email', (p) => p.email],
  ['Phone', (p) => p.phone],
  ['Birth date', (p) => p.birthDate],
  ['Company', (p) => p.company],
  ['Job title', (p) => p.jobTitle],
  ['Address', (p) => p.address],
  ['Records', (p) => p.sourceRecords.map((r) => `${r.source}:${r.externalId}`).join(', ')],
];

/** The stewards' queue: two profiles side by side with each comparison's weight; approve, reject or skip. */
export function Queue({ notify, onAuthError }: ScreenProps) {
  const query = useQuery<{ mergeCandidates: { totalCount: number; edges: { node: Candidate }[] } }>(
    CANDIDATES,
    {},
    onAuthError,
  );
  const [done, setDone] = useState<Set<string>>(new Set());
  const [index, setIndex] = useState(0);
  const [busy, setBusy] = useState(false);
  const queue = useMemo(
    () => (query.data?.mergeCandidates.edges ?? []).map((e) => e.node).filter((c) => !done.has(c.id)),
    [query.data, done],
  );
  const selected = queue[Math.min(index, queue.length - 1)];

  const decide = async (action: 'approve' | 'reject' | 'skip') => {
    if (!selected || busy) return;
    if (action === 'skip') {
      setIndex((i) => (i + 1) % Math.max(queue.length, 1));
      return;
    }
    setBusy(true);
    try {
      const data = await gql<{
        approveMergeCandidate?: { __typename: string } & Partial<Refused>;
        rejectMergeCandidate?: { __typename: string } & Partial<Refused>;
      }>(
        action === 'approve' ? APPROVE : REJECT,
        action === 'approve' ? { id: selected.id } : { id: selected.id, note: 'kept separate in the console' },
      );
      const result = data.approveMergeCandidate ?? data.rejectMergeCandidate!;
      if (result.__typename === 'ActionRefused') {
        notify(`Refused: ${result.code} — ${result.message}`, 'error');
      } else {
        notify(
          action === 'approve' ? 'Merged: the two profiles are now one.' : 'Kept separate: they will not be merged.',
        );
        setDone((d) => new Set(d).add(selected.id));
      }
    } catch (error) {
      if (error instanceof ApiError && error.needsSignIn) onAuthError(error);
      else notify(error instanceof Error ? error.message : String(error), 'error');
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.target as HTMLElement).closest('input, textarea, select')) return;
      if (event.key === 'j' || event.key === 'ArrowDown') setIndex((i) => Math.min(i + 1, queue.length - 1));
      else if (event.key === 'k' || event.key === 'ArrowUp') setIndex((i) => Math.max(i - 1, 0));
      else if (event.key === 'a') void decide('approve');
      else if (event.key === 'r') void decide('reject');
      else if (event.key === 's') void decide('skip');
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  if (query.loading && !query.data) return <Loading what="the merge queue" />;
  if (query.error) return <ErrorBox error={query.error} retry={query.reload} />;
  if (!selected) {
    return (
      <Empty>
        <h2>No merge candidates waiting</h2>
        <p>Possible duplicates the matcher was not sure about appear here, with the evidence.</p>
        <button type="button" onClick={query.reload}>
          Check again
        </button>
      </Empty>
    );
  }
  const { comparisons, thresholds } = comparisonsOf(selected.evidence);
  const a = selected.profileA;
  const b = selected.profileB;
  return (
    <div className="queue">
      <aside aria-label="Merge candidates">
        <h2>
          Merge queue <span className="count">{queue.length}</span>
        </h2>
        <ol>
          {queue.map((c, i) => (
            <li key={c.id}>
              <button
                type="button"
                className={c.id === selected.id ? 'selected' : undefined}
                onClick={() => setIndex(i)}
                data-candidate={c.id}
              >
                {c.profileA ? <ProfileName profile={c.profileA} /> : '?'} ↔{' '}
                {c.profileB ? <ProfileName profile={c.profileB} /> : '?'}
                <small>
                  score {c.score.toFixed(1)} · {c.reason}
                </small>
              </button>
            </li>
          ))}
        </ol>
        <p className="keys muted">
          <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>a</kbd> approve · <kbd>r</kbd> keep separate · <kbd>s</kbd> skip
        </p>
      </aside>
      <section className="candidate" aria-label="Candidate">
        <h2>Same person?</h2>
        <p className="muted">
          {selected.band === 'guardrail' ? 'Held by a guardrail' : 'In the review band'}: {selected.reason} · raised{' '}
          <When at={selected.createdAt} />
        </p>
        <table className="side-by-side">
          <thead>
            <tr>
              <th />
              <th>{a ? <a href={`#/profiles/${a.id}`}>Profile A</a> : 'Profile A (gone)'}</th>
              <th>{b ? <a href={`#/profiles/${b.id}`}>Profile B</a> : 'Profile B (gone)'}</th>
            </tr>
          </thead>
          <tbody>
            {ROWS.map(([label, read]) => {
              const va = a ? read(a) : null;
              const vb = b ? read(b) : null;
              const same = JSON.stringify(va) === JSON.stringify(vb);
              return (
                <tr key={label} className={va && vb ? (same ? 'same' : 'differs') : undefined}>
                  <th scope="row">{label}</th>
                  <td>
                    <Value value={va} />
                  </td>
                  <td>
                    <Value value={vb} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <h3>Evidence</h3>
        {comparisons.length === 0 ? (
          <p className="muted">No field comparisons were recorded (a deterministic match held by a guardrail).</p>
        ) : (
          <table className="evidence">
            <thead>
              <tr>
                <th>Field</th>
                <th>Agreement</th>
                <th>Weight</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {comparisons.map((c, i) => (
                <tr key={i} className={c.weight > 0 ? 'for' : c.weight < 0 ? 'against' : undefined}>
                  <td>{c.field}</td>
                  <td>{c.level}</td>
                  <td className="num">{(c.weight > 0 ? '+' : '') + c.weight.toFixed(2)}</td>
                  <td className="muted">{c.detail ?? ''}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th colSpan={2}>Total</th>
                <td className="num" data-testid="score">
                  {selected.score.toFixed(2)}
                </td>
                <td className="muted">
                  {thresholds && `review from ${thresholds.review}, automatic merge from ${thresholds.autoMerge}`}
                </td>
              </tr>
            </tfoot>
          </table>
        )}
        <div className="actions">
          <button type="button" className="primary" disabled={busy} onClick={() => void decide('approve')}>
            Approve — merge <kbd>a</kbd>
          </button>
          <button type="button" disabled={busy} onClick={() => void decide('reject')}>
            Reject — keep separate <kbd>r</kbd>
          </button>
          <button type="button" className="link" disabled={busy} onClick={() => void decide('skip')}>
            Skip for now <kbd>s</kbd>
          </button>
        </div>
      </section>
    </div>
  );
}
