import type { TxContext } from '../../common/context';
import { reconcileConsentsOnMerge, refreshConsentCurrent } from '../../consent/consent-current';
import { jsonbRows } from '../../db/jsonb-rows';
import type { NewChangeEvent } from '../../feed/change-events';

/** One merge to carry out: every absorbed profile goes into the survivor. */
export interface MergeOrder {
  survivorId: string;
  absorbedIds: string[];
  trigger: 'auto' | 'transitive' | 'link' | 'steward';
  actor: string;
  reason?: string | null;
  score?: number | null;
  evidence: unknown;
  mergeCandidateId?: string | null;
}

/**
 * Merges profiles in a fixed number of statements whatever their number: everything the absorbed profiles
 * own — source records, identifiers, blocking keys, consent statements, timeline, conflicts, pins — moves to
 * the survivor; each absorbed profile becomes a `merged` tombstone pointing at it (ids held by apps keep
 * resolving, chains are flattened); open merge candidates the merge settles are superseded; the merge history
 * keeps who or what decided and why. Returns the change events; the caller refreshes the survivors' golden
 * values.
 */
export async function applyMerges(tx: TxContext, orders: MergeOrder[]): Promise<NewChangeEvent[]> {
  const pairs = orders.flatMap((o) => o.absorbedIds.map((absorbed) => ({ absorbed, survivor: o.survivorId })));
  if (pairs.length === 0) return [];
  tx.afterCommit(() => tx.metrics?.recordMerges(orders));
  const absorbed = pairs.map((p) => p.absorbed);
  const survivors = pairs.map((p) => p.survivor);
  const moves = `WITH m(absorbed, survivor) AS (SELECT * FROM unnest($1::uuid[], $2::uuid[]))`;
  const params = [absorbed, survivors];
  // Lock the tombstones-to-be in id order (the survivors are locked by the golden refresh that follows).
  await tx.manager.query('SELECT id FROM golden_profile WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [absorbed]);
  // Open conflicts of an absorbed profile are closed: survivorship re-runs on the merged records and opens
  // whatever conflict the survivor really has.
  await tx.manager.query(
    `UPDATE conflict SET status = 'closed', resolution = '{"closedBy": "merge"}', updated_at = now()
      WHERE profile_id = ANY($1::uuid[]) AND status = 'open'`,
    [absorbed],
  );
  // Where the merged profiles' consents disagree, the most restrictive state wins (a hub statement records it).
  await reconcileConsentsOnMerge(tx, pairs);
  for (const table of ['source_record', 'identifier', 'consent_statement', 'engagement_event', 'conflict']) {
    await tx.manager.query(
      `${moves} UPDATE ${table} t SET profile_id = m.survivor FROM m WHERE t.profile_id = m.absorbed`,
      params,
    );
  }
  // Blocking keys have no index on profile_id (migration LeanerBlockingKeys): they follow their records, which
  // now belong to the survivor.
  await tx.manager.query(
    `${moves} UPDATE blocking_key b SET profile_id = m.survivor
       FROM m JOIN source_record s ON s.profile_id = m.survivor
      WHERE b.source_record_id = s.id AND b.profile_id = m.absorbed`,
    params,
  );
  // Per-profile rows with a key: the survivor's own row wins, the absorbed one's is dropped.
  await tx.manager.query(
    `${moves}, moved AS (
       INSERT INTO pinned_value (profile_id, field, value, source_record_id, pinned_by, reason, conflict_id, created_at)
       SELECT m.survivor, p.field, p.value, p.source_record_id, p.pinned_by, p.reason, p.conflict_id, p.created_at
         FROM pinned_value p JOIN m ON p.profile_id = m.absorbed
       ON CONFLICT (profile_id, field) DO NOTHING RETURNING 1)
     DELETE FROM pinned_value p USING m WHERE p.profile_id = m.absorbed`,
    params,
  );
  // The survivor's current consents are re-derived from all the statements it now holds.
  await tx.manager.query(`DELETE FROM consent_current WHERE profile_id = ANY($1::uuid[])`, [absorbed]);
  const consentEvents = await refreshConsentCurrent(tx, [...new Set(survivors)]);
  await tx.manager.query(`DELETE FROM segment_membership WHERE profile_id = ANY($1::uuid[])`, [absorbed]);
  await tx.manager.query(
    `UPDATE merge_candidate SET status = 'superseded', decided_at = now(), decided_by = $2,
            decision_note = 'a merge involving one of the profiles settled it', updated_at = now()
      WHERE status = 'open' AND (profile_a_id = ANY($1::uuid[]) OR profile_b_id = ANY($1::uuid[]))`,
    [absorbed, orders[0].actor],
  );
  await tx.manager.query(
    `${moves}
     UPDATE golden_profile g SET merged_into_id = m.survivor, updated_at = now()
       FROM m WHERE g.merged_into_id = m.absorbed`,
    params,
  );
  await tx.manager.query(
    `${moves}
     UPDATE golden_profile g
        SET status = 'merged', merged_into_id = m.survivor, version = g.version + 1, updated_at = now(),
            email = NULL, phone = NULL, first_name = NULL, last_name = NULL, birth_date = NULL, company = NULL,
            job_title = NULL, address_line1 = NULL, address_line2 = NULL, address_city = NULL,
            address_postal_code = NULL, address_region = NULL, address_country = NULL, custom = '{}', lineage = '{}'
       FROM m WHERE g.id = m.absorbed`,
    params,
  );
  await tx.manager.query(
    `INSERT INTO merge_event (kind, survivor_profile_id, absorbed_profile_id, trigger, actor, reason, score, evidence,
                              merge_candidate_id)
     SELECT 'merge', e.survivor, e.absorbed, e.trigger, e.actor, e.reason, e.score, e.evidence, e.candidate
       FROM jsonb_to_recordset($1::jsonb) AS e(survivor uuid, absorbed uuid, trigger text, actor text, reason text,
            score numeric, evidence jsonb, candidate uuid)`,
    [
      jsonbRows(
        orders.flatMap((o) =>
          o.absorbedIds.map((id) => ({
            survivor: o.survivorId,
            absorbed: id,
            trigger: o.trigger,
            actor: o.actor,
            reason: o.reason ?? null,
            score: o.score ?? null,
            evidence: o.evidence ?? {},
            candidate: o.mergeCandidateId ?? null,
          })),
        ),
      ),
    ],
  );
  const mergedEvents: NewChangeEvent[] = orders.flatMap((o) =>
    o.absorbedIds.map((id) => ({
      type: 'profile.merged',
      profileId: id,
      payload: { profileId: id, mergedInto: o.survivorId, trigger: o.trigger, actor: o.actor },
    })),
  );
  return [...mergedEvents, ...consentEvents];
}
