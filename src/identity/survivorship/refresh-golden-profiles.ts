import { sortStrings } from '../../common/sort-strings';
import type { TxContext } from '../../common/context';
import { TupleSet, type TupleColumn } from '../../db/tuple-set';
import { StatementChain } from '../../db/statement-chain';
import { appendChangeEvents, type NewChangeEvent } from '../../feed/change-events';
import { sameValue } from '../../ingest/apply-patch';
import { fieldTimes } from '../../ingest/store/field-times';
import {
  CORE_ATTRIBUTES,
  CORE_COLUMNS,
  GOLDEN_ATTRIBUTE_COLUMNS,
  goldenRowAttributes,
  type FlatAttributes,
} from '../golden-attributes';
import { computeGolden, type GoldenValues, type Pin, type SurvivorshipInput } from './compute-golden';
import { DEFAULT_SCORING, rescoreProfiles, scoresOnlyEngagement } from '../../segments/lead-scoring';
import { updateMemberships } from '../../segments/membership';
import { loadPins, syncConflicts } from './conflicts';
import { storeLineage } from './stored-lineage';
import { DEFAULT_SURVIVORSHIP, slotOf, type SurvivorshipSettings } from './survivorship-rules';

export interface GoldenChange {
  profileId: string;
  version: number;
  created: boolean;
  changedFields: string[];
  /** The new golden value of each changed field; `null` where the field was cleared. */
  values: FlatAttributes;
  /**
   * Changed fields with an open conflict: their value is the rules' provisional choice, so sync does not write
   * it back into the systems until a steward (or the sources) settle it.
   */
  inConflict?: string[];
}

/** An object's keys in sorted order (golden values' keys nearly always come sorted: `sortStrings` checks first). */
function sortedKeys(values: object): string[] {
  const keys = Object.keys(values);
  sortStrings(keys);
  return keys;
}

/** The values of `fields`, `null` for a cleared one (a loop: one object per change, no pairs array). */
function valuesOf(fields: string[], attributes: FlatAttributes): FlatAttributes {
  const values: FlatAttributes = {};
  for (const field of fields) values[field] = attributes[field] ?? null;
  return values;
}

interface GoldenRow {
  id: string;
  version: number;
  custom: Record<string, unknown>;
  [column: string]: unknown;
}

const COLUMNS = CORE_ATTRIBUTES.map((f) => CORE_COLUMNS[f]);

const survivorship = (tx: TxContext) => tx.settings?.survivorship ?? DEFAULT_SURVIVORSHIP;

/** A `golden_profile` row to write: its id, version and golden values (and, for the refresh, whether they changed). */
interface GoldenRowWrite {
  id: string;
  version: number;
  golden: GoldenValues;
  /** The values came out as stored: only a lineage that differs is written. */
  sameValues?: boolean;
}

function customOf(attributes: FlatAttributes): Record<string, unknown> {
  const custom: Record<string, unknown> = {};
  for (const field in attributes) if (field.startsWith('custom.')) custom[field.slice(7)] = attributes[field];
  return custom;
}

const GOLDEN_COLUMNS: Record<string, TupleColumn<GoldenRowWrite>> = {
  id: { type: 'uuid', value: (r) => r.id },
  version: { type: 'int', value: (r) => r.version },
  lineage: { type: 'jsonb', value: (r) => storeLineage(r.golden.lineage) },
  custom: { type: 'jsonb', value: (r) => customOf(r.golden.attributes) },
  ...Object.fromEntries(
    CORE_ATTRIBUTES.map((field): [string, TupleColumn<GoldenRowWrite>] => [
      CORE_COLUMNS[field],
      { type: CORE_COLUMNS[field] === 'birth_date' ? 'date' : 'text', value: (r) => r.golden.attributes[field] },
    ]),
  ),
};
/** New golden rows, as `prepareGoldenInserts` sends them. */
const GOLDEN_INSERTS = new TupleSet(GOLDEN_COLUMNS);
/** Recomputed golden rows, as `refreshGoldenProfiles` sends them. */
const GOLDEN_UPDATES = new TupleSet<GoldenRowWrite>({
  ...GOLDEN_COLUMNS,
  same_values: { type: 'boolean', value: (r) => r.sameValues === true },
});

/** New golden rows per INSERT: each slice's golden values are computed while the slice before is written. */
const INSERT_SLICE = 1000;

