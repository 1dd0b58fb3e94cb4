import type { TxContext } from '../../common/context';
import type { NewChangeEvent } from '../../feed/change-events';
import { sameValue } from '../../ingest/apply-patch';
import { CORE_ATTRIBUTES, CORE_COLUMNS, type FlatAttributes } from '../golden-attributes';
import { computeGolden, type SurvivorshipInput } from './compute-golden';

export interface GoldenChange {
  profileId: string;
  version: number;
  created: boolean;
  changedFields: string[];
}

interface GoldenRow {
  id: string;
  version: number;
  custom: Record<string, unknown>;
  [column: string]: unknown;
}

function currentAttributes(row: GoldenRow): FlatAttributes {
  const flat: FlatAttributes = {};
  for (const field of CORE_ATTRIBUTES) {
    const value = row[CORE_COLUMNS[field]];
    if (value !== null && value !== undefined) flat[field] = value as string;
  }
  for (const [key, value] of Object.entries(row.custom ?? {})) flat[`custom.${key}`] = value as FlatAttributes[string];
  return flat;
}

/**
 * Recomputes the golden values of the given profiles from their source records, writes those that changed in
 * one statement (version + 1) and returns one change per profile that changed. A profile whose values came
 * out the same is left alone and yields nothing, which is what stops CRM ↔ MA echo loops.
 */
export async function refreshGoldenProfiles(
  tx: TxContext,
  profileIds: string[],
  createdProfileIds: ReadonlySet<string>,
): Promise<GoldenChange[]> {
  if (profileIds.length === 0) return [];
  const columns = CORE_ATTRIBUTES.map((f) => CORE_COLUMNS[f]);
  const golden: GoldenRow[] = await tx.manager.query(
    `SELECT id, version, custom, ${columns.map((c) => (c === 'birth_date' ? 'birth_date::text AS birth_date' : c)).join(', ')}
       FROM golden_profile WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
    [profileIds],
  );
  const records: (SurvivorshipInput & { profileId: string })[] = (
    await tx.manager.query(
      `SELECT id, source, external_id, deleted, attributes, field_updated_at, profile_id
         FROM source_record WHERE profile_id = ANY($1::uuid[])`,
      [profileIds],
    )
  ).map((r: Record<string, unknown>) => ({
    id: r.id as string,
    source: r.source as string,
    externalId: r.external_id as string,
    deleted: r.deleted as boolean,
    attributes: r.attributes as FlatAttributes,
    fieldUpdatedAt: r.field_updated_at as Record<string, string>,
    profileId: r.profile_id as string,
  }));

  const byProfile = new Map<string, SurvivorshipInput[]>();
  for (const record of records) {
    const list = byProfile.get(record.profileId) ?? [];
    list.push(record);
    byProfile.set(record.profileId, list);
  }

  const changes: GoldenChange[] = [];
  const updates: Record<string, unknown>[] = [];
  for (const row of golden) {
    const next = computeGolden(byProfile.get(row.id) ?? []);
    const before = currentAttributes(row);
    const fields = new Set([...Object.keys(before), ...Object.keys(next.attributes)]);
    const changedFields = [...fields].filter((f) => !sameValue(before[f], next.attributes[f])).sort();
    const created = createdProfileIds.has(row.id);
    if (!created && changedFields.length === 0) continue;
    const version = created ? row.version : row.version + 1;
    // The value itself is in its column (or in custom): stored lineage says only where it came from and why.
    const lineage = Object.fromEntries(
      Object.entries(next.lineage).map(([field, { value: _value, ...why }]) => [field, why]),
    );
    const update: Record<string, unknown> = { id: row.id, version, lineage, custom: {} };
    for (const field of CORE_ATTRIBUTES) update[CORE_COLUMNS[field]] = next.attributes[field] ?? null;
    for (const [field, value] of Object.entries(next.attributes)) {
      if (field.startsWith('custom.')) (update.custom as Record<string, unknown>)[field.slice(7)] = value;
    }
    updates.push(update);
    changes.push({ profileId: row.id, version, created, changedFields });
  }
  if (updates.length > 0) {
    const columnTypes = columns.map((c) => `${c} ${c === 'birth_date' ? 'date' : 'text'}`).join(', ');
    await tx.manager.query(
      `UPDATE golden_profile g
          SET version = x.version, lineage = x.lineage, custom = x.custom, updated_at = now(),
              ${columns.map((c) => `${c} = x.${c}`).join(', ')}
         FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, version int, lineage jsonb, custom jsonb, ${columnTypes})
        WHERE g.id = x.id`,
      [JSON.stringify(updates)],
    );
  }
  return changes;
}

/** The outbox entry for a golden change. */
export function goldenChangeEvent(change: GoldenChange, originSource: string | null): NewChangeEvent {
  return {
    type: change.created ? 'profile.created' : 'profile.updated',
    profileId: change.profileId,
    originSource,
    payload: { profileId: change.profileId, version: change.version, changedFields: change.changedFields },
  };
}
