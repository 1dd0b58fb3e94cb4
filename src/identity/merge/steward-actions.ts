import type { TxContext } from '../../common/context';
import { newRowId } from '../../common/row-id';
import { refreshConsentCurrent } from '../../consent/consent-current';
import { lockNames } from '../../db/advisory-locks';
import { appendChangeEvents, type NewChangeEvent } from '../../feed/change-events';
import { recordGoldenChanges, refreshGoldenProfiles } from '../survivorship/refresh-golden-profiles';
import { findChainEnds } from '../queries/merge-reads';
import { applyMerges } from './apply-merges';

/** Why a steward's action did not happen; shown to the steward as is. */
export type RefusalCode = 'NOT_FOUND' | 'NOT_ACTIVE' | 'SAME_PROFILE' | 'ALREADY_DECIDED' | 'NOTHING_TO_SPLIT';

export type StewardOutcome<T> = ({ ok: true } & T) | { ok: false; code: RefusalCode; message: string };

const refuse = (code: RefusalCode, message: string) => ({ ok: false as const, code, message });

/** Follows `merged_into_id` to the active survivor (ids held by apps keep resolving). */
export async function resolveSurvivor(
  tx: TxContext,
  profileId: string,
): Promise<{ id: string; status: string } | null> {
  const [end] = await findChainEnds(tx.manager, [profileId]);
  return end;
}

async function finish(tx: TxContext, events: NewChangeEvent[], refresh: string[], created: string[] = []) {
  const changes = (await refreshGoldenProfiles(tx, refresh)).map((c) =>
    created.includes(c.profileId) ? { ...c, created: true } : c,
  );
  await recordGoldenChanges(tx, changes, () => null, events);
}

/** A steward merges two profiles: guardrails do not apply, do-not-merge pairs between them are lifted. */
export async function mergeProfilesBySteward(
  tx: TxContext,
  input: { profileIds: [string, string]; reason?: string | null; mergeCandidateId?: string | null },
): Promise<StewardOutcome<{ survivorId: string; absorbedId: string }>> {
  const [a, b] = await Promise.all(input.profileIds.map((id) => resolveSurvivor(tx, id)));
  if (!a || !b) return refuse('NOT_FOUND', 'no such profile');
  if (a.status !== 'active' || b.status !== 'active') return refuse('NOT_ACTIVE', 'only active profiles can be merged');
  if (a.id === b.id) return refuse('SAME_PROFILE', 'these ids are already one profile');
  await lockNames(tx, [`profile:${a.id}`, `profile:${b.id}`]);
  const [{ survivor, absorbed }] = await tx.manager.query(
    `SELECT (array_agg(id ORDER BY created_at, id))[1] AS survivor, (array_agg(id ORDER BY created_at, id))[2] AS absorbed
       FROM golden_profile WHERE id = ANY($1::uuid[])`,
    [[a.id, b.id]],
  );
  await tx.manager.query(
    `DELETE FROM do_not_merge_pair d
      USING source_record x, source_record y
      WHERE x.id = d.source_record_a_id AND y.id = d.source_record_b_id
        AND ((x.profile_id = $1 AND y.profile_id = $2) OR (x.profile_id = $2 AND y.profile_id = $1))`,
    [survivor, absorbed],
  );
  const events = await applyMerges(tx, [
    {
      survivorId: survivor,
      absorbedIds: [absorbed],
      trigger: 'steward',
      actor: tx.actor,
      reason: input.reason ?? null,
      evidence: { rule: 'steward', reason: input.reason ?? null },
      mergeCandidateId: input.mergeCandidateId ?? null,
    },
  ]);
  await finish(tx, events, [survivor]);
  return { ok: true, survivorId: survivor, absorbedId: absorbed };
}

