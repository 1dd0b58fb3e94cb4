import type { HubSettings, TxContext } from '../common/context';
import { SqlState } from '../common/hub-error';
import { newRowId } from '../common/row-id';
import { lockIngest, lockNames, MAX_INGEST_LOCK_NAMES } from '../db/advisory-locks';
import { pgArray } from '../db/pg-array';
import { StatementChain } from '../db/statement-chain';
import { applyMerges } from '../identity/merge/apply-merges';
import { fileMergeCandidates } from '../identity/merge/merge-candidates';
import { identityKeys, type IdentityKeys } from '../identity/resolution/identity-keys';
import { DEFAULT_IDENTITY, type IdentitySettings } from '../identity/resolution/identity-settings';
import {
  resolveIdentities,
  type DecidedSlice,
  type IdentityResolution,
} from '../identity/resolution/resolve-identities';
import { holdSuppressedRecords } from '../privacy/suppression';
import {
  goldenChangeEvent,
  prepareGoldenInserts,
  recordGoldenChanges,
  refreshGoldenProfiles,
  type GoldenChange,
} from '../identity/survivorship/refresh-golden-profiles';
import { sendChangeEvents, type NewChangeEvent } from '../feed/change-events';
import { applyPatch, type SourceRecordState } from './apply-patch';
import { validateCanonicalRecord, type CanonicalRecord } from './canonical-record';
import { recordDeadLetters, type Transport } from './dead-letters';
import {
  loadSourceRecords,
  recordKey,
  replaceBlockingKeys,
  replaceIdentifiers,
  storeLinks,
  upsertSourceRecords,
  type SourceRecordWrite,
  type StoredSourceRecord,
} from './store/source-records';
import { storeConsentStatements, storeEngagementEvents } from './store/timeline';

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
  | { index: number; status: 'REJECTED'; code: string; message: string; path: string; deadLetterId: string | null };

export interface IngestBatch {
  /** The source the caller ingests as; records may omit `source` then. */
  source?: string;
  records: unknown[];
  transport: Transport;
  /**
   * Default true: rejected records are stored as dead letters. A replay of dead letters passes false and
   * updates the letters it replays instead of filing new ones.
   */
  deadLetterRejections?: boolean;
  /**
   * Default true: the batch's transaction ends with one audit entry (`records.ingest`: counts, never values). A
   * replay of dead letters passes false and records one entry for the whole replay instead.
   */
  audited?: boolean;
  /** Records decided per slice of writes (default WRITE_SLICE); smaller in tests, to cross slices with few. */
  writeSlice?: number;
}

/** Most records one GraphQL or HTTP call may carry; bigger loads go through `profile-hub import`. */
export const MAX_BATCH = 1000;

/**
 * Records of a batch decided before their writes start (source records, identifiers, blocking keys and new golden
 * rows), while the next ones are decided: a batch of up to this many is written after it is fully decided, as one.
 */
export const WRITE_SLICE = 1000;

interface Pending {
  key: string;
  /** The records of the batch for this source record, in arrival order; `record` is the last. */
  record: CanonicalRecord;
  records: CanonicalRecord[];
  indexes: number[];
  raw: unknown;
  existing?: StoredSourceRecord;
  state?: SourceRecordState;
  /** A value or the deleted flag changed. */
  changed: boolean;
  /** Something must be written (values or only newer stamps). */
  touched: boolean;
}

/** Records validated per slice of `prepareRecords`, between two turns given to other work. */
const PREPARE_SLICE = 50;

/**
 * A batch's records as far as they can be read before the database is asked anything: validated and normalised
 * (accepted, or rejected with a coded reason), and for each source record its state and matching keys as if it
 * were new, which most records are — `ingestRecords` uses that guess only for a record that turns out new and
 * whose arrivals were all fresh. Pure, so a bulk import prepares the next batch while the one before commits;
 * done in slices of 50 records with a turn for other work between them, so that the batch in flight waits at most
 * one slice (~2 ms) for its next statement. The lists are the transaction's own: prepare again for a retry.
 */
