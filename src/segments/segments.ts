import type { DataSource } from 'typeorm';
import { inTransaction, type ServiceContext, type TxContext } from '../common/context';
import { lockNames } from '../db/advisory-locks';
import { appendChangeEvents } from '../feed/change-events';
import { activeSegments, dependencyOrder, exitMemberships, reconcileSegment } from './membership';
import { referencedSegments, SegmentRuleError, validateSegmentRule, type SegmentRule } from './segment-rule';

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

/** Profiles per transaction when a segment is computed in full. */
export const SEGMENT_BATCH = 100_000;

/**
 * Defines a segment, or a new version of one: the rule is validated (errors name the path of the bad node), its
 * segment references must exist and form no cycle. Its membership is then computed in batches of profiles
 * (`SEGMENT_BATCH`, by id), one transaction each — `segment.entered` for new members, `segment.exited` for members
 * the new version drops — so no single long transaction holds back the change feed; profiles that change meanwhile
 * are placed at once by the live re-evaluation. The segment reads `computing` until the last batch.
 */
export async function defineSegment(
  ctx: ServiceContext,
  input: { key: string; name: string; description?: string | null; rule: unknown },
  batchSize = SEGMENT_BATCH,
): Promise<SegmentOutcome<{ segmentId: string; version: number; entered: number; exited: number }>> {
  if (!KEY.test(input.key)) {
    return {
      ok: false,
      code: 'INVALID_KEY',
      message: 'a segment key is lower-case letters, digits, _ or - (at most 64)',
    };
  }
  let rule: SegmentRule;
  try {
    rule = validateSegmentRule(input.rule);
  } catch (error) {
    if (error instanceof SegmentRuleError) {
      return { ok: false, code: 'INVALID_RULE', message: error.message, path: error.path };
    }
    throw error;
  }
  const defined = await inTransaction(ctx, async (tx): Promise<SegmentOutcome<{ id: string; version: number }>> => {
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
       VALUES ($1, $2, $3, $4::jsonb, $5, 'computing', NULL)
       ON CONFLICT (key) DO UPDATE
         SET name = EXCLUDED.name, description = EXCLUDED.description, rule = EXCLUDED.rule, status = 'computing',
             deleted_at = NULL, version = segment.version + 1, updated_at = now()
       RETURNING id, version`,
      [input.key, input.name, input.description ?? null, JSON.stringify(rule), tx.actor],
    );
    await tx.manager.query(
      `INSERT INTO segment_version (segment_id, version, rule, created_by) VALUES ($1, $2, $3::jsonb, $4)`,
      [row.id, row.version, JSON.stringify(rule), tx.actor],
    );
    return { ok: true, ...row };
  });
  if (!defined.ok) return defined;
  const segment = { id: defined.id, key: input.key, version: defined.version, rule };
  const counts = { entered: 0, exited: 0 };
  for (let after: string | null = null; ;) {
    const rows: { id: string }[] = await ctx.dataSource.query(
      `SELECT id FROM golden_profile WHERE ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id OFFSET $2 LIMIT 1`,
      [after, batchSize - 1],
    );
    const upTo: string | null = rows[0]?.id ?? null;
    const batch = await inTransaction(ctx, (tx) => reconcileSegment(tx, segment, null, { after, upTo }));
    counts.entered += batch.entered;
    counts.exited += batch.exited;
    if (upTo === null) break;
    after = upTo;
  }
  await inTransaction(ctx, async (tx) => {
    await tx.manager.query(`UPDATE segment SET status = 'active', computed_at = now() WHERE id = $1 AND version = $2`, [
      segment.id,
      segment.version,
    ]);
    await appendChangeEvents(tx, [
      {
        type: 'segment.defined',
        segmentKey: input.key,
        payload: { segmentKey: input.key, version: segment.version, ...counts },
      },
    ]);
  });
  return { ok: true, segmentId: segment.id, version: segment.version, ...counts };
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
  const exited = await exitMemberships(tx, { segmentId: segment.id });

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
