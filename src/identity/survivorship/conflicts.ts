import type { TxContext } from '../../common/context';
import { jsonbRows } from '../../db/jsonb-rows';
import type { Queries } from '../../db/statement-chain';
import { appendChangeEvents, type NewChangeEvent } from '../../feed/change-events';
import { stableJson } from '../../ingest/apply-patch';
import type { ConflictFinding, Pin } from './compute-golden';

/** Stewards' pins of many profiles, in one query (on `tx.manager`, or queued on a statement chain). */
export async function loadPins(db: Queries, profileIds: readonly string[]): Promise<Map<string, Pin[]>> {
  const pins = new Map<string, Pin[]>();
  if (profileIds.length === 0) return pins;
  const rows: {
    profile_id: string;
    field: string;
    value: unknown;
    source_record_id: string | null;
    created_at: Date;
  }[] = await db.query(
    `SELECT profile_id, field, value, source_record_id, created_at
         FROM pinned_value WHERE profile_id = ANY($1::uuid[])`,
    [profileIds],
  );
  for (const row of rows) {
    const list = pins.get(row.profile_id) ?? pins.set(row.profile_id, []).get(row.profile_id)!;
    list.push({
      field: row.field,
      value: row.value as Pin['value'],
      sourceRecordId: row.source_record_id,
      pinnedAt: row.created_at.toISOString(),
    });
  }
  return pins;
}

interface OpenConflict {
  id: string;
  profile_id: string;
  field: string;
  reason: string;
  candidates: unknown;
}

/**
 * Brings the open conflicts of `profileIds` in line with what survivorship found just now, in the caller's
 * transaction: a new finding opens a conflict (at most one open per profile and field), a changed one updates its
 * candidates, and an open conflict whose finding is gone closes on its own — `converged` when the sources now
 * agree, `superseded` when a later edit outside the window settles it. Each opening and closing is a change
 * event (`conflict.opened`, `conflict.closed`).
 */
export async function syncConflicts(
  tx: TxContext,
  profileIds: readonly string[],
  findings: ReadonlyMap<string, ConflictFinding[]>,
  agreeing: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
): Promise<void> {
  if (profileIds.length === 0) return;
  const open: OpenConflict[] = await tx.manager.query(
    `SELECT id, profile_id, field, reason, candidates FROM conflict
      WHERE profile_id = ANY($1::uuid[]) AND status = 'open'`,
    [profileIds],
  );
  if (open.length === 0 && ![...findings.values()].some((list) => list.length > 0)) return;

  const openByKey = new Map(open.map((c) => [`${c.profile_id}\u0000${c.field}`, c]));
  const inserts: { profile_id: string; field: string; reason: string; candidates: unknown }[] = [];
  const updates: { id: string; reason: string; candidates: unknown }[] = [];
  const closes: { id: string; outcome: string }[] = [];
  const events: NewChangeEvent[] = [];
  const seen = new Set<string>();
  for (const profileId of profileIds) {
    for (const finding of findings.get(profileId) ?? []) {
      const key = `${profileId}\u0000${finding.field}`;
      seen.add(key);
      const current = openByKey.get(key);
      if (!current) {
        inserts.push({
          profile_id: profileId,
          field: finding.field,
          reason: finding.reason,
          candidates: finding.candidates,
        });
      } else if (
        current.reason !== finding.reason ||
        stableJson(current.candidates) !== stableJson(finding.candidates)
      ) {
        updates.push({ id: current.id, reason: finding.reason, candidates: finding.candidates });
      }
    }
  }
  for (const conflict of open) {
    const key = `${conflict.profile_id}\u0000${conflict.field}`;
    if (seen.has(key)) continue;
    const outcome = agreeing.get(conflict.profile_id)?.has(conflict.field) ? 'converged' : 'superseded';
    closes.push({ id: conflict.id, outcome });
    events.push({
      type: 'conflict.closed',
      profileId: conflict.profile_id,
      payload: { conflictId: conflict.id, profileId: conflict.profile_id, field: conflict.field, outcome },
    });
  }

  if (inserts.length > 0) {
    const rows: { id: string; profile_id: string; field: string; reason: string }[] = await tx.manager.query(
      `INSERT INTO conflict (profile_id, field, reason, candidates)
       SELECT x.profile_id, x.field, x.reason, x.candidates
         FROM jsonb_to_recordset($1::jsonb) AS x(profile_id uuid, field text, reason text, candidates jsonb)
       RETURNING id, profile_id, field, reason`,
      [jsonbRows(inserts)],
    );
    for (const row of rows) {
      events.push({
        type: 'conflict.opened',
        profileId: row.profile_id,
        payload: { conflictId: row.id, profileId: row.profile_id, field: row.field, reason: row.reason },
      });
    }
  }
  if (updates.length > 0) {
    await tx.manager.query(
      `UPDATE conflict c SET reason = x.reason, candidates = x.candidates, updated_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, reason text, candidates jsonb)
        WHERE c.id = x.id`,
      [jsonbRows(updates)],
    );
  }
  if (closes.length > 0) {
    await tx.manager.query(
      `UPDATE conflict c
          SET status = 'closed', resolution = jsonb_build_object('outcome', x.outcome), resolved_by = 'system',
              resolved_at = now(), updated_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, outcome text)
        WHERE c.id = x.id`,
      [jsonbRows(closes)],
    );
  }
  await appendChangeEvents(tx, events);
}