export interface PreparedBatch {
  accepted: { index: number; record: CanonicalRecord }[];
  rejected: { index: number; code: string; message: string; path: string }[];
  guesses: Map<string, NewRecordGuess>;
}

/** A source record's state and keys if it is new and every arrival of it in the batch fresh. */
interface NewRecordGuess {
  /** The batch indexes of its arrivals, joined: the guess holds only if they are all fresh. */
  indexes: string;
  state: SourceRecordState;
  changed: boolean;
  touched: boolean;
  keys: IdentityKeys | null;
}

export async function prepareRecords(settings: HubSettings | undefined, batch: IngestBatch): Promise<PreparedBatch> {
  const accepted: PreparedBatch['accepted'] = [];
  const rejected: PreparedBatch['rejected'] = [];
  const receivedAt = new Date();
  const options = { phoneRegion: settings?.phoneRegion };
  for (let index = 0; index < batch.records.length; index++) {
    if (index > 0 && index % PREPARE_SLICE === 0) await nextTurn();
    const result = validateCanonicalRecord(batch.records[index], batch.source, receivedAt, options);
    if (result.ok) accepted.push({ index, record: result.record });
    else rejected.push({ index, code: result.code, message: result.message, path: result.path });
  }
  const blockedValues = (settings?.identity ?? DEFAULT_IDENTITY).guardrails.blockedValues;
  return { accepted, rejected, guesses: await guessNewRecords(accepted, blockedValues) };
}

/** Lets pending I/O callbacks and timers run before going on (a `setImmediate` turn). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The ingest pipeline for one batch, inside the caller's transaction, from its `prepared` records (validated and
 * normalised before the transaction): dead-letter the rejected ones with their raw payload, skip replays by event
 * id, patch source records field by field, resolve their profiles, store identifiers, links, consent statements
 * and engagement events, recompute the golden profiles that changed and append their change events — set-based,
 * a fixed number of statements per batch whatever its size.
 */
