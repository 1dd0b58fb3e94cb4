import { isoTimeSql } from '../../db/iso-time-sql';

/**
 * Per-field source times as `source_record.field_updated_at` stores them: only the times that differ from the
 * record's `source_updated_at`. A field of the record's attributes without a stored time took its value from the
 * latest change the source sent, so its time is `source_updated_at`; any other entry (an older field, the
 * `$deleted` flag's time) is stored as it is.
 *
 * Why: most records are written by one change, every field with the same time, and the full map repeated that
 * time once per field — ~580 bytes of a ~1,600-byte row, the largest part of every source record the ingest
 * pipeline sent, parsed, stored and read back. A full map is a valid stored form too (each entry wins over the
 * default), so readers never depend on how a row was written.
 */

/**
 * The entries to store: every time except an attribute's equal to `sourceUpdatedAt`. Both come from the same
 * normalised timestamps (`toISOString`), so equal times are equal strings.
 */
export function storedFieldTimes(
  attributes: Readonly<Record<string, unknown>>,
  fieldUpdatedAt: Readonly<Record<string, string>>,
  sourceUpdatedAt: string | null,
): Record<string, string> {
  const stored: Record<string, string> = {};
  for (const field in fieldUpdatedAt) {
    const at = fieldUpdatedAt[field];
    if (at !== sourceUpdatedAt || !Object.prototype.hasOwnProperty.call(attributes, field)) stored[field] = at;
  }
  return stored;
}

/**
 * The per-field times of a stored record: `stored` (a document just read, which this completes in place and
 * returns) with the record's `source_updated_at` — as read (a `Date`) or as ISO text — for every attribute it has
 * no entry for.
 */
export function fieldTimes(
  attributes: Readonly<Record<string, unknown>>,
  stored: Record<string, string> | null,
  sourceUpdatedAt: Date | string | null,
): Record<string, string> {
  const times = stored ?? {};
  if (sourceUpdatedAt === null) return times;
  const at = typeof sourceUpdatedAt === 'string' ? sourceUpdatedAt : sourceUpdatedAt.toISOString();
  for (const field in attributes) {
    if (!Object.prototype.hasOwnProperty.call(times, field)) times[field] = at;
  }
  return times;
}

/** The time of one attribute of a stored record: its own entry, else the record's `source_updated_at`. */
export function fieldTime(
  stored: Readonly<Record<string, string>> | null,
  field: string,
  sourceUpdatedAt: string | null,
): string | null {
  return stored && Object.prototype.hasOwnProperty.call(stored, field) ? stored[field] : sourceUpdatedAt;
}

/** `source_updated_at` as the ISO 8601 text the times are kept in, for statements that read the times in SQL. */
export const SOURCE_TIME_SQL = (alias: string) => isoTimeSql(`${alias}.source_updated_at`);
