import type { TxContext } from '../../common/context';
import { jsonbRows } from '../../db/jsonb-rows';
import { TupleSet } from '../../db/tuple-set';
import { pgArray } from '../../db/pg-array';
import type { StatementChain } from '../../db/statement-chain';
import type { FlatAttributes } from '../../identity/golden-attributes';
import type { SourceRecordState } from '../apply-patch';
import type { CanonicalRecord } from '../canonical-record';
import { fieldTimes, storedFieldTimes } from './field-times';

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
  /**
   * The record was stored before this batch (loaded and row-locked by `loadSourceRecords`). A record that was
   * not cannot exist now either: every writer holds the record's advisory lock while it loads and writes it.
   */
  existed: boolean;
  /** The record as stored before this batch, when it `existed`. */
  stored?: StoredSourceRecord;
  record: CanonicalRecord;
  records: CanonicalRecord[];
  state: SourceRecordState;
  rawPayload: unknown;
  profileId: string;
  /** A value or the deleted flag changed; else only newer stamps are written (no golden refresh, no event). */
  changed: boolean;
}

/**
 * Loads and row-locks the batch's existing source records in one query: a probe of the (source, external id)
 * index per key. Written as a lateral look-up because a join let the planner hash the whole table instead: from
 * ~10,000 to ~60,000 stored records it judged one sequential scan cheaper than 5,000 probes, and took 130 ms
 * (the hash spilling to disk) where the probes take ~17.
 */
export async function loadSourceRecords(
  tx: TxContext,
  keys: { source: string; externalId: string }[],
): Promise<Map<string, StoredSourceRecord>> {
  const rows: Record<string, unknown>[] = await tx.manager.query(
    `SELECT s.id, s.source, s.external_id, s.profile_id, s.attributes, s.field_updated_at, s.field_sequence,
            s.deleted, s.delete_reason, s.source_updated_at, s.source_sequence::text AS source_sequence
       FROM unnest($1::text[], $2::text[]) AS k(source, external_id)
      CROSS JOIN LATERAL (
            SELECT * FROM source_record r
             WHERE r.source = k.source AND r.external_id = k.external_id
               FOR UPDATE) AS s`,
    [pgArray(keys.map((k) => k.source)), pgArray(keys.map((k) => k.externalId))],
  );
  return new Map(
    rows.map((r) => {
      const attributes = r.attributes as FlatAttributes;
      const sourceUpdatedAt = r.source_updated_at ? (r.source_updated_at as Date).toISOString() : null;
      return [
        recordKey(r.source as string, r.external_id as string),
        {
          id: r.id as string,
          profileId: r.profile_id as string,
          attributes,
          fieldUpdatedAt: fieldTimes(attributes, r.field_updated_at as Record<string, string>, sourceUpdatedAt),
          fieldSequence: r.field_sequence as Record<string, string>,
          deleted: r.deleted as boolean,
          deleteReason: (r.delete_reason as string | null) ?? null,
          sourceUpdatedAt,
          sourceSequence: (r.source_sequence as string | null) ?? null,
        },
      ];
    }),
  );
}

/** A source record's row as `upsertSourceRecords` sends it. */
const SOURCE_RECORD_ROWS = new TupleSet<SourceRecordWrite>({
  id: { type: 'uuid', value: (w) => w.id },
  existed: { type: 'boolean', value: (w) => w.existed },
  source: { type: 'text', value: (w) => w.record.source },
  external_id: { type: 'text', value: (w) => w.record.externalId },
  object_type: { type: 'text', value: (w) => w.record.objectType },
  profile_id: { type: 'uuid', value: (w) => w.profileId },
  attributes: { type: 'jsonb', value: (w) => w.state.attributes },
  field_updated_at: {
    type: 'jsonb',
    value: (w) => storedFieldTimes(w.state.attributes, w.state.fieldUpdatedAt, w.state.sourceUpdatedAt),
  },
  field_sequence: { type: 'jsonb', value: (w) => w.state.fieldSequence },
  raw_payload: { type: 'jsonb', value: (w) => w.rawPayload },
  deleted: { type: 'boolean', value: (w) => w.state.deleted },
  delete_reason: { type: 'text', value: (w) => w.state.deleteReason },
  source_updated_at: { type: 'timestamptz', value: (w) => w.state.sourceUpdatedAt },
  source_sequence: { type: 'numeric', value: (w) => w.state.sourceSequence },
  last_event_id: { type: 'text', value: (w) => w.record.eventId },
});

/**
 * Writes the source records in one statement sent on `chain`: new ones are inserted, stored ones updated in place
 * (a plain insert and an update by primary key, no speculative insertion), each under its write's `id` — a stored
 * record that went missing fails the statement's check.
 */