/**
 * The first golden row of profiles created by this batch, values included: their source records are all in the
 * batch, so survivorship needs no read. The first 1,000 rows' values and parameter are built here, at once, so
 * that a caller can build them while the statement before is still running; `send` writes them, a statement per
 * 1,000 sent on `chain`, each slice's values computed while the slice before is written (it returns once the last
 * is sent).
 */
export function prepareGoldenInserts(
  tx: TxContext,
  profiles: { id: string; records: SurvivorshipInput[] }[],
): { send(chain: StatementChain): Promise<GoldenChange[]> } {
  const settings = survivorship(tx);
  // What is kept of each row once its parameter is built: its values and conflicts, not its lineage (an object per
  // field, which would otherwise live until the batch commits).
  const rows: { id: string; attributes: FlatAttributes; conflicts: GoldenValues['conflicts'] }[] = [];
  const sliceAt = (start: number) => {
    const slice = profiles
      .slice(start, start + INSERT_SLICE)
      .map((p) => ({ id: p.id, version: 1, golden: computeGolden(p.records, settings) }));
    for (const r of slice) rows.push({ id: r.id, attributes: r.golden.attributes, conflicts: r.golden.conflicts });
    return GOLDEN_INSERTS.encode(slice);
  };
  const first = profiles.length > 0 ? sliceAt(0) : null;
  return {
    async send(chain) {
      if (!first) return [];
      for (let start = 0; start < profiles.length; start += INSERT_SLICE) {
        await chain.send(
          `INSERT INTO golden_profile (id, version, lineage, custom, ${COLUMNS.join(', ')})
           SELECT x.id, x.version, x.lineage, x.custom, ${COLUMNS.map((c) => `x.${c}`).join(', ')}
             FROM ${GOLDEN_INSERTS.sql('$1')} AS x`,
          [start === 0 ? first : sliceAt(start)],
        );
      }
      const conflicted = rows.filter((r) => r.conflicts.length > 0);
      if (conflicted.length > 0) {
        await chain.idle();
        await syncConflicts(
          tx,
          conflicted.map((r) => r.id),
          new Map(conflicted.map((r) => [r.id, r.conflicts])),
        );
      }
      return rows.map((r) => {
        const changedFields = sortedKeys(r.attributes);
        return {
          profileId: r.id,
          version: 1,
          created: true,
          changedFields,
          values: valuesOf(changedFields, r.attributes),
        };
      });
    },
  };
}

/** Profiles per slice of a refresh: each slice is recomputed while PostgreSQL reads the next ones. */
export const REFRESH_SLICE = 250;

/** What a refresh reads of one slice of profiles: golden rows (locked), their source records and their pins. */
interface RefreshSlice {
  golden: GoldenRow[];
  records: (SurvivorshipInput & { profileId: string })[];
  pins: Map<string, Pin[]>;
}

/**
 * Recomputes the golden values of existing profiles from their source records, writes those that changed
 * (version + 1) and returns one change per profile that changed, in profile id order. A profile whose values came
 * out the same is left alone and yields nothing, which is what stops CRM ↔ MA echo loops.
 *
 * Slice by slice of `REFRESH_SLICE` profiles, in id order: every slice's reads are queued at once on a statement
 * chain, so PostgreSQL reads the next slices while Node.js recomputes the one before, and each slice's update goes
 * out as soon as it is computed. The rows are locked slice after slice in ascending id order — the one global order
 * in which every writer locks golden rows, as the single `ORDER BY id FOR UPDATE` did before.
 */
