import { pageWithTotal } from '../../db/page-with-total';
import type { DataSource } from 'typeorm';
import { decodeKeysetCursor, encodeKeysetCursor } from '../../common/keyset-cursor';
import type { ConflictCandidate } from '../survivorship/compute-golden';

export interface ConflictView {
  id: string;
  profileId: string;
  field: string;
  status: string;
  reason: string;
  candidates: ConflictCandidate[];
  resolution: unknown;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The stewards' conflict queue, oldest first, keyset-paged; only conflicts of active profiles (a profile merged
 * into another has its conflicts re-found on the survivor). `profileId` narrows it to one profile.
 */
export async function listConflicts(
  ds: DataSource,
  filter: { status: string; profileId?: string | null },
  first: number,
  after?: string | null,
): Promise<{ items: ConflictView[]; cursors: string[]; hasNextPage: boolean; totalCount: number }> {
  const [micros, id] = after ? decodeKeysetCursor(after) : [null, null];
  const where = `c.status = $1 AND ($2::uuid IS NULL OR c.profile_id = $2)
                 AND EXISTS (SELECT 1 FROM golden_profile g WHERE g.id = c.profile_id AND g.status = 'active')`;
  const { rows, total: count } = await pageWithTotal(
    ds,
    {
      total: `SELECT count(*) FROM conflict c WHERE ${where}`,
      page: `SELECT c.*, (extract(epoch FROM c.created_at) * 1000000)::bigint::text AS micros FROM conflict c
              WHERE ${where}
                AND ($3::bigint IS NULL OR (c.created_at, c.id) > ('epoch'::timestamptz + $3::bigint * interval '1 microsecond', $4::uuid))
              ORDER BY c.created_at, c.id LIMIT $5`,
      order: 'p.created_at, p.id',
    },
    [filter.status, filter.profileId ?? null, micros, id, first + 1],
  );
  const page = rows.slice(0, first);
  return {
    items: page.map(toConflictView),
    cursors: page.map((r) => encodeKeysetCursor(r.micros as string, r.id as string)),
    hasNextPage: rows.length > first,
    totalCount: count,
  };
}

export async function findConflict(ds: DataSource, id: string): Promise<ConflictView | null> {
  const [row] = await ds.query(`SELECT * FROM conflict WHERE id = $1`, [id]);
  return row ? toConflictView(row) : null;
}

function toConflictView(r: Record<string, unknown>): ConflictView {
  return {
    id: r.id as string,
    profileId: r.profile_id as string,
    field: r.field as string,
    status: r.status as string,
    reason: r.reason as string,
    candidates: (r.candidates as ConflictCandidate[]) ?? [],
    resolution: r.resolution ?? null,
    resolvedBy: (r.resolved_by as string | null) ?? null,
    resolvedAt: (r.resolved_at as Date | null) ?? null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}
