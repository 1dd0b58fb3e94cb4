/**
 * A `timestamptz` expression as the ISO 8601 text `Date#toISOString` writes (`2026-11-29T22:05:16.123Z`,
 * milliseconds truncated as node-postgres's `Date` truncates them), for statements whose times the hub keeps or
 * hands on as text: no `Date` is parsed and formatted again per row in Node.js.
 * @example `SELECT ${isoTimeSql('occurred_at')} AS occurred_at FROM change_event`
 */
export const isoTimeSql = (expression: string): string =>
  `to_char(${expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
