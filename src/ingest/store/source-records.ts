import type { TxContext } from '../../common/context';
import type { FlatAttributes } from '../../identity/golden-attributes';
import type { SourceRecordState } from '../apply-patch';
import type { CanonicalRecord } from '../canonical-record';

export const recordKey = (source: string, externalId: string) => `${source}\u0000${externalId}`;

export interface StoredSourceRecord extends SourceRecordState {
  id: string;
  profileId: string;
}

/** A source record about to be written: its new state and the records of the batch that produced it. */
export interface SourceRecordWrite {
  key: string;
  /** The record's id: its existing one, or one chosen now for a new record. */
  id: string;
  record: CanonicalRecord;
  records: CanonicalRecord[];
  state: SourceRecordState;
  rawPayload: unknown;
  profileId: string;
  /** A value or the deleted flag changed; else only newer stamps are written (no golden refresh, no event). */
  changed: boolean;
}

/** Loads and row-locks the batch's existing source records in one query. */
export async function loadSourceRecords(
  tx: TxContext,
  keys: { source: string; externalId: string }[],
): Promise<Map<string, StoredSourceRecord>> {
  const rows: Record<string, unknown>[] = await tx.manager.query(
    `SELECT s.id, s.source, s.external_id, s.profile_id, s.attributes, s.field_updated_at, s.field_sequence,
            s.deleted, s.delete_reason, s.source_updated_at, s.source_sequence::text AS source_sequence
       FROM source_record s
       JOIN unnest($1::text[], $2::text[]) AS k(source, external_id)
         ON s.source = k.source AND s.external_id = k.external_id
        FOR UPDATE OF s`,
    [keys.map((k) => k.source), keys.map((k) => k.externalId)],
  );
  return new Map(
    rows.map((r) => [
      recordKey(r.source as string, r.external_id as string),
      {
        id: r.id as string,
        profileId: r.profile_id as string,
        attributes: r.attributes as FlatAttributes,
        fieldUpdatedAt: r.field_updated_at as Record<string, string>,
        fieldSequence: r.field_sequence as Record<string, string>,
        deleted: r.deleted as boolean,
        deleteReason: (r.delete_reason as string | null) ?? null,
        sourceUpdatedAt: r.source_updated_at ? (r.source_updated_at as Date).toISOString() : null,
        sourceSequence: (r.source_sequence as string | null) ?? null,
      },
    ]),
  );
}

/** Inserts or updates the written source records in one statement; returns their ids by key. */
export async function upsertSourceRecords(tx: TxContext, writes: SourceRecordWrite[]): Promise<Map<string, string>> {
  if (writes.length === 0) return new Map();
  const rows: { id: string; source: string; external_id: string }[] = await tx.manager.query(
    `INSERT INTO source_record AS s (id, source, external_id, object_type, profile_id, attributes, field_updated_at,
                                     field_sequence, raw_payload, deleted, deleted_at, delete_reason,
                                     source_updated_at, source_sequence, last_event_id)
     SELECT r.id, r.source, r.external_id, r.object_type, r.profile_id, r.attributes, r.field_updated_at,
            r.field_sequence, r.raw_payload, r.deleted, CASE WHEN r.deleted THEN now() END, r.delete_reason,
            r.source_updated_at, r.source_sequence, r.last_event_id
       FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, source text, external_id text, object_type text, profile_id uuid,
            attributes jsonb, field_updated_at jsonb, field_sequence jsonb, raw_payload jsonb, deleted boolean,
            delete_reason text, source_updated_at timestamptz, source_sequence numeric, last_event_id text)
     ON CONFLICT (source, external_id) DO UPDATE
        SET attributes = excluded.attributes, field_updated_at = excluded.field_updated_at,
            field_sequence = excluded.field_sequence, raw_payload = excluded.raw_payload,
            object_type = excluded.object_type, profile_id = excluded.profile_id, deleted = excluded.deleted,
            deleted_at = CASE WHEN excluded.deleted THEN coalesce(s.deleted_at, now()) END,
            delete_reason = excluded.delete_reason, source_updated_at = excluded.source_updated_at,
            source_sequence = excluded.source_sequence,
            last_event_id = coalesce(excluded.last_event_id, s.last_event_id),
            version = s.version
                      + (excluded.attributes IS DISTINCT FROM s.attributes OR excluded.deleted <> s.deleted)::int,
            updated_at = now()
     RETURNING id, source, external_id`,
    [
      JSON.stringify(
        writes.map((w) => ({
          id: w.id,
          source: w.record.source,
          external_id: w.record.externalId,
          object_type: w.record.objectType,
          profile_id: w.profileId,
          attributes: w.state.attributes,
          field_updated_at: w.state.fieldUpdatedAt,
          field_sequence: w.state.fieldSequence,
          raw_payload: w.rawPayload,
          deleted: w.state.deleted,
          delete_reason: w.state.deleteReason,
          source_updated_at: w.state.sourceUpdatedAt,
          source_sequence: w.state.sourceSequence,
          last_event_id: w.record.eventId ?? null,
        })),
      ),
    ],
  );
  return new Map(rows.map((r) => [recordKey(r.source, r.external_id), r.id]));
}