export async function ingestRecords(
  tx: TxContext,
  batch: IngestBatch,
  prepared: PreparedBatch,
): Promise<IngestOutcome[]> {
  const outcomes: IngestOutcome[] = new Array(batch.records.length);
  const { accepted, rejected, guesses } = prepared;
  // An erased person's records are held as dead letters (`SUPPRESSED`), never re-created: src/privacy/suppression.ts.
  await holdSuppressedRecords(tx, accepted, rejected);

  const deadLetterIds = await recordDeadLetters(
    tx,
    (batch.deadLetterRejections === false ? [] : rejected).map((r) => ({
      source: batch.source ?? sourceOf(batch.records[r.index]),
      transport: batch.transport,
      rawPayload: JSON.stringify(batch.records[r.index]) ?? 'null',
      recordIndex: r.index,
      code: r.code,
      message: r.message,
      path: r.path,
    })),
  );
  rejected.forEach(
    (r, i) => (outcomes[r.index] = { ...r, status: 'REJECTED', deadLetterId: deadLetterIds[i] ?? null }),
  );
  if (accepted.length === 0) return outcomes;
  const identity = tx.settings?.identity ?? DEFAULT_IDENTITY;

  const fresh = await claimEventIds(tx, accepted);
  const pending = pendingRecords(batch, accepted, fresh, outcomes);
  if (pending.size === 0) return outcomes;
  const entries = [...pending.values()];

  // A batch with more names than the lock table should hold takes the ingest lock exclusively and locks none.
  // Counted, not built, as far as that decides: a bulk import's batch has more records alone.
  let names = entries.length;
  for (const e of entries) names += e.record.links.length;
  if (names <= MAX_INGEST_LOCK_NAMES) names += keyNames(guesses.values(), MAX_INGEST_LOCK_NAMES - names + 1).size;
  const locksAll = await lockIngest(tx, names);
  if (!locksAll) {
    await lockNames(
      tx,
      entries.flatMap((e) => [
        `record:${e.key}`,
        ...e.record.links.map((l) => `record:${recordKey(l.source, l.externalId)}`),
      ]),
    );
  }
  const stored = await loadSourceRecords(
    tx,
    entries.map((e) => e.record),
  );
  const keysOf = patchEntries(entries, stored, guesses, identity.guardrails.blockedValues);
  // Every key matching will look up, locked in one global order: concurrent writers that could see the same
  // person queue up here, so one person never gets two profiles.
  if (!locksAll) await lockNames(tx, keyNames([...keysOf.values()].map((keys) => ({ keys }))));

  // Each record is written under its id: the stored one's, or one chosen now.
  const recordIds = new Map(entries.map((e) => [e.key, e.existing?.id ?? newRowId()]));
  const entryOf = new Map(entries.map((e) => [e.key, e]));
  const writeOf = (e: Pending, profileId: string): SourceRecordWrite => ({
    key: e.key,
    id: recordIds.get(e.key)!,
    existed: e.existing !== undefined,
    stored: e.existing,
    record: e.record,
    records: e.records,
    state: e.state!,
    rawPayload: e.raw,
    profileId,
    changed: e.changed || !e.existing,
  });
  /**
   * A stored record whose blocking keys come out as before, on the same profile, alive before and after, keeps
   * its key rows: replacing them would change nothing (an update of a job title, a score, a custom field).
   */
  const holdsSameBlockingKeys = (write: SourceRecordWrite): boolean => {
    const before = write.stored;
    if (!before || before.deleted || write.state.deleted || before.profileId !== write.profileId) return false;
    const now = keysOf.get(write.key)?.blockingKeys ?? [];
    const then = identityKeys(before.attributes, [], identity.guardrails.blockedValues).blockingKeys;
    if (now.length !== then.length) return false;
    const held = new Set(then);
    return now.every((key) => held.has(key));
  };

  // The writes go out on one chain (db/statement-chain.ts): each statement's parameters are built while
  // PostgreSQL runs the one before. A big batch is written slice by slice while matching decides the next slice
  // (see `flushSlice`), so Node.js and PostgreSQL work at the same time.
  const chain = new StatementChain(tx);
  const locked = new Set<string>();
  /** Profiles created by an earlier slice that a later one added records to: their golden row is recomputed. */
  const grown = new Set<string>();
  /** New profiles' golden changes, whose events the slices appended on the chain. */
  const announced: GoldenChange[] = [];
  const flushSlice = async (slice: DecidedSlice): Promise<void> => {
    const writes = slice.requests.map((r) => writeOf(entryOf.get(r.key)!, slice.profileIds.get(r.key)!));
    for (const id of slice.extended) grown.add(id);
    // New profiles of this slice hold only its records: their golden row is written once, complete, first.
    const created = new Map<string, SourceRecordWrite[]>();
    for (const w of writes) {
      if (!slice.created.has(w.profileId)) continue;
      const records = created.get(w.profileId);
      if (records) records.push(w);
      else created.set(w.profileId, [w]);
    }
    // The new golden rows are computed (and their parameter built) while the slice before is still being written;
    // only then is the lock sent, and the rows right after it.
    const goldenInserts = prepareGoldenInserts(
      tx,
      [...created].map(([id, records]) => ({
        id,
        records: records.map((w) => ({
          id: w.id,
          source: w.record.source,
          externalId: w.record.externalId,
          ...w.state,
        })),
      })),
    );
    await lockLiveProfiles([...slice.existing], locked, chain);
    const createdChanges = await goldenInserts.send(chain);
    await upsertSourceRecords(
      writes.filter((w) => entryOf.get(w.key)!.touched),
      chain,
    );
    await replaceIdentifiers(
      writes.filter((w) => w.changed || w.records.some((r) => r.identifiers.length > 0)),
      recordIds,
      chain,
    );
    await replaceBlockingKeys(
      writes
        .filter((w) => w.changed && !holdsSameBlockingKeys(w))
        .map((w) => ({
          id: w.id,
          profileId: w.profileId,
          existed: w.existed,
          deleted: w.state.deleted,
          keys: keysOf.get(w.key)?.blockingKeys ?? [],
        })),
      chain,
    );
    // The new profiles' events go out now too, the first of the batch's events as they would be anyway.
    const origin = originSources(writes);
    await sendChangeEvents(
      tx,
      createdChanges.map((c) => goldenChangeEvent(c, origin.get(c.profileId) ?? null)),
      chain,
    );
    announced.push(...createdChanges);
  };

  let resolution: IdentityResolution;
  let mergeEvents: NewChangeEvent[] = [];
  let writes: SourceRecordWrite[];
  try {
    resolution = await resolveIdentities(
      tx,
      entries.map((e) => ({
        key: e.key,
        source: e.record.source,
        externalId: e.record.externalId,
        objectType: e.record.objectType,
        currentProfileId: e.existing?.profileId ?? null,
        keys: keysOf.get(e.key) ?? null,
        links: e.records.flatMap((r) => r.links),
        rematch: !e.existing || e.changed,
      })),
      identity,
      { sliceSize: batch.writeSlice ?? WRITE_SLICE, flush: flushSlice },
    );
    // Every record is written; from here on each stands on its profile as the whole batch decided it.
    writes = entries.map((e) => writeOf(e, resolution.profileIds.get(e.key)!));
    if (resolution.merges.length > 0) {
      await lockLiveProfiles(
        resolution.merges.flatMap((m) => [m.survivorId, ...m.absorbedIds]),
        locked,
        chain,
      );
      await chain.idle();
      mergeEvents = await applyMerges(
        tx,
        resolution.merges.map((m) => ({
          survivorId: m.survivorId,
          absorbedIds: m.absorbedIds,
          trigger: m.trigger,
          actor: tx.actor,
          score: m.evidence.map((e) => e.score).find((score) => score !== undefined) ?? null,
          evidence: m.evidence,
        })),
      );
    }
    await storeLinks(writes, recordIds, chain);
    await storeEngagementEvents(writes, recordIds, chain);
    await chain.idle();
  } finally {
    // On a failure in Node.js between two statements: nothing may be sent over the one still running.
    await chain.settle();
  }
  tx.afterCommit(() => tx.metrics?.recordMatches(resolution.bands));
  const consentEvents = await storeConsentStatements(tx, writes, recordIds);

  // Survivorship re-runs for every profile a record of the batch touched, not only changed: a restatement of a
  // value at a later time moves its per-field time, which can settle a tie (and close a conflict) — the golden
  // profile must not depend on whether the restatement arrived before or after the first statement.
  const touched = [
    ...new Set([
      ...writes.filter((w) => entryOf.get(w.key)!.touched || w.changed).map((w) => w.profileId),
      ...resolution.merges.map((m) => m.survivorId),
    ]),
  ].filter((id) => !resolution.createdProfileIds.has(id) || grown.has(id));
  const goldenChanges = await refreshGoldenProfiles(tx, touched);
  const originByProfile = originSources(writes);
  const candidateEvents = await fileMergeCandidates(
    tx,
    resolution.candidates.map((c) => ({
      profileAId: c.profileIds[0],
      profileBId: c.profileIds[1],
      sourceRecordId: recordIds.get(c.sourceRecordKey) ?? null,
      score: c.score,
      band: c.band,
      reason: c.reason,
      evidence: c.evidence,
    })),
  );
  // Engagement alone changes no golden value but can move a profile into a segment.
  const engaged = writes.filter((w) => w.records.some((r) => r.events.length > 0)).map((w) => w.profileId);
  await recordGoldenChanges(
    tx,
    goldenChanges,
    (profileId) => originByProfile.get(profileId) ?? null,
    [...mergeEvents, ...consentEvents, ...candidateEvents],
    engaged,
    announced,
    unengagedProfiles(resolution, engaged),
  );

  recordOutcomes(entries, outcomes, recordIds, resolution.profileIds);
  return outcomes;
}

