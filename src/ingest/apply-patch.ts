import { sortStrings } from '../common/sort-strings';
import type { AttributeValue, FlatAttributes } from '../identity/golden-attributes';
import type { CanonicalRecord } from './canonical-record';

/** Pseudo-field under which the deleted flag keeps its own timestamp and sequence. */
export const DELETED_FIELD = '$deleted';

/** The stored state of a source record that a new canonical record patches. */
export interface SourceRecordState {
  attributes: FlatAttributes;
  /** Per field (and `$deleted`): source timestamp of the value held. */
  fieldUpdatedAt: Record<string, string>;
  /** Per field (and `$deleted`): source sequence of the value held, where the source has one. */
  fieldSequence: Record<string, string>;
  deleted: boolean;
  deleteReason: string | null;
  /** Latest record-level source timestamp and sequence seen. */
  sourceUpdatedAt: string | null;
  sourceSequence: string | null;
}

export interface PatchOutcome {
  state: SourceRecordState;
  /** True when a value or the deleted flag changed (newer timestamps alone are not a change). */
  changed: boolean;
  /**
   * True when anything must be written, including a value re-asserted with a newer timestamp: the newer stamp
   * is what keeps a later-arriving older value from winning.
   */
  touched: boolean;
}

/**
 * JSON of a value with every object's keys in code-unit order, so that equal values give one text whatever the
 * order their keys came in; `undefined` reads `undefined`. Survivorship compares address objects by it for every
 * candidate of every refreshed profile: written without an array of entries, their sort's work array and a
 * string per entry.
 */
export function stableJson(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + stableJson(value[i]);
    return out + ']';
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  sortStrings(keys);
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    out += (i === 0 ? '' : ',') + JSON.stringify(keys[i]) + ':' + stableJson(object[keys[i]]);
  }
  return out + '}';
}

export function sameValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (a === b) return true;
  // Two scalars that are not identical differ (attributes come from JSON: no NaN); objects compare by content.
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return stableJson(a) === stableJson(b);
}

interface Stamp {
  at: string | undefined;
  seq: string | undefined;
  value: unknown;
}

/**
 * The total order in which field values replace each other: source time, then the source's sequence, then
 * the value itself. Any total order would do for convergence; this one is also the right one for the
 * first two keys, and the last only settles true ties, identically everywhere.
 */
export function compareStamps(a: Stamp, b: Stamp): number {
  const at = (a.at ? Date.parse(a.at) : -Infinity) - (b.at ? Date.parse(b.at) : -Infinity);
  if (at !== 0 && !Number.isNaN(at)) return at;
  const aSeq = a.seq === undefined ? -1n : BigInt(a.seq);
  const bSeq = b.seq === undefined ? -1n : BigInt(b.seq);
  if (aSeq !== bSeq) return aSeq > bSeq ? 1 : -1;
  const aValue = stableJson(a.value);
  const bValue = stableJson(b.value);
  return aValue === bValue ? 0 : aValue > bValue ? 1 : -1;
}

/**
 * Applies a canonical record to a source record's state, field by field, last-writer-wins per field: a value
 * replaces the one held only if it is newer (time, then sequence). The deleted flag is such a field too, set
 * only by an explicit `deleted: true` (delete) or `deleted: false` (undelete) — so a late update never undoes a
 * delete, and the state is the same whatever order the records arrive in.
 */
export function applyPatch(current: SourceRecordState | undefined, record: CanonicalRecord): PatchOutcome {
  if (current === undefined) return firstState(record);
  const state: SourceRecordState = {
    ...current,
    attributes: { ...current.attributes },
    fieldUpdatedAt: { ...current.fieldUpdatedAt },
    fieldSequence: { ...current.fieldSequence },
  };
  let changed = false;
  let touched = false;

  const offer = (field: string, value: unknown): boolean => {
    // A field the stored record did not hold yet needs no comparison, nor its stamps.
    const heldAt = state.fieldUpdatedAt[field];
    if (heldAt !== undefined) {
      const incoming: Stamp = { at: record.updatedAt, seq: record.sequence, value };
      const held: Stamp = {
        at: heldAt,
        seq: state.fieldSequence[field],
        value: field === DELETED_FIELD ? state.deleted : state.attributes[field],
      };
      if (compareStamps(incoming, held) <= 0) return false;
    }
    touched = true;
    state.fieldUpdatedAt[field] = record.updatedAt;
    if (record.sequence !== undefined) state.fieldSequence[field] = record.sequence;
    else delete state.fieldSequence[field];
    return true;
  };

  for (const [field, value] of Object.entries(record.attributes)) {
    const before = state.attributes[field];
    if (offer(field, value)) {
      if (!sameValue(before, value)) changed = true;
      state.attributes[field] = value;
    }
  }
  if (record.deleted !== undefined && offer(DELETED_FIELD, record.deleted)) {
    if (state.deleted !== record.deleted) changed = true;
    state.deleted = record.deleted;
    state.deleteReason = record.deleted ? (record.deleteReason ?? 'deleted') : null;
  }
  const recordStamp = { at: record.updatedAt, seq: record.sequence, value: null };
  const heldStamp = { at: current.sourceUpdatedAt ?? undefined, seq: current.sourceSequence ?? undefined, value: null };
  if (current.sourceUpdatedAt === null || compareStamps(recordStamp, heldStamp) > 0) {
    state.sourceUpdatedAt = record.updatedAt;
    state.sourceSequence = record.sequence ?? null;
    touched = true;
  }
  return { state, changed, touched };
}

/**
 * `applyPatch` of a record's first arrival: every field is new, so nothing is compared — each value is taken with
 * the record's time and sequence, as the general path would take it (a new record of a bulk import, most of them).
 */
function firstState(record: CanonicalRecord): PatchOutcome {
  const { updatedAt, sequence } = record;
  const attributes: FlatAttributes = {};
  const fieldUpdatedAt: Record<string, string> = {};
  const fieldSequence: Record<string, string> = {};
  for (const field in record.attributes) {
    attributes[field] = record.attributes[field];
    fieldUpdatedAt[field] = updatedAt;
    if (sequence !== undefined) fieldSequence[field] = sequence;
  }
  let deleted = false;
  let deleteReason: string | null = null;
  if (record.deleted !== undefined) {
    fieldUpdatedAt[DELETED_FIELD] = updatedAt;
    if (sequence !== undefined) fieldSequence[DELETED_FIELD] = sequence;
    deleted = record.deleted;
    deleteReason = record.deleted ? (record.deleteReason ?? 'deleted') : null;
  }
  return {
    state: {
      attributes,
      fieldUpdatedAt,
      fieldSequence,
      deleted,
      deleteReason,
      sourceUpdatedAt: updatedAt,
      sourceSequence: sequence ?? null,
    },
    changed: true,
    touched: true,
  };
}
