import type { TxContext } from '../common/context';
import { lockNames } from '../db/advisory-locks';
import { appendChangeEvents } from '../feed/change-events';
import { resolveProfiles } from '../identity/matching/resolve-profiles';
import { goldenChangeEvent, refreshGoldenProfiles } from '../identity/survivorship/refresh-golden-profiles';
import { applyPatch, type SourceRecordState } from './apply-patch';
import { validateCanonicalRecord, type CanonicalRecord } from './canonical-record';
import { recordDeadLetters, type Transport } from './dead-letters';

/** What happened to one record of a batch, in the order the records came. */
export type IngestOutcome =
  | {
      index: number;
      status: 'CREATED' | 'UPDATED' | 'UNCHANGED' | 'DUPLICATE';
      source: string;
      externalId: string;
      sourceRecordId: string | null;
      profileId: string | null;
    }
  | { index: number; status: 'REJECTED'; code: string; message: string; path: string; deadLetterId: string };

export interface IngestBatch {
  /** The source the caller ingests as; records may omit `source` then. */
  source?: string;
  records: unknown[];
  transport: Transport;
}

/** Most records one call may carry; bigger loads go through `profile-hub import`. */
export const MAX_BATCH = 1000;

interface Stored extends SourceRecordState {
  id: string;
  profileId: string;
}

interface Pending {
  key: string;
  /** The last record of the batch for this key; `records` holds all of them in arrival order. */
  record: CanonicalRecord;
  records: CanonicalRecord[];
  indexes: number[];
  existing?: Stored;
  state?: SourceRecordState;
  changed: boolean;
  raw: unknown[];
}

const keyOf = (source: string, externalId: string) => `${source}\u0000${externalId}`;

/**
 * The ingest pipeline for one batch, inside the caller's transaction: validate and normalise each record,
 * dead-letter the rejected ones with their raw payload, skip replays by event id, patch source records
 * field by field, resolve their profiles, recompute the golden profiles that changed and append one change
 * event per changed profile — all set-based, a fixed number of statements per batch.
 */
