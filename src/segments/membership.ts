import type { TxContext } from '../common/context';
import { compileRule } from './evaluate-rule';
import { referencedSegments, validateSegmentRule, type SegmentRule } from './segment-rule';

export interface ActiveSegment {
  id: string;
  key: string;
  version: number;
  rule: SegmentRule;
}

/**
 * Segments to keep up to date (active, and those whose first computation is under way — a profile that changes
 * meanwhile is placed at once; the batch that reaches it later finds it done), in dependency order: a segment
 * comes after every segment its rule refers to.
 */
export async function activeSegments(tx: Pick<TxContext, 'manager'>): Promise<ActiveSegment[]> {
  const rows: { id: string; key: string; version: number; rule: unknown }[] = await tx.manager.query(
    `SELECT id, key, version, rule FROM segment WHERE status IN ('active', 'computing') ORDER BY key`,
  );
  const segments = rows.map((r) => ({ id: r.id, key: r.key, version: r.version, rule: validateSegmentRule(r.rule) }));
  return dependencyOrder(segments);
}

export function dependencyOrder<T extends { key: string; rule: SegmentRule }>(segments: T[]): T[] {
  const byKey = new Map(segments.map((s) => [s.key, s]));
  const ordered: T[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (segment: T) => {
    if (state.get(segment.key) === 'done') return;
    if (state.get(segment.key) === 'visiting')
      throw new Error(`segments refer to each other in a cycle at "${segment.key}"`);
    state.set(segment.key, 'visiting');
    for (const key of referencedSegments(segment.rule)) {
      const dependency = byKey.get(key);
      if (dependency) visit(dependency);
    }
    state.set(segment.key, 'done');
    ordered.push(segment);
  };
  segments.forEach(visit);
  return ordered;
}

/**
 * Brings one segment's membership in line with its rule — for every active profile (`profileIds` null), or for
 * the given ones, optionally within an id range — in one statement: new members are `ENTERED`, members that no longer match (or are no longer
 * active: merged into another, erased) are `EXITED`, each with a `segment.entered` / `segment.exited` change
 * event in the same transaction. Returns how many entered and exited.
 */
export async function reconcileSegment(
  tx: TxContext,
  segment: ActiveSegment,
  profileIds: readonly string[] | null,
  range: { after: string | null; upTo: string | null } = { after: null, upTo: null },
): Promise<{ entered: number; exited: number }> {
  const params: unknown[] = [segment.id, segment.key, segment.version, profileIds, range.after, range.upTo];
  const condition = compileRule(segment.rule, params);
  // Only the bounds that apply are conditions, so the planner sees a plain id list or range (and uses the primary
  // key) instead of generic `$n IS NULL OR …` conditions it cannot index; the others only name their parameter's
  // type and fold to true.
  const scope = (column: string) =>
    [
      profileIds ? `${column} = ANY($4::uuid[])` : '($4::uuid[] IS NULL OR true)',
      range.after ? `${column} > $5::uuid` : '($5::uuid IS NULL OR true)',
      range.upTo ? `${column} <= $6::uuid` : '($6::uuid IS NULL OR true)',
    ].join(' AND ');
  const [row]: { entered: number; exited: number }[] = await tx.manager.query(
    `WITH wanted AS (
       SELECT g.id FROM golden_profile g WHERE g.status = 'active' AND ${scope('g.id')} AND (${condition})),
     entered AS (
       INSERT INTO segment_membership (segment_id, profile_id, segment_version)
       SELECT $1::uuid, w.id, $3::int FROM wanted w
        WHERE NOT EXISTS (SELECT 1 FROM segment_membership m WHERE m.segment_id = $1::uuid AND m.profile_id = w.id)
       RETURNING profile_id),
     exited AS (
       DELETE FROM segment_membership m
        WHERE m.segment_id = $1::uuid AND ${scope('m.profile_id')}
          AND NOT EXISTS (SELECT 1 FROM wanted w WHERE w.id = m.profile_id)
       RETURNING profile_id),
     events AS (
       INSERT INTO change_event (type, profile_id, segment_key, payload, txid)
       SELECT e.type, e.profile_id, $2::text,
              jsonb_build_object('profileId', e.profile_id, 'segmentKey', $2::text, 'segmentVersion', $3::int,
                                 'change', e.change),
              (SELECT hub_current_txid())
         FROM (SELECT 'segment.entered' AS type, profile_id, 'ENTERED' AS change FROM entered
               UNION ALL
               SELECT 'segment.exited', profile_id, 'EXITED' FROM exited
               ORDER BY 2, 1) e
       RETURNING 1)
     SELECT (SELECT count(*) FROM entered)::int AS entered, (SELECT count(*) FROM exited)::int AS exited`,
    params,
  );
  if (row.entered + row.exited > 0) tx.afterCommit(() => tx.notifier.feedCommitted());
  return row;
}

/**
 * Re-evaluates every active segment for the profiles a transaction changed (ingest, merge, unmerge, consent,
 * pin, score …), in dependency order, inside that transaction: one statement per segment, whatever the number
 * of profiles.
 */
export async function updateMemberships(tx: TxContext, profileIds: readonly string[]): Promise<void> {
  const ids = [...new Set(profileIds)];
  if (ids.length === 0) return;
  const segments = await activeSegments(tx);
  for (const segment of segments) await reconcileSegment(tx, segment, ids);
}

/**
 * Ends memberships with a `segment.exited` event each (ids only): of the given profiles in every segment
 * (erasure — every audience drops the person), or of every member of one segment (its deletion).
 */
export async function exitMemberships(
  tx: TxContext,
  which: { profileIds: readonly string[] } | { segmentId: string },
): Promise<number> {
  const bySegment = 'segmentId' in which;
  if (!bySegment && which.profileIds.length === 0) return 0;
  const [{ exited }]: { exited: number }[] = await tx.manager.query(
    `WITH gone AS (
       DELETE FROM segment_membership m USING segment s
        WHERE s.id = m.segment_id AND ${bySegment ? 'm.segment_id = $1::uuid' : 'm.profile_id = ANY($1::uuid[])'}
       RETURNING m.profile_id, s.key, s.version),
     events AS (
       INSERT INTO change_event (type, profile_id, segment_key, payload, txid)
       SELECT 'segment.exited', g.profile_id, g.key,
              jsonb_build_object('profileId', g.profile_id, 'segmentKey', g.key, 'segmentVersion', g.version,
                                 'change', 'EXITED'),
              (SELECT hub_current_txid())
         FROM gone g ORDER BY g.profile_id, g.key
       RETURNING 1)
     SELECT count(*)::int AS exited FROM gone`,
    [bySegment ? which.segmentId : [...new Set(which.profileIds)]],
  );
  if (exited > 0) tx.afterCommit(() => tx.notifier.feedCommitted());
  return exited;
}