// The loops over a batch's records live in functions of their own, apart from `ingestRecords`: V8 compiles a
// loop that runs hot together with the function holding it (on-stack replacement), and `ingestRecords` is large —
// it was compiled anew about every other batch, at ~100 ms of TurboFan each time.

/**
 * The profiles this batch created that hold no engagement event: none of their records brought one and none took
 * part in a merge (which moves events). Records stored before keep their profile, so a new profile holds only the
 * batch's records.
 */
function unengagedProfiles(resolution: IdentityResolution, engaged: readonly string[]): Set<string> {
  const unengaged = new Set(resolution.createdProfileIds);
  for (const id of engaged) unengaged.delete(id);
  for (const merge of resolution.merges) {
    unengaged.delete(merge.survivorId);
    for (const id of merge.absorbedIds) unengaged.delete(id);
  }
  return unengaged;
}

/** The accepted records not replayed, grouped by source record in batch order; replays get their outcome. */
function pendingRecords(
  batch: IngestBatch,
  accepted: PreparedBatch['accepted'],
  fresh: Set<number>,
  outcomes: IngestOutcome[],
): Map<string, Pending> {
  const pending = new Map<string, Pending>();
  for (const { index, record } of accepted) {
    if (!fresh.has(index)) {
      outcomes[index] = { index, status: 'DUPLICATE', ...ids(record), sourceRecordId: null, profileId: null };
      continue;
    }
    const key = recordKey(record.source, record.externalId);
    const entry = pending.get(key) ?? {
      key,
      record,
      records: [],
      indexes: [],
      raw: null,
      changed: false,
      touched: false,
    };
    entry.record = record;
    entry.records.push(record);
    entry.indexes.push(index);
    entry.raw = batch.records[index];
    pending.set(key, entry);
  }
  return pending;
}