export async function ingestRecords(tx: TxContext, batch: IngestBatch): Promise<IngestOutcome[]> {
  const outcomes: IngestOutcome[] = new Array(batch.records.length);
  const accepted: { index: number; record: CanonicalRecord }[] = [];
  const rejected: { index: number; code: string; message: string; path: string }[] = [];
  const receivedAt = new Date();
  batch.records.forEach((raw, index) => {
    const result = validateCanonicalRecord(raw, batch.source, receivedAt);
    if (result.ok) accepted.push({ index, record: result.record });
    else rejected.push({ index, code: result.code, message: result.message, path: result.path });
  });

  const deadLetterIds = await recordDeadLetters(
    tx,
    rejected.map((r) => ({
      source: batch.source ?? null,
      transport: batch.transport,
      rawPayload: JSON.stringify(batch.records[r.index]) ?? 'null',
      recordIndex: r.index,
      code: r.code,
      message: r.message,
      path: r.path,
    })),
  );
  rejected.forEach((r, i) => (outcomes[r.index] = { ...r, status: 'REJECTED', deadLetterId: deadLetterIds[i] }));
  if (accepted.length === 0) return outcomes;

  const fresh = await skipReplays(tx, accepted);
  for (const { index, record } of accepted) {
    if (!fresh.has(index)) outcomes[index] = duplicate(index, record);
  }

  // Records for one source record in one batch fold into one write, applied in arrival order.
  const pending = new Map<string, Pending>();
  for (const { index, record } of accepted.filter((a) => fresh.has(a.index))) {
    const key = keyOf(record.source, record.externalId);
    const entry = pending.get(key) ?? { key, record, records: [], indexes: [], changed: false, raw: [] };
    entry.indexes.push(index);
    entry.records.push(record);
    entry.raw.push(batch.records[index]);
    entry.record = record;
    pending.set(key, entry);
  }
  if (pending.size === 0) return outcomes;

  const entries = [...pending.values()];
  await lockNames(
    tx,
    entries.map((e) => `record:${e.key}`),
  );
  const stored = await loadSourceRecords(tx, entries);

  const emails = new Set<string>();
  for (const entry of entries) {
    entry.existing = stored.get(entry.key);
    let state: SourceRecordState | undefined = entry.existing;
    for (const record of entry.records) {
      const outcome = applyPatch(state, record);
      entry.changed ||= outcome.changed;
      state = outcome.state;
    }
    entry.state = state;
    const email = state!.attributes.email;
    if (typeof email === 'string') emails.add(email);
  }
  await lockNames(
    tx,
    [...emails].map((email) => `identifier:email:${email}`),
  );

  const resolution = await resolveProfiles(
    tx,
    entries.map((e) => ({
      key: e.key,
      currentProfileId: e.existing?.profileId ?? null,
      email: typeof e.state!.attributes.email === 'string' ? (e.state!.attributes.email as string) : null,
    })),
  );
  if (resolution.createdProfileIds.size > 0) {
    await tx.manager.query('INSERT INTO golden_profile (id) SELECT unnest($1::uuid[])', [
      [...resolution.createdProfileIds],
    ]);
  }

  const written = entries.filter((e) => e.changed || !e.existing);
  const ids = await upsertSourceRecords(tx, written, resolution.profileIds);
  await replaceIdentifiers(tx, written, ids, resolution.profileIds);

  const touched = [...new Set(written.map((e) => resolution.profileIds.get(e.key)!))];
  const changes = await refreshGoldenProfiles(tx, touched, resolution.createdProfileIds);
  const originByProfile = new Map(written.map((e) => [resolution.profileIds.get(e.key)!, e.record.source]));
  const events = await appendChangeEvents(
    tx,
    changes.map((c) => goldenChangeEvent(c, originByProfile.get(c.profileId) ?? null)),
  );
  tx.afterCommit(() => {
    events.forEach((event, i) =>
      tx.notifier.profileChanged({
        eventId: event.id,
        type: event.type,
        profileId: changes[i].profileId,
        version: changes[i].version,
        changedFields: changes[i].changedFields,
        occurredAt: event.occurredAt,
      }),
    );
  });

  for (const entry of entries) {
    const status = !entry.existing ? 'CREATED' : entry.changed ? 'UPDATED' : 'UNCHANGED';
    for (const index of entry.indexes) {
      outcomes[index] = {
        index,
        status,
        source: entry.record.source,
        externalId: entry.record.externalId,
        sourceRecordId: ids.get(entry.key) ?? entry.existing?.id ?? null,
        profileId: resolution.profileIds.get(entry.key) ?? null,
      };
    }
  }
  return outcomes;
}

function duplicate(index: number, record: CanonicalRecord): IngestOutcome {
  return {
    index,
    status: 'DUPLICATE',
    source: record.source,
    externalId: record.externalId,
    sourceRecordId: null,
    profileId: null,
  };
}

/** Claims each record's event id; a record whose event id was seen before is a replay. */
async function skipReplays(
  tx: TxContext,
  accepted: { index: number; record: CanonicalRecord }[],
): Promise<Set<number>> {
  const fresh = new Set(accepted.filter((a) => !a.record.eventId).map((a) => a.index));
  const keyed = accepted.filter((a) => a.record.eventId);
  if (keyed.length === 0) return fresh;
  const claimed: { source: string; event_id: string }[] = await tx.manager.query(
    `INSERT INTO processed_event (source, event_id)
     SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING RETURNING source, event_id`,
    [keyed.map((a) => a.record.source), keyed.map((a) => a.record.eventId)],
  );
  const claimedKeys = new Set(claimed.map((c) => keyOf(c.source, c.event_id)));
  for (const { index, record } of keyed) {
    const key = keyOf(record.source, record.eventId!);
    // Only the first record of a batch with a given event id counts; later copies are replays too.
    if (claimedKeys.delete(key)) fresh.add(index);
  }
  return fresh;
}