export async function refreshGoldenProfiles(tx: TxContext, profileIds: string[]): Promise<GoldenChange[]> {
  if (profileIds.length === 0) return [];
  const ids = [...new Set(profileIds)].sort();
  const settings = survivorship(tx);
  const chain = new StatementChain(tx);
  const changes: GoldenChange[] = [];
  const refreshed: string[] = [];
  const findings = new Map<string, GoldenValues['conflicts']>();
  const unanimous = new Map<string, Set<string>>();
  try {
    const slices: Promise<RefreshSlice>[] = [];
    for (let start = 0; start < ids.length; start += REFRESH_SLICE) {
      const read = readRefreshSlice(chain, ids.slice(start, start + REFRESH_SLICE));
      read.catch(() => undefined); // a slice after a failed one is never awaited; the failure is the first's
      slices.push(read);
    }
    for (const read of slices) {
      const { golden, records, pins } = await read;
      const slice = recomputeGolden(golden, groupByProfile(records), settings, pins);
      if (slice.updates.length > 0) {
        await chain.send(
          `UPDATE golden_profile g
              SET version = x.version, lineage = x.lineage, custom = x.custom, updated_at = now(),
                  ${COLUMNS.map((c) => `${c} = x.${c}`).join(', ')}
             FROM ${GOLDEN_UPDATES.sql('$1')} AS x
            WHERE g.id = x.id AND (NOT x.same_values OR g.lineage IS DISTINCT FROM x.lineage)`,
          [GOLDEN_UPDATES.encode(slice.updates)],
        );
      }
      collect(slice, golden, changes, refreshed, findings, unanimous);
    }
    await chain.idle();
  } finally {
    // On a failure in Node.js between two statements: nothing may be sent over the one still running.
    await chain.settle();
  }
  await syncConflicts(tx, refreshed, findings, unanimous);
  return changes;
}

/**
 * Queues the reads of one slice of a refresh. Without the lineage: a row whose values came out the same is sent
 * back with its new lineage and written only where PostgreSQL finds it differs (`same_values`), so the stored one
 * need not come here — it was nearly nine tenths of the bytes this read returned (236 bytes a record at 100,000
 * records).
 */
async function readRefreshSlice(chain: StatementChain, ids: string[]): Promise<RefreshSlice> {
  const goldenRead = chain.query<GoldenRow[]>(
    `SELECT id, version, custom, ${GOLDEN_ATTRIBUTE_COLUMNS}
       FROM golden_profile WHERE id = ANY($1::uuid[]) AND status = 'active' ORDER BY id FOR UPDATE`,
    [ids],
  );
  const recordsRead = chain.query<Record<string, unknown>[]>(
    `SELECT id, source, external_id, deleted, attributes, field_updated_at, source_updated_at, profile_id
       FROM source_record WHERE profile_id = ANY($1::uuid[])`,
    [ids],
  );
  const pinsRead = loadPins(chain, ids);
  const [golden, rows, pins] = await Promise.all([goldenRead, recordsRead, pinsRead]);
  return { golden, records: survivorshipInputs(rows), pins };
}

// The loops over a batch's profiles live in functions of their own, apart from `refreshGoldenProfiles`: V8
// compiles a loop that runs hot together with the function holding it (on-stack replacement), and the whole
// function was compiled anew several times in a run (7 times, ~350 ms of TurboFan, in 100,000 records).

/** Source record rows as survivorship reads them, their per-field times completed. */
function survivorshipInputs(rows: Record<string, unknown>[]): (SurvivorshipInput & { profileId: string })[] {
  const records: (SurvivorshipInput & { profileId: string })[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    records[i] = {
      id: r.id as string,
      source: r.source as string,
      externalId: r.external_id as string,
      deleted: r.deleted as boolean,
      attributes: r.attributes as FlatAttributes,
      fieldUpdatedAt: fieldTimes(
        r.attributes as FlatAttributes,
        r.field_updated_at as Record<string, string>,
        r.source_updated_at as Date | null,
      ),
      profileId: r.profile_id as string,
    };
  }
  return records;
}

/** Adds one slice's outcome to the refresh's. */
function collect(
  slice: ReturnType<typeof recomputeGolden>,
  golden: GoldenRow[],
  changes: GoldenChange[],
  refreshed: string[],
  findings: Map<string, GoldenValues['conflicts']>,
  unanimous: Map<string, Set<string>>,
): void {
  for (const change of slice.changes) changes.push(change);
  for (const row of golden) refreshed.push(row.id);
  for (const [id, found] of slice.findings) findings.set(id, found);
  for (const [id, fields] of slice.unanimous) unanimous.set(id, fields);
}

function groupByProfile(records: (SurvivorshipInput & { profileId: string })[]): Map<string, SurvivorshipInput[]> {
  const byProfile = new Map<string, SurvivorshipInput[]>();
  for (const record of records) {
    const list = byProfile.get(record.profileId) ?? [];
    list.push(record);
    byProfile.set(record.profileId, list);
  }
  return byProfile;
}