export async function upsertSourceRecords(writes: SourceRecordWrite[], chain: StatementChain): Promise<void> {
  if (writes.length === 0) return;
  await chain.send<{ written: number }[]>(
    `WITH r AS ${SOURCE_RECORD_ROWS.sql('$1')},
     inserted AS (
       INSERT INTO source_record (id, source, external_id, object_type, profile_id, attributes, field_updated_at,
                                  field_sequence, raw_payload, deleted, deleted_at, delete_reason, source_updated_at,
                                  source_sequence, last_event_id)
       SELECT r.id, r.source, r.external_id, r.object_type, r.profile_id, r.attributes, r.field_updated_at,
              r.field_sequence, r.raw_payload, r.deleted, CASE WHEN r.deleted THEN now() END, r.delete_reason,
              r.source_updated_at, r.source_sequence, r.last_event_id
         FROM r WHERE NOT r.existed
       RETURNING 1),
     updated AS (
       UPDATE source_record s
          SET attributes = r.attributes, field_updated_at = r.field_updated_at, field_sequence = r.field_sequence,
              raw_payload = r.raw_payload, object_type = r.object_type, profile_id = r.profile_id,
              deleted = r.deleted, deleted_at = CASE WHEN r.deleted THEN coalesce(s.deleted_at, now()) END,
              delete_reason = r.delete_reason, source_updated_at = r.source_updated_at,
              source_sequence = r.source_sequence, last_event_id = coalesce(r.last_event_id, s.last_event_id),
              version = s.version + (r.attributes IS DISTINCT FROM s.attributes OR r.deleted <> s.deleted)::int,
              updated_at = now()
         FROM r WHERE r.existed AND s.id = r.id
       RETURNING 1)
     SELECT ((SELECT count(*) FROM inserted) + (SELECT count(*) FROM updated))::int AS written`,
    [SOURCE_RECORD_ROWS.encode(writes)],
    // One count, not a row per record: only how many were written is checked.
    ([{ written }]: { written: number }[]) => {
      if (written !== writes.length) {
        throw new Error(`source records: wrote ${written} of ${writes.length} (a stored record went missing)`);
      }
    },
  );
}

/** Identifier types derived from attributes; they follow the attributes. Declared ones accumulate. */
const ATTRIBUTE_IDENTIFIERS = ['email', 'phone'] as const;

/**
 * Keeps each written source record's identifiers in step with its state: attribute-derived ones (email, phone)
 * are replaced, declared ones accumulate, a deleted record holds none that match. Records new in this batch
 * have nothing to replace: their identifiers are inserted plainly; only stored records' go through a delete and
 * an insert that skips what is already there.
 */
export async function replaceIdentifiers(
  writes: SourceRecordWrite[],
  ids: Map<string, string>,
  chain: StatementChain,
): Promise<void> {
  if (writes.length === 0) return;
  // A stored record that holds the same email and phone on the same profile, alive before and after, keeps its
  // rows: deleting and re-inserting them would change nothing. Its declared identifiers still accumulate.
  const kept = new Set(writes.filter(holdsSameContactPoints).map((w) => w.key));
  const stored = writes.filter((w) => w.existed && !kept.has(w.key));
  if (stored.length > 0) {
    await chain.send(
      `DELETE FROM identifier i
        USING unnest($1::uuid[], $2::boolean[]) AS w(id, deleted)
        WHERE i.source_record_id = w.id AND (w.deleted OR i.type = ANY($3::text[]))`,
      [pgArray(stored.map((w) => ids.get(w.key)!)), pgArray(stored.map((w) => w.state.deleted)), ATTRIBUTE_IDENTIFIERS],
    );
  }
  const fresh = { record: [] as string[], profile: [] as string[], type: [] as string[], value: [] as string[] };
  const again = { record: [] as string[], profile: [] as string[], type: [] as string[], value: [] as string[] };
  for (const write of writes) {
    if (write.state.deleted) continue;
    const into = write.existed ? again : fresh;
    const record = ids.get(write.key)!;
    const seen = new Set<string>();
    const add = (type: string, value: string) => {
      const key = `${type}\u0000${value}`;
      if (seen.has(key)) return;
      seen.add(key);
      into.record.push(record);
      into.profile.push(write.profileId);
      into.type.push(type);
      into.value.push(value);
    };
    if (!kept.has(write.key)) {
      for (const type of ATTRIBUTE_IDENTIFIERS) {
        const value = write.state.attributes[type];
        if (typeof value === 'string') add(type, value);
      }
    }
    for (const r of write.records) for (const declared of r.identifiers) add(declared.type, declared.value);
  }
  if (fresh.record.length === 0 && again.record.length === 0) return;
  await chain.send(
    `WITH fresh AS (
       INSERT INTO identifier (source_record_id, profile_id, type, value)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]))
     INSERT INTO identifier (source_record_id, profile_id, type, value)
     SELECT * FROM unnest($5::uuid[], $6::uuid[], $7::text[], $8::text[])
     ON CONFLICT DO NOTHING`,
    [fresh, again].flatMap((rows) => [rows.record, rows.profile, rows.type, rows.value].map(pgArray)),
  );
}