async function loadSourceRecords(tx: TxContext, entries: Pending[]): Promise<Map<string, Stored>> {
  const rows: Record<string, unknown>[] = await tx.manager.query(
    `SELECT s.id, s.source, s.external_id, s.profile_id, s.attributes, s.field_updated_at, s.deleted, s.source_updated_at
       FROM source_record s
       JOIN unnest($1::text[], $2::text[]) AS k(source, external_id)
         ON s.source = k.source AND s.external_id = k.external_id
        FOR UPDATE OF s`,
    [entries.map((e) => e.record.source), entries.map((e) => e.record.externalId)],
  );
  return new Map(
    rows.map((r) => [
      keyOf(r.source as string, r.external_id as string),
      {
        id: r.id as string,
        profileId: r.profile_id as string,
        attributes: r.attributes as Stored['attributes'],
        fieldUpdatedAt: r.field_updated_at as Record<string, string>,
        deleted: r.deleted as boolean,
        sourceUpdatedAt: r.source_updated_at ? (r.source_updated_at as Date).toISOString() : null,
      },
    ]),
  );
}

async function upsertSourceRecords(
  tx: TxContext,
  entries: Pending[],
  profileIds: Map<string, string>,
): Promise<Map<string, string>> {
  if (entries.length === 0) return new Map();
  const rows: { id: string; source: string; external_id: string }[] = await tx.manager.query(
    `INSERT INTO source_record AS s (source, external_id, object_type, profile_id, attributes, field_updated_at,
                                     raw_payload, deleted, deleted_at, source_updated_at, last_event_id)
     SELECT r.source, r.external_id, r.object_type, r.profile_id, r.attributes, r.field_updated_at,
            r.raw_payload, r.deleted, CASE WHEN r.deleted THEN now() END, r.source_updated_at, r.last_event_id
       FROM jsonb_to_recordset($1::jsonb) AS r(source text, external_id text, object_type text, profile_id uuid,
            attributes jsonb, field_updated_at jsonb, raw_payload jsonb, deleted boolean,
            source_updated_at timestamptz, last_event_id text)
     ON CONFLICT (source, external_id) DO UPDATE
        SET attributes = excluded.attributes, field_updated_at = excluded.field_updated_at,
            raw_payload = excluded.raw_payload, object_type = excluded.object_type,
            deleted = excluded.deleted,
            deleted_at = CASE WHEN excluded.deleted THEN coalesce(s.deleted_at, now()) END,
            source_updated_at = excluded.source_updated_at,
            last_event_id = coalesce(excluded.last_event_id, s.last_event_id),
            version = s.version + 1, updated_at = now()
     RETURNING id, source, external_id`,
    [
      JSON.stringify(
        entries.map((e) => ({
          source: e.record.source,
          external_id: e.record.externalId,
          object_type: e.record.objectType,
          profile_id: profileIds.get(e.key),
          attributes: e.state!.attributes,
          field_updated_at: e.state!.fieldUpdatedAt,
          raw_payload: e.raw[e.raw.length - 1],
          deleted: e.state!.deleted,
          source_updated_at: e.state!.sourceUpdatedAt,
          last_event_id: e.record.eventId ?? null,
        })),
      ),
    ],
  );
  return new Map(rows.map((r) => [keyOf(r.source, r.external_id), r.id]));
}

/**
 * Keeps each written source record's identifiers in step with its attributes: attribute-derived ones (email)
 * are replaced, declared ones accumulate.
 */
async function replaceIdentifiers(
  tx: TxContext,
  entries: Pending[],
  ids: Map<string, string>,
  profileIds: Map<string, string>,
): Promise<void> {
  if (entries.length === 0) return;
  const recordIds = entries.map((e) => ids.get(e.key)!);
  await tx.manager.query(`DELETE FROM identifier WHERE source_record_id = ANY($1::uuid[]) AND type = 'email'`, [
    recordIds,
  ]);
  const identifiers: { source_record_id: string; profile_id: string; type: string; value: string }[] = [];
  for (const entry of entries) {
    if (entry.state!.deleted) continue;
    const base = { source_record_id: ids.get(entry.key)!, profile_id: profileIds.get(entry.key)! };
    const email = entry.state!.attributes.email;
    if (typeof email === 'string') identifiers.push({ ...base, type: 'email', value: email });
    for (const declared of entry.records.flatMap((r) => r.identifiers))
      identifiers.push({ ...base, type: declared.type, value: declared.value });
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
