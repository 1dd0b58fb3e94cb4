import { pageWithTotal } from '../../db/page-with-total';
import type { DataSource } from 'typeorm';
import { decodeKeysetCursor, encodeKeysetCursor } from '../../common/keyset-cursor';

export interface MergeCandidateView {
  id: string;
  profileAId: string;
  profileBId: string;
  sourceRecordId: string | null;
  score: number;
  band: string;
  reason: string;
  evidence: unknown;
  status: string;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionNote: string | null;
  createdAt: Date;
}

export interface MergeEventView {
  id: string;
  kind: string;
  survivorProfileId: string;
  absorbedProfileId: string | null;
  sourceRecordId: string | null;
  targetProfileId: string | null;
  trigger: string;
  actor: string;
  reason: string | null;
  score: number | null;
  evidence: unknown;
  createdAt: Date;
}

/** The stewards' queue, oldest first, a page at a time. */
export async function listMergeCandidates(
  ds: DataSource,
  status: string,
  first: number,
  after?: string | null,
): Promise<{ items: MergeCandidateView[]; cursors: string[]; hasNextPage: boolean; totalCount: number }> {
  const [micros, id] = after ? decodeKeysetCursor(after) : [null, null];
  const { rows, total: count } = await pageWithTotal(
    ds,
    {
      total: `SELECT count(*) FROM merge_candidate WHERE status = $1`,
      page: `SELECT *, (extract(epoch FROM created_at) * 1000000)::bigint::text AS micros FROM merge_candidate
              WHERE status = $1
                AND ($2::bigint IS NULL OR (created_at, id) > ('epoch'::timestamptz + $2::bigint * interval '1 microsecond', $3::uuid))
              ORDER BY created_at, id LIMIT $4`,
      order: 'p.created_at, p.id',
    },
    [status, micros, id, first + 1],
  );
  const page = rows.slice(0, first);
  return {
    items: page.map(toCandidate),
    cursors: page.map((r) => encodeKeysetCursor(r.micros as string, r.id as string)),
    hasNextPage: rows.length > first,
    totalCount: count,
  };
}

function toCandidate(r: Record<string, unknown>): MergeCandidateView {
  return {
    id: r.id as string,
    profileAId: r.profile_a_id as string,
    profileBId: r.profile_b_id as string,
    sourceRecordId: (r.source_record_id as string | null) ?? null,
    score: Number(r.score),
    band: r.band as string,
    reason: r.reason as string,
    evidence: r.evidence,
    status: r.status as string,
    decidedBy: (r.decided_by as string | null) ?? null,
    decidedAt: (r.decided_at as Date | null) ?? null,
    decisionNote: (r.decision_note as string | null) ?? null,
    createdAt: r.created_at as Date,
  };
}

/** Merge history of many profiles (as survivor, absorbed or unmerge target) in one query, newest first. */
export async function findMergeHistories(ds: DataSource, profileIds: readonly string[]): Promise<MergeEventView[][]> {
  const rows: Record<string, unknown>[] = await ds.query(
    `SELECT p.id AS for_profile, e.*
       FROM unnest($1::uuid[]) AS p(id)
       JOIN merge_event e ON e.survivor_profile_id = p.id OR e.absorbed_profile_id = p.id OR e.target_profile_id = p.id
      ORDER BY e.created_at DESC, e.id`,
    [profileIds],
  );
  const grouped = new Map<string, MergeEventView[]>();
  for (const r of rows) {
    const list = grouped.get(r.for_profile as string) ?? [];
    list.push({
      id: r.id as string,
      kind: r.kind as string,
      survivorProfileId: r.survivor_profile_id as string,
      absorbedProfileId: (r.absorbed_profile_id as string | null) ?? null,
      sourceRecordId: (r.source_record_id as string | null) ?? null,
      targetProfileId: (r.target_profile_id as string | null) ?? null,
      trigger: r.trigger as string,
      actor: r.actor as string,
      reason: (r.reason as string | null) ?? null,
      score: r.score === null ? null : Number(r.score),
      evidence: r.evidence,
      createdAt: r.created_at as Date,
    });
    grouped.set(r.for_profile as string, list);
  }
  return profileIds.map((id) => grouped.get(id) ?? []);
}

/** Anything that runs SQL: a DataSource, or a transaction's EntityManager. */
type Queryable = Pick<DataSource, 'query'>;

/**
 * The end of each id's merge chain (itself when never merged), with its status; null when unknown. One query
 * for any number of ids.
 */
export async function findChainEnds(
  db: Queryable,
  ids: readonly string[],
): Promise<({ id: string; status: string } | null)[]> {
  const rows: { requested: string; id: string; status: string }[] = await db.query(
    `WITH RECURSIVE chain(requested, id, status, merged_into_id, depth) AS (
       SELECT g.id, g.id, g.status, g.merged_into_id, 0 FROM golden_profile g WHERE g.id = ANY($1::uuid[])
       UNION ALL
       SELECT c.requested, g.id, g.status, g.merged_into_id, c.depth + 1
         FROM chain c JOIN golden_profile g ON g.id = c.merged_into_id WHERE c.depth < 50)
     SELECT DISTINCT ON (requested) requested, id, status FROM chain ORDER BY requested, depth DESC`,
    [ids],
  );
  const byId = new Map(rows.map((r) => [r.requested, { id: r.id, status: r.status }]));
  return ids.map((id) => byId.get(id) ?? null);
}

/** The active survivor of each id (itself when active), following merge chains; null when unknown. */
export async function findSurvivorIds(ds: DataSource, ids: readonly string[]): Promise<(string | null)[]> {
  return (await findChainEnds(ds, ids)).map((end) => end?.id ?? null);
}