/** Each written record's outcome, at the indexes of the batch that carried it. */
function recordOutcomes(
  entries: Pending[],
  outcomes: IngestOutcome[],
  recordIds: Map<string, string>,
  profileIds: Map<string, string>,
): void {
  for (const entry of entries) {
    const status = !entry.existing ? 'CREATED' : entry.changed ? 'UPDATED' : 'UNCHANGED';
    for (const index of entry.indexes) {
      outcomes[index] = {
        index,
        status,
        ...ids(entry.record),
        sourceRecordId: recordIds.get(entry.key) ?? null,
        profileId: profileIds.get(entry.key) ?? null,
      };
    }
  }
}

/**
 * Each record's new state, patched onto its stored one — or the state guessed before the transaction when the
 * record turned out new — and the matching keys of that state.
 */
function patchEntries(
  entries: Pending[],
  stored: Map<string, StoredSourceRecord>,
  guesses: PreparedBatch['guesses'],
  blockedValues: IdentitySettings['guardrails']['blockedValues'],
): Map<string, IdentityKeys | null> {
  const keysOf = new Map<string, IdentityKeys | null>();
  for (const entry of entries) {
    entry.existing = stored.get(entry.key);
    const guess = entry.existing ? undefined : guesses.get(entry.key);
    if (guess && guess.indexes === entry.indexes.join(',')) {
      Object.assign(entry, { state: guess.state, changed: guess.changed, touched: guess.touched });
      keysOf.set(entry.key, guess.keys);
      continue;
    }
    const patched = patchRecords(entry.existing, entry.records);
    Object.assign(entry, patched);
    keysOf.set(entry.key, keysOfState(patched.state, entry.records, blockedValues));
  }
  return keysOf;
}

/**
 * Locks the existing profiles a slice writes to (those not locked yet), in id order, on `chain`. The lock makes a
 * concurrent merge of these profiles wait for this batch. One that a concurrent writer merged away since matching
 * read it fails the batch with a serialisation failure, which `ingestBatch` retries whole — so no record is ever
 * attached to a tombstone, and the retry matches against the profiles as they are now.
 */
