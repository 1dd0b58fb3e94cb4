import type { DataSource } from 'typeorm';
import { fieldTime, fieldTimes } from '../../ingest/store/field-times';
import { GOLDEN_ATTRIBUTE_COLUMNS, goldenRowAttributes, type FlatAttributes } from '../golden-attributes';
import type { FieldLineage } from '../survivorship/compute-golden';
import { lineageRecordIds, storedFields, type StoredLineage } from '../survivorship/stored-lineage';

export type ProfileStatus = 'active' | 'merged' | 'erased';

/** A golden profile as read for the API. */
export interface ProfileView {
  id: string;
  status: ProfileStatus;
  mergedIntoId: string | null;
  version: number;
  attributes: FlatAttributes;
  lineage: Record<string, FieldLineage>;
  leadScore: number;
  lifecycleStage: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One system's view of the person, as the source last sent it. */
export interface SourceRecordView {
  id: string;
  source: string;
  externalId: string;
  objectType: string;
  profileId: string;
  deleted: boolean;
  attributes: FlatAttributes;
  fieldUpdatedAt: Record<string, string>;
  sourceUpdatedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Loads golden profiles by id in one query; the result follows `ids` (null where unknown). */
export async function findProfilesByIds(ds: DataSource, ids: readonly string[]): Promise<(ProfileView | null)[]> {
  const rows: Record<string, unknown>[] = await ds.query(
    `SELECT id, status, merged_into_id, version, custom, lineage, lead_score::float8 AS lead_score, lifecycle_stage,
            created_at, updated_at, ${GOLDEN_ATTRIBUTE_COLUMNS}
       FROM golden_profile WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  const referenced = [...new Set(rows.flatMap((row) => lineageRecordIds(row.lineage as StoredLineage)))];
  const sources = new Map<string, LineageRecord>();
  if (referenced.length > 0) {
    const records: { id: string; source: string; field_updated_at: Record<string, string>; at: Date | null }[] =
      await ds.query(
        `SELECT id, source, field_updated_at, source_updated_at AS at FROM source_record WHERE id = ANY($1::uuid[])`,
        [referenced],
      );
    for (const r of records) {
      sources.set(r.id, { source: r.source, storedTimes: r.field_updated_at, at: r.at?.toISOString() ?? null });
    }
  }
  const byId = new Map(rows.map((row) => [row.id as string, toProfileView(row, sources)]));
  return ids.map((id) => byId.get(id) ?? null);
}

/** What lineage reads of a source record: its source and its per-field times as stored (`field-times.ts`). */
interface LineageRecord {
  source: string;
  storedTimes: Record<string, string>;
  at: string | null;
}

function toProfileView(row: Record<string, unknown>, sources: Map<string, LineageRecord>): ProfileView {
  const attributes = goldenRowAttributes(row);
  return {
    id: row.id as string,
    status: row.status as ProfileStatus,
    mergedIntoId: (row.merged_into_id as string | null) ?? null,
    version: row.version as number,
    attributes,
    lineage: Object.fromEntries(
      storedFields(row.lineage as StoredLineage).map(({ field, sourceRecordId, rule, pinnedAt }) => {
        const record = sourceRecordId ? sources.get(sourceRecordId) : undefined;
        const lineage: FieldLineage = {
          value: attributes[field] ?? null,
          source: sourceRecordId === null ? 'steward' : (record?.source ?? 'unknown'),
          sourceRecordId,
          rule,
          updatedAt: pinnedAt ?? (record ? fieldTime(record.storedTimes, field, record.at) : null) ?? '',
          pinned: rule === 'pin',
        };
        return [field, lineage];
      }),
    ),
    leadScore: Number(row.lead_score ?? 0),
    lifecycleStage: (row.lifecycle_stage as string | null) ?? null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}

/** Loads the source records of many profiles in one query; the result follows `profileIds`. */
export async function findSourceRecordsByProfileIds(
  ds: DataSource,
  profileIds: readonly string[],
): Promise<SourceRecordView[][]> {
  const rows: Record<string, unknown>[] = await ds.query(
    `SELECT id, source, external_id, object_type, profile_id, deleted, attributes, field_updated_at,
            source_updated_at, created_at, updated_at
       FROM source_record WHERE profile_id = ANY($1::uuid[]) ORDER BY source, external_id`,
    [profileIds],
  );
  const grouped = new Map<string, SourceRecordView[]>();
  for (const row of rows) {
    const view: SourceRecordView = {
      id: row.id as string,
      source: row.source as string,
      externalId: row.external_id as string,
      objectType: row.object_type as string,
      profileId: row.profile_id as string,
      deleted: row.deleted as boolean,
      attributes: row.attributes as FlatAttributes,
      fieldUpdatedAt: fieldTimes(
        row.attributes as FlatAttributes,
        row.field_updated_at as Record<string, string>,
        row.source_updated_at as Date | null,
      ),
      sourceUpdatedAt: (row.source_updated_at as Date | null) ?? null,
      createdAt: row.created_at as Date,
      updatedAt: row.updated_at as Date,
    };
    const list = grouped.get(view.profileId) ?? [];
    list.push(view);
    grouped.set(view.profileId, list);
  }
  return profileIds.map((id) => grouped.get(id) ?? []);
}

/** The profile holding an identifier (normalised as ingest normalises it), oldest first when several do. */
export async function findProfileIdByIdentifier(ds: DataSource, type: string, value: string): Promise<string | null> {
  const rows: { profile_id: string }[] = await ds.query(
    `SELECT i.profile_id FROM identifier i JOIN golden_profile g ON g.id = i.profile_id AND g.status = 'active'
      WHERE i.type = $1 AND i.value = $2 ORDER BY g.created_at, g.id LIMIT 1`,
    [type, value],
  );
  return rows[0]?.profile_id ?? null;
}

/** One source record by the source's own key. */
export async function findSourceRecord(
  ds: DataSource,
  source: string,
  externalId: string,
): Promise<SourceRecordView | null> {
  const rows: { profile_id: string }[] = await ds.query(
    `SELECT profile_id FROM source_record WHERE source = $1 AND external_id = $2`,
    [source, externalId],
  );
  if (!rows[0]) return null;
  const [records] = await findSourceRecordsByProfileIds(ds, [rows[0].profile_id]);
  return records.find((r) => r.source === source && r.externalId === externalId) ?? null;
}
