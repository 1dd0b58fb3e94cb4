import type { AttributeValue, FlatAttributes } from '../identity/golden-attributes';
import type { CanonicalRecord } from './canonical-record';

/** The stored state of a source record that a new canonical record patches. */
export interface SourceRecordState {
  attributes: FlatAttributes;
  fieldUpdatedAt: Record<string, string>;
  deleted: boolean;
  /** Latest record-level source timestamp seen (ISO 8601). */
  sourceUpdatedAt: string | null;
}

export interface PatchOutcome {
  state: SourceRecordState;
  /** True when a value or the deleted flag changed (a timestamp alone is not a change). */
  changed: boolean;
}

export function sameValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  return stableJson(a) === stableJson(b);
}

function stableJson(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

const later = (a: string, b: string | null | undefined) => !b || Date.parse(a) >= Date.parse(b);

/**
 * Applies a canonical record to a source record's state, field by field: a value is taken only if the record
 * is at least as new as that field's last source timestamp, so an older update never overwrites a newer
 * value, and a delete is not undone by an update older than the delete.
 */
export function applyPatch(current: SourceRecordState | undefined, record: CanonicalRecord): PatchOutcome {
  const base: SourceRecordState = current ?? {
    attributes: {},
    fieldUpdatedAt: {},
    deleted: false,
    sourceUpdatedAt: null,
  };
  const isNewer = later(record.updatedAt, base.sourceUpdatedAt);
  const state: SourceRecordState = {
    attributes: { ...base.attributes },
    fieldUpdatedAt: { ...base.fieldUpdatedAt },
    deleted: base.deleted,
    sourceUpdatedAt: isNewer ? record.updatedAt : base.sourceUpdatedAt,
  };
  let changed = current === undefined;

  if (base.deleted && !isNewer) return { state: base, changed: false };
  if (record.deleted !== base.deleted && isNewer) {
    state.deleted = record.deleted;
    changed = true;
  }
  for (const [field, value] of Object.entries(record.attributes)) {
    if (!later(record.updatedAt, base.fieldUpdatedAt[field])) continue;
    if (!sameValue(base.attributes[field], value)) changed = true;
    state.attributes[field] = value;
    state.fieldUpdatedAt[field] = record.updatedAt;
  }
  return { state, changed };
}