async function lockLiveProfiles(ids: string[], locked: Set<string>, chain: StatementChain): Promise<void> {
  const wanted = [...new Set(ids)].filter((id) => !locked.has(id));
  if (wanted.length === 0) return;
  for (const id of wanted) locked.add(id);
  await chain.send<{ id: string; status: string }[]>(
    `SELECT id, status FROM golden_profile WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
    [pgArray(wanted)],
    (rows) => {
      if (rows.some((r) => r.status !== 'active')) {
        throw Object.assign(new Error('a profile this batch matched was merged meanwhile; the batch is retried'), {
          code: SqlState.SerializationFailure,
        });
      }
    },
  );
}

/** Per profile, the source of the last changed record the batch wrote to it: its change events' origin. */
function originSources(writes: SourceRecordWrite[]): Map<string, string> {
  return new Map(writes.filter((w) => w.changed).map((w) => [w.profileId, w.record.source]));
}

const ids = (record: CanonicalRecord) => ({ source: record.source, externalId: record.externalId });

/** The lock names of the identifiers and blocking keys matching will look up: all, or the first `enough`. */
function keyNames(records: Iterable<{ keys: IdentityKeys | null }>, enough = Infinity): Set<string> {
  const names = new Set<string>();
  for (const { keys } of records) {
    if (!keys) continue;
    for (const i of keys.contactPoints) names.add(`identifier:${i.type}:${i.value}`);
    for (const i of keys.declared) names.add(`identifier:${i.type}:${i.value}`);
    for (const key of keys.blockingKeys) names.add(`block:${key}`);
    if (names.size >= enough) break;
  }
  return names;
}

/** A record's new state after the batch's arrivals for it, in order. */
function patchRecords(
  existing: SourceRecordState | undefined,
  records: CanonicalRecord[],
): { state: SourceRecordState; changed: boolean; touched: boolean } {
  let state = existing;
  let changed = false;
  let touched = false;
  for (const record of records) {
    const outcome = applyPatch(state, record);
    changed ||= outcome.changed;
    touched ||= outcome.touched;
    state = outcome.state;
  }
  return { state: state!, changed, touched };
}

/** Matching keys of a record's state; none for a tombstone. */
function keysOfState(
  state: SourceRecordState,
  records: CanonicalRecord[],
  blockedValues: readonly string[],
): IdentityKeys | null {
  if (state.deleted) return null;
  return identityKeys(
    state.attributes,
    records.flatMap((r) => r.identifiers),
    blockedValues,
  );
}

/** For every record key of the batch: its state and keys if it were new and every arrival fresh. */
async function guessNewRecords(
  accepted: { index: number; record: CanonicalRecord }[],
  blockedValues: readonly string[],
): Promise<Map<string, NewRecordGuess>> {
  const grouped = new Map<string, { indexes: number[]; records: CanonicalRecord[] }>();
  for (const { index, record } of accepted) {
    const key = recordKey(record.source, record.externalId);
    const group = grouped.get(key);
    if (group) {
      group.indexes.push(index);
      group.records.push(record);
    } else grouped.set(key, { indexes: [index], records: [record] });
  }
  const guesses = new Map<string, NewRecordGuess>();
  for (const [key, { indexes, records }] of grouped) {
    if (guesses.size > 0 && guesses.size % PREPARE_SLICE === 0) await nextTurn();
    const patched = patchRecords(undefined, records);
    guesses.set(key, {
      indexes: indexes.join(','),
      ...patched,
      keys: keysOfState(patched.state, records, blockedValues),
    });
  }
  return guesses;
}

function sourceOf(raw: unknown): string | null {
  const source = (raw as { source?: unknown } | null)?.source;
  return typeof source === 'string' ? source.slice(0, 63) : null;
}

/** Claims each record's event id; a record whose event id was seen before is a replay. */
async function claimEventIds(
  tx: TxContext,
  accepted: { index: number; record: CanonicalRecord }[],
): Promise<Set<number>> {
  const fresh = new Set(accepted.filter((a) => !a.record.eventId).map((a) => a.index));
  const keyed = accepted.filter((a) => a.record.eventId);
  if (keyed.length === 0) return fresh;
  const claimed: { source: string; event_id: string }[] = await tx.manager.query(
    `INSERT INTO processed_event (source, event_id)
     SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING RETURNING source, event_id`,
    [pgArray(keyed.map((a) => a.record.source)), pgArray(keyed.map((a) => a.record.eventId))],
  );
  const claimedKeys = new Set(claimed.map((c) => recordKey(c.source, c.event_id)));
  for (const { index, record } of keyed) {
    // Only the first record of a batch with a given event id counts; later copies are replays too.
    if (claimedKeys.delete(recordKey(record.source, record.eventId!))) fresh.add(index);
  }
  return fresh;
}
