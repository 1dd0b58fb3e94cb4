import type { TxContext } from '../../common/context';
import { jsonbRows } from '../../db/jsonb-rows';
import type { NewChangeEvent } from '../../feed/change-events';

export interface NewMergeCandidate {
  /** Ordered: a < b. */
  profileAId: string;
  profileBId: string;
  sourceRecordId: string | null;
  score: number;
  band: 'review' | 'guardrail';
  reason: string;
  evidence: unknown;
}

/**
 * Files merge candidates for the stewards' queue in one statement. A pair already waiting is updated (its
 * evidence refreshed, the higher score kept) rather than queued twice. Returns one change event per new one.
 */
export async function fileMergeCandidates(tx: TxContext, candidates: NewMergeCandidate[]): Promise<NewChangeEvent[]> {
  if (candidates.length === 0) return [];
  const rows: {
    id: string;
    profile_a_id: string;
    profile_b_id: string;
    inserted: boolean;
    band: string;
    score: string;
  }[] = await tx.manager.query(
    `INSERT INTO merge_candidate (profile_a_id, profile_b_id, source_record_id, score, band, reason, evidence)
       SELECT c.a, c.b, c.record, c.score, c.band, c.reason, c.evidence
         FROM jsonb_to_recordset($1::jsonb) AS c(a uuid, b uuid, record uuid, score numeric, band text, reason text, evidence jsonb)
         JOIN golden_profile pa ON pa.id = c.a AND pa.status = 'active'
         JOIN golden_profile pb ON pb.id = c.b AND pb.status = 'active'
       ON CONFLICT (profile_a_id, profile_b_id) WHERE status = 'open'
       DO UPDATE SET score = greatest(merge_candidate.score, excluded.score), evidence = excluded.evidence,
                     band = excluded.band, reason = excluded.reason, updated_at = now()
       RETURNING id, profile_a_id, profile_b_id, (xmax = 0) AS inserted, band, score`,
    [
      jsonbRows(
        candidates.map((c) => ({
          a: c.profileAId,
          b: c.profileBId,
          record: c.sourceRecordId,
          score: Math.round(c.score * 1000) / 1000,
          band: c.band,
          reason: c.reason,
          evidence: c.evidence,
        })),
      ),
    ],
  );
  return rows
    .filter((r) => r.inserted)
    .map((r) => ({
      type: 'merge_candidate.opened',
      profileId: r.profile_a_id,
      payload: {
        mergeCandidateId: r.id,
        profileIds: [r.profile_a_id, r.profile_b_id],
        band: r.band,
        score: Number(r.score),
      },
    }));
}
