import { sortStrings } from '../../common/sort-strings';
import type { FieldLineage } from './compute-golden';

/** The top-level key of the values a steward typed in (they have no source record). */
export const STEWARD_KEY = 'steward';

/**
 * Lineage as `golden_profile.lineage` stores it, grouped so that a record id or a rule is written once rather than
 * once per field:
 *
 * ```json
 * { "<source record id>": { "<rule>": ["field", …], … }, …, "steward": { "<pinned at>": ["field", …] } }
 * ```
 *
 * Each field path appears once. Fields chosen from a source record are listed under that record and the rule that
 * chose them (`pin` for a field a steward pinned to the record); values a steward typed in are listed under
 * `steward` and the time of their pin. The value is in its column, the source and the source time are on the source
 * record: readers join them back (`findProfilesByIds`; statements through the SQL function `hub_lineage_fields`,
 * migration GroupedLineage), so nothing is stored twice. A profile's lineage is ~200 bytes this way; one entry per
 * field (`{ r, rule }`) made it ~1,100 and was the largest part of every golden row the ingest pipeline wrote.
 */
export type StoredLineage = Record<string, Record<string, string[]>>;

/** One field of a stored lineage. */
export interface StoredField {
  field: string;
  /** Null for a value a steward typed in. */
  sourceRecordId: string | null;
  rule: string;
  /** When the steward pinned a value they typed in; null otherwise (the time is the source record's). */
  pinnedAt: string | null;
}

/**
 * Groups per-field lineage for storage. Field lists are sorted, so the same lineage is stored as the same document
 * whatever order its fields were decided in (the golden refresh writes a row whose lineage differs, and only then).
 */
export function storeLineage(lineage: Record<string, FieldLineage>): StoredLineage {
  // Objects without a prototype are dictionaries from the start: a plain object given a property named by a record
  // id (a new name every time) took a new hidden class each time, ~2.5 µs a profile.
  const stored: StoredLineage = Object.create(null);
  for (const field in lineage) {
    const l = lineage[field];
    const steward = l.sourceRecordId === null;
    const key = steward ? STEWARD_KEY : l.sourceRecordId!;
    const group = steward ? l.updatedAt : l.rule;
    let groups = stored[key];
    if (groups === undefined) stored[key] = groups = Object.create(null) as Record<string, string[]>;
    const fields = groups[group];
    if (fields === undefined) groups[group] = [field];
    else fields.push(field);
  }
  for (const key in stored) for (const group in stored[key]) sortStrings(stored[key][group]);
  return stored;
}

/** The fields of a stored lineage, one entry per field path. */
export function storedFields(stored: StoredLineage | null | undefined): StoredField[] {
  const fields: StoredField[] = [];
  for (const [key, groups] of Object.entries(stored ?? {})) {
    const steward = key === STEWARD_KEY;
    for (const [group, names] of Object.entries(groups)) {
      for (const field of names) {
        fields.push(
          steward
            ? { field, sourceRecordId: null, rule: 'pin', pinnedAt: group }
            : { field, sourceRecordId: key, rule: group, pinnedAt: null },
        );
      }
    }
  }
  return fields;
}

/** The source records a stored lineage names. */
export function lineageRecordIds(stored: StoredLineage | null | undefined): string[] {
  return Object.keys(stored ?? {}).filter((key) => key !== STEWARD_KEY);
}