/** Each profile's golden values recomputed from its records: the rows to update and the changes to announce. */
function recomputeGolden(
  golden: GoldenRow[],
  byProfile: Map<string, SurvivorshipInput[]>,
  settings: SurvivorshipSettings,
  pins: Map<string, Pin[]>,
): {
  changes: GoldenChange[];
  updates: GoldenRowWrite[];
  findings: Map<string, GoldenValues['conflicts']>;
  unanimous: Map<string, Set<string>>;
} {
  const changes: GoldenChange[] = [];
  const updates: GoldenRowWrite[] = [];
  const findings = new Map<string, GoldenValues['conflicts']>();
  const unanimous = new Map<string, Set<string>>();
  for (const row of golden) {
    const next = computeGolden(byProfile.get(row.id) ?? [], settings, pins.get(row.id));
    findings.set(row.id, next.conflicts);
    unanimous.set(row.id, new Set(next.unanimous));
    const before = goldenRowAttributes(row);
    const fields = new Set([...Object.keys(before), ...Object.keys(next.attributes)]);
    const changedFields = [...fields].filter((f) => !sameValue(before[f], next.attributes[f])).sort();
    if (changedFields.length === 0) {
      // Same values, other reasons (a pin on the value it already had, a rule change): lineage only, no event —
      // written where it differs from the stored one (the statement compares them).
      updates.push({ id: row.id, version: row.version, golden: next, sameValues: true });
      continue;
    }
    updates.push({ id: row.id, version: row.version + 1, golden: next });
    const disputed = new Set(next.conflicts.map((c) => c.field));
    const inConflict = changedFields.filter((f) => disputed.has(slotOf(f)));
    changes.push({
      profileId: row.id,
      version: row.version + 1,
      created: false,
      changedFields,
      values: valuesOf(changedFields, next.attributes),
      ...(inConflict.length > 0 ? { inConflict } : {}),
    });
  }
  return { changes, updates, findings, unanimous };
}

/**
 * Writes the golden changes (and any other events of the same transaction) to the outbox, and rescores and
 * re-evaluates the segments of every profile they touch. Live subscribers read them from the outbox once the
 * transaction has committed.
 */
export async function recordGoldenChanges(
  tx: TxContext,
  newChanges: GoldenChange[],
  originOf: (profileId: string) => string | null,
  others: NewChangeEvent[] = [],
  alsoTouched: readonly string[] = [],
  /** Golden changes whose events this transaction appended before (`goldenChangeEvent`). */
  announced: GoldenChange[] = [],
  /**
   * Profiles this transaction created that hold no engagement events: where the scoring settings give such a
   * profile nothing (`scoresOnlyEngagement`), their lead score and stage are the golden row's defaults already.
   */
  unengaged: ReadonlySet<string> = new Set(),
): Promise<void> {
  await appendChangeEvents(tx, [...newChanges.map((c) => goldenChangeEvent(c, originOf(c.profileId))), ...others]);
  const changes = [...announced, ...newChanges];
  // Every profile this transaction changed (golden values, consents, merges, engagement …) is re-evaluated
  // against the segments, in the same transaction.
  const touched = [
    ...changes.map((c) => c.profileId),
    ...others.flatMap((e) => (e.profileId ? [e.profileId] : [])),
    ...alsoTouched,
  ];
  // Lead scores move with engagement and attributes (and lifecycle stages with them) before segments read them.
  const scoring = tx.settings?.scoring ?? DEFAULT_SCORING;
  const scored =
    unengaged.size > 0 && scoresOnlyEngagement(scoring) ? touched.filter((id) => !unengaged.has(id)) : touched;
  await appendChangeEvents(tx, await rescoreProfiles(tx, scored, scoring));
  await updateMemberships(tx, touched);
}

/** The outbox entry for a golden change. */
export function goldenChangeEvent(change: GoldenChange, originSource: string | null): NewChangeEvent {
  return {
    type: change.created ? 'profile.created' : 'profile.updated',
    profileId: change.profileId,
    originSource,
    // The values travel with the event (sync targets apply them without a read back); erasure scrubs them.
    payload: {
      profileId: change.profileId,
      version: change.version,
      changedFields: change.changedFields,
      values: change.values,
      ...(change.inConflict ? { inConflict: change.inConflict } : {}),
    },
  };
}