async function openCandidate(tx: TxContext, id: string) {
  const rows: { id: string; status: string; profile_a_id: string; profile_b_id: string }[] = await tx.manager.query(
    `SELECT id, status, profile_a_id, profile_b_id FROM merge_candidate WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return rows[0];
}

/** A steward approves a merge candidate: the two profiles merge, with the candidate's evidence on record. */
export async function approveMergeCandidate(
  tx: TxContext,
  input: { mergeCandidateId: string; note?: string | null },
): Promise<StewardOutcome<{ survivorId: string; absorbedId: string }>> {
  const candidate = await openCandidate(tx, input.mergeCandidateId);
  if (!candidate) return refuse('NOT_FOUND', 'no such merge candidate');
  if (candidate.status !== 'open') return refuse('ALREADY_DECIDED', `this candidate is already ${candidate.status}`);
  const merged = await mergeProfilesBySteward(tx, {
    profileIds: [candidate.profile_a_id, candidate.profile_b_id],
    reason: input.note ?? 'merge candidate approved',
    mergeCandidateId: candidate.id,
  });
  if (!merged.ok) return merged;
  await tx.manager.query(
    `UPDATE merge_candidate SET status = 'approved', decided_by = $2, decided_at = now(), decision_note = $3, updated_at = now()
      WHERE id = $1`,
    [candidate.id, tx.actor, input.note ?? null],
  );
  return merged;
}

/**
 * A steward says two profiles are different people: the candidate is closed and every pair of their records
 * becomes a do-not-merge pair, which automatic matching respects from then on.
 */
export async function rejectMergeCandidate(
  tx: TxContext,
  input: { mergeCandidateId: string; note?: string | null },
): Promise<StewardOutcome<{ mergeCandidateId: string; pairs: number }>> {
  const candidate = await openCandidate(tx, input.mergeCandidateId);
  if (!candidate) return refuse('NOT_FOUND', 'no such merge candidate');
  if (candidate.status !== 'open') return refuse('ALREADY_DECIDED', `this candidate is already ${candidate.status}`);
  const pairs = await keepApart(
    tx,
    candidate.profile_a_id,
    candidate.profile_b_id,
    input.note ?? 'merge candidate rejected',
    candidate.id,
  );
  await tx.manager.query(
    `UPDATE merge_candidate SET status = 'rejected', decided_by = $2, decided_at = now(), decision_note = $3, updated_at = now()
      WHERE id = $1`,
    [candidate.id, tx.actor, input.note ?? null],
  );
  await appendChangeEvents(tx, [
    {
      type: 'merge_candidate.rejected',
      profileId: candidate.profile_a_id,
      payload: { mergeCandidateId: candidate.id, profileIds: [candidate.profile_a_id, candidate.profile_b_id] },
    },
  ]);
  return { ok: true, mergeCandidateId: candidate.id, pairs };
}

async function keepApart(
  tx: TxContext,
  a: string,
  b: string,
  reason: string,
  candidateId: string | null,
): Promise<number> {
  const rows: unknown[] = await tx.manager.query(
    `INSERT INTO do_not_merge_pair (source_record_a_id, source_record_b_id, reason, created_by, merge_candidate_id)
     SELECT least(x.id, y.id), greatest(x.id, y.id), $3, $4, $5
       FROM source_record x, source_record y
      WHERE x.profile_id = $1 AND y.profile_id = $2
     ON CONFLICT DO NOTHING RETURNING 1`,
    [a, b, reason, tx.actor, candidateId],
  );
  return rows.length;
}

/**
 * Splits a source record out of its profile — into a new profile, or into a chosen one — and records a
 * do-not-merge pair with each record it leaves, so automatic matching never puts it back.
 */
export async function unmergeSourceRecord(
  tx: TxContext,
  input: { sourceRecordId: string; targetProfileId?: string | null; reason?: string | null },
): Promise<StewardOutcome<{ sourceRecordId: string; fromProfileId: string; toProfileId: string }>> {
  const [record]: { id: string; profile_id: string }[] = await tx.manager.query(
    `SELECT id, profile_id FROM source_record WHERE id = $1`,
    [input.sourceRecordId],
  );
  if (!record) return refuse('NOT_FOUND', 'no such source record');
  const from = record.profile_id;
  await lockNames(tx, [`profile:${from}`]);
  const [{ others }] = await tx.manager.query(
    `SELECT count(*)::int AS others FROM source_record WHERE profile_id = $1 AND id <> $2`,
    [from, record.id],
  );
  let to: string;
  const created: string[] = [];
  if (input.targetProfileId) {
    const target = await resolveSurvivor(tx, input.targetProfileId);
    if (!target) return refuse('NOT_FOUND', 'no such target profile');
    if (target.status !== 'active') return refuse('NOT_ACTIVE', 'the target profile is not active');
    if (target.id === from) return refuse('SAME_PROFILE', 'the record already belongs to that profile');
    to = target.id;
  } else {
    if (others === 0) return refuse('NOTHING_TO_SPLIT', 'the record is the only one of its profile');
    to = newRowId();
    await tx.manager.query(`INSERT INTO golden_profile (id, version) VALUES ($1, 0)`, [to]);
    created.push(to);
  }
  await tx.manager.query(`SELECT id FROM golden_profile WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [
    [from, to],
  ]);
  for (const table of ['source_record', 'identifier', 'blocking_key', 'consent_statement', 'engagement_event']) {
    const column = table === 'source_record' ? 'id' : 'source_record_id';
    await tx.manager.query(`UPDATE ${table} SET profile_id = $2 WHERE ${column} = $1`, [record.id, to]);
  }
  await tx.manager.query(
    `INSERT INTO do_not_merge_pair (source_record_a_id, source_record_b_id, reason, created_by)
     SELECT least($1::uuid, s.id), greatest($1::uuid, s.id), $3, $4
       FROM source_record s WHERE s.profile_id = $2
     ON CONFLICT DO NOTHING`,
    [record.id, from, input.reason ?? 'unmerged by a steward', tx.actor],
  );
  await tx.manager.query(
    `INSERT INTO merge_event (kind, survivor_profile_id, source_record_id, target_profile_id, trigger, actor, reason, evidence)
     VALUES ('unmerge', $1, $2, $3, 'steward', $4, $5, '{}')`,
    [from, record.id, to, tx.actor, input.reason ?? null],
  );
  await finish(
    tx,
    [
      {
        type: 'profile.unmerged',
        profileId: from,
        payload: { profileId: from, sourceRecordId: record.id, toProfileId: to },
      },
      // The record's consent statements went with it: both profiles' current consents are re-derived.
      ...(await refreshConsentCurrent(tx, [from, to])),
    ],
    [from, to],
    created,
  );
  return { ok: true, sourceRecordId: record.id, fromProfileId: from, toProfileId: to };
}