/** Identifier types derived from attributes; they follow the attributes. Declared ones accumulate. */
const ATTRIBUTE_IDENTIFIERS = ['email', 'phone'] as const;

/**
 * Keeps each written source record's identifiers in step with its state: attribute-derived ones (email, phone)
 * are replaced, declared ones accumulate, a deleted record holds none that match.
 */
export async function replaceIdentifiers(
  tx: TxContext,
  writes: SourceRecordWrite[],
  ids: Map<string, string>,
): Promise<void> {
  if (writes.length === 0) return;
  await tx.manager.query(
    `DELETE FROM identifier i
      USING unnest($1::uuid[], $2::boolean[]) AS w(id, deleted)
      WHERE i.source_record_id = w.id AND (w.deleted OR i.type = ANY($3::text[]))`,
    [writes.map((w) => ids.get(w.key)!), writes.map((w) => w.state.deleted), ATTRIBUTE_IDENTIFIERS],
  );
  const identifiers: { source_record_id: string; profile_id: string; type: string; value: string }[] = [];
  for (const write of writes) {
    if (write.state.deleted) continue;
    const base = { source_record_id: ids.get(write.key)!, profile_id: write.profileId };
    for (const type of ATTRIBUTE_IDENTIFIERS) {
      const value = write.state.attributes[type];
      if (typeof value === 'string') identifiers.push({ ...base, type, value });
    }
    for (const declared of write.records.flatMap((r) => r.identifiers)) {
      identifiers.push({ ...base, type: declared.type, value: declared.value });
    }
  }
  if (identifiers.length === 0) return;
  await tx.manager.query(
    `INSERT INTO identifier (source_record_id, profile_id, type, value)
     SELECT i.source_record_id, i.profile_id, i.type, i.value
       FROM jsonb_to_recordset($1::jsonb) AS i(source_record_id uuid, profile_id uuid, type text, value text)
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(identifiers)],
  );
}

/**
 * Records declared links ("this record is the same person as that one", e.g. a converted lead) and resolves
 * them in both directions: links of this batch to records that exist, and earlier links waiting for a record
 * this batch created.
 */
export async function storeLinks(tx: TxContext, writes: SourceRecordWrite[], ids: Map<string, string>): Promise<void> {
  const links = writes.flatMap((w) =>
    w.records.flatMap((r) =>
      r.links.map((l) => ({ from_id: ids.get(w.key)!, to_source: l.source, to_external_id: l.externalId })),
    ),
  );
  if (links.length > 0) {
    await tx.manager.query(
      `INSERT INTO source_record_link (from_source_record_id, to_source, to_external_id, to_source_record_id, kind)
       SELECT l.from_id, l.to_source, l.to_external_id, t.id, 'declared'
         FROM jsonb_to_recordset($1::jsonb) AS l(from_id uuid, to_source text, to_external_id text)
         LEFT JOIN source_record t ON t.source = l.to_source AND t.external_id = l.to_external_id
       ON CONFLICT (from_source_record_id, to_source, to_external_id)
          DO UPDATE SET to_source_record_id = coalesce(source_record_link.to_source_record_id, excluded.to_source_record_id)`,
      [JSON.stringify(links)],
    );
  }
  await tx.manager.query(
    `UPDATE source_record_link l SET to_source_record_id = s.id
       FROM source_record s
      WHERE s.id = ANY($1::uuid[]) AND l.to_source_record_id IS NULL
        AND l.to_source = s.source AND l.to_external_id = s.external_id`,
    [[...ids.values()]],
  );
}

/**
 * Replaces the blocking keys of the given source records (none for a deleted one): the index that finds
 * matching candidates among millions of profiles without comparing against them all.
 */
export async function replaceBlockingKeys(
  tx: TxContext,
  records: { id: string; profileId: string; deleted: boolean; keys: string[] }[],
): Promise<void> {
  if (records.length === 0) return;
  await tx.manager.query(`DELETE FROM blocking_key WHERE source_record_id = ANY($1::uuid[])`, [
    records.map((r) => r.id),
  ]);
  const rows = records.filter((r) => !r.deleted).flatMap((r) => r.keys.map((key) => [key, r.profileId, r.id]));
  if (rows.length === 0) return;
  await tx.manager.query(
    `INSERT INTO blocking_key (key, profile_id, source_record_id)
     SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[]) ON CONFLICT DO NOTHING`,
    [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
  );
}