function holdsSameContactPoints(write: SourceRecordWrite): boolean {
  const before = write.stored;
  if (!before || before.deleted || write.state.deleted || before.profileId !== write.profileId) return false;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return ATTRIBUTE_IDENTIFIERS.every((type) => text(before.attributes[type]) === text(write.state.attributes[type]));
}

/**
 * Records declared links ("this record is the same person as that one", e.g. a converted lead) and resolves
 * them in both directions: links of this batch to records that exist, and earlier links waiting for a record
 * this batch created.
 */
export async function storeLinks(
  writes: SourceRecordWrite[],
  ids: Map<string, string>,
  chain: StatementChain,
): Promise<void> {
  // Only a record created now can have links waiting for it: one stored before had them resolved when it was
  // created (or when they were declared, by the join below).
  const created = writes.filter((w) => !w.existed).map((w) => ids.get(w.key)!);
  const links = writes.flatMap((w) =>
    w.records.flatMap((r) =>
      r.links.map((l) => ({ from_id: ids.get(w.key)!, to_source: l.source, to_external_id: l.externalId })),
    ),
  );
  if (links.length > 0) {
    await chain.send(
      `INSERT INTO source_record_link (from_source_record_id, to_source, to_external_id, to_source_record_id, kind)
       SELECT l.from_id, l.to_source, l.to_external_id, t.id, 'declared'
         FROM jsonb_to_recordset($1::jsonb) AS l(from_id uuid, to_source text, to_external_id text)
         LEFT JOIN source_record t ON t.source = l.to_source AND t.external_id = l.to_external_id
       ON CONFLICT (from_source_record_id, to_source, to_external_id)
          DO UPDATE SET to_source_record_id = coalesce(source_record_link.to_source_record_id, excluded.to_source_record_id)`,
      [jsonbRows(links)],
    );
  }
  if (created.length === 0) return;
  await chain.send(
    `UPDATE source_record_link l SET to_source_record_id = s.id
       FROM source_record s
      WHERE s.id = ANY($1::uuid[]) AND l.to_source_record_id IS NULL
        AND l.to_source = s.source AND l.to_external_id = s.external_id`,
    [pgArray(created)],
  );
}

/**
 * Replaces the blocking keys of the given source records (none for a deleted one): the index that finds
 * matching candidates among millions of profiles without comparing against them all. Only records stored before
 * this batch can have keys to remove; the new keys are inserted plainly (a record's keys are distinct, and it
 * holds none once its old ones are gone).
 */
export async function replaceBlockingKeys(
  records: { id: string; profileId: string; existed: boolean; deleted: boolean; keys: string[] }[],
  chain: StatementChain,
): Promise<void> {
  if (records.length === 0) return;
  const stored = records.filter((r) => r.existed);
  if (stored.length > 0) {
    await chain.send(`DELETE FROM blocking_key WHERE source_record_id = ANY($1::uuid[])`, [
      pgArray(stored.map((r) => r.id)),
    ]);
  }
  // Each record's ids are sent once and its keys point at them by position: a batch's ~26,000 keys belong to
  // ~5,000 records, and two uuid arrays as long as the keys were ~2 MB of parameters to build, send and parse.
  const recordIds: string[] = [];
  const profiles: string[] = [];
  const keys: string[] = [];
  const owners: number[] = [];
  for (const r of records) {
    if (r.deleted || r.keys.length === 0) continue;
    recordIds.push(r.id);
    profiles.push(r.profileId);
    for (const key of new Set(r.keys)) {
      keys.push(key);
      owners.push(recordIds.length);
    }
  }
  if (keys.length === 0) return;
  await chain.send(
    `INSERT INTO blocking_key (key, profile_id, source_record_id)
     SELECT k.key, r.profile_id, r.id
       FROM unnest($1::text[], $2::int[]) AS k(key, owner)
       JOIN unnest($3::uuid[], $4::uuid[]) WITH ORDINALITY AS r(id, profile_id, owner) ON r.owner = k.owner`,
    [pgArray(keys), pgArray(owners), pgArray(recordIds), pgArray(profiles)],
  );
}
