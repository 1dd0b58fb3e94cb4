import type { DataSource } from 'typeorm';
import type { TxContext } from '../common/context';
import { lockNames } from '../db/advisory-locks';
import { appendChangeEvents } from '../feed/change-events';
import { activeSegments, dependencyOrder, reconcileSegment } from './membership';
import { referencedSegments, SegmentRuleError, validateSegmentRule } from './segment-rule';

export type SegmentRefusal = 'INVALID_RULE' | 'INVALID_KEY' | 'UNKNOWN_SEGMENT' | 'CYCLE' | 'NOT_FOUND' | 'IN_USE';

export type SegmentOutcome<T> =
  ({ ok: true } & T) | { ok: false; code: SegmentRefusal; message: string; path?: string };

const KEY = /^[a-z][a-z0-9_-]{0,63}$/;

export interface SegmentView {
  id: string;
  key: string;
  name: string;
  description: string | null;
  rule: unknown;
  version: number;
  status: string;
  computedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Defines a segment, or a new version of one: the rule is validated (errors name the path of the bad node), its
 * segment references must exist and form no cycle, and the membership is computed at once in the same
 * transaction — `segment.entered` for new members, `segment.exited` for members the new version drops.
 */
export async function defineSegment(
  tx: TxContext,
  input: { key: string; name: string; description?: string | null; rule: unknown },
): Promise<SegmentOutcome<{ segmentId: string; version: number; entered: number; exited: number }>> {
  if (!KEY.test(input.key)) {
    return {
      ok: false,
      code: 'INVALID_KEY',
      message: 'a segment key is lower-case letters, digits, _ or - (at most 64)',
    };
  }
  let rule;
  try {
    rule = validateSegmentRule(input.rule);
  } catch (error) {
    if (error instanceof SegmentRuleError) {
      return { ok: false, code: 'INVALID_RULE', message: error.message, path: error.path };
    }
    throw error;
  }
  // One definition at a time: keys, versions and the cycle check see a settled set.
  await lockNames(tx, ['segments']);
  const existing = await activeSegments(tx);
  for (const key of referencedSegments(rule)) {
    if (key !== input.key && !existing.some((s) => s.key === key)) {
      return {
        ok: false,
        code: 'UNKNOWN_SEGMENT',
        message: `the rule refers to segment "${key}", which does not exist`,
      };
    }
  }
  try {
    dependencyOrder([...existing.filter((s) => s.key !== input.key), { key: input.key, rule }]);
  } catch (error) {
    return { ok: false, code: 'CYCLE', message: (error as Error).message };
  }
  const [row]: { id: string; version: number }[] = await tx.manager.query(
    `INSERT INTO segment (key, name, description, rule, created_by, status, deleted_at)
     VALUES ($1, $2, $3, $4::jsonb, $5, 'active', NULL)
     ON CONFLICT (key) DO UPDATE
       SET name = EXCLUDED.name, description = EXCLUDED.description, rule = EXCLUDED.rule, status = 'active',
           deleted_at = NULL, version = segment.version + 1, updated_at = now()
     RETURNING id, version`,
    [input.key, input.name, input.description ?? null, JSON.stringify(rule), tx.actor],
  );
  await tx.manager.query(
    `INSERT INTO segment_version (segment_id, version, rule, created_by) VALUES ($1, $2, $3::jsonb, $4)`,
    [row.id, row.version, JSON.stringify(rule), tx.actor],
  );
  const counts = await reconcileSegment(tx, { id: row.id, key: input.key, version: row.version, rule }, null);
  await tx.manager.query(`UPDATE segment SET computed_at = now() WHERE id = $1`, [row.id]);
  await appendChangeEvents(tx, [
    {
      type: 'segment.defined',
      segmentKey: input.key,
      payload: { segmentKey: input.key, version: row.version, entered: counts.entered, exited: counts.exited },
    },
  ]);
  return { ok: true, segmentId: row.id, version: row.version, ...counts };
}

/** Deletes a segment: its members exit (with events); a segment other segments refer to is refused. */
export async function deleteSegment(tx: TxContext, key: string): Promise<SegmentOutcome<{ exited: number }>> {
  await lockNames(tx, ['segments']);
  const segments = await activeSegments(tx);
  const segment = segments.find((s) => s.key === key);
  if (!segment) return { ok: false, code: 'NOT_FOUND', message: `no segment "${key}"` };
  const users = segments.filter((s) => referencedSegments(s.rule).includes(key)).map((s) => s.key);
  if (users.length > 0) {
    return { ok: false, code: 'IN_USE', message: `segments ${users.join(', ')} refer to "${key}"` };
  }
  const [{ exited }]: { exited: number }[] = await tx.manager.query(
    `WITH gone AS (DELETE FROM segment_membership WHERE segment_id = $1 RETURNING profile_id),
     events AS (
       INSERT INTO change_event (type, profile_id, segment_key, payload)
       SELECT 'segment.exited', profile_id, $2::text,
              jsonb_build_object('profileId', profile_id, 'segmentKey', $2::text, 'segmentVersion', $3::int,
                                 'change', 'EXITED')
         FROM gone ORDER BY profile_id
       RETURNING 1)
     SELECT count(*)::int AS exited FROM gone`,
    [segment.id, key, segment.version],
  );
  await tx.manager.query(
    `UPDATE segment SET status = 'deleted', deleted_at = now(), updated_at = now() WHERE id = $1`,
    [segment.id],
  );
  await appendChangeEvents(tx, [{ type: 'segment.deleted', segmentKey: key, payload: { segmentKey: key, exited } }]);
  return { ok: true, exited };
}

export async function findSegment(ds: DataSource, key: string): Promise<SegmentView | null> {
  const [row] = await ds.query(`SELECT * FROM segment WHERE key = $1 AND status <> 'deleted'`, [key]);
  return row ? toView(row) : null;
}

export async function listSegments(ds: DataSource): Promise<SegmentView[]> {
  return (await ds.query(`SELECT * FROM segment WHERE status <> 'deleted' ORDER BY key`)).map(toView);
}

function toView(r: Record<string, unknown>): SegmentView {
  return {
    id: r.id as string,
    key: r.key as string,
    name: r.name as string,
    description: (r.description as string | null) ?? null,
    rule: r.rule,
    version: r.version as number,
    status: r.status as string,
    computedAt: (r.computed_at as Date | null) ?? null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

export async function segmentSize(ds: DataSource, segmentId: string): Promise<number> {
  const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM segment_membership WHERE segment_id = $1`, [
    segmentId,
  ]);
  return n;
}

/** Members, keyset-paged by profile id. */
export async function segmentMembers(
  ds: DataSource,
  segmentId: string,
  first: number,
  after: string | null,
): Promise<{ profileIds: string[]; enteredAt: Date[]; hasNextPage: boolean }> {
  const rows: { profile_id: string; entered_at: Date }[] = await ds.query(
    `SELECT profile_id, entered_at FROM segment_membership
      WHERE segment_id = $1 AND ($2::uuid IS NULL OR profile_id > $2::uuid)
      ORDER BY profile_id LIMIT $3`,
    [segmentId, after, first + 1],
  );
  const page = rows.slice(0, first);
  return {
    profileIds: page.map((r) => r.profile_id),
    enteredAt: page.map((r) => r.entered_at),
    hasNextPage: rows.length > first,
  };
}
