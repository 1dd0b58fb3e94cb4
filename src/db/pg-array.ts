/**
 * PostgreSQL array literals for statement parameters (`$1::uuid[]`, `$1::text[]` …), built in one pass.
 * node-postgres turns a JavaScript array into a literal element by element (a regular expression and a string
 * concatenation each), which for the tens of thousands of ids and keys a batch sends is measurable; a joined
 * string costs one allocation. Elements are quoted, so any text survives; `null` becomes NULL.
 *
 * The braces ride on the first and last elements, so that the join's result is the whole literal as one flat
 * string. Wrapping the join (`{"${…}"}`) made a rope, which node-postgres flattened into a second copy of the
 * literal when it measured the parameter (`Buffer.byteLength`): ~24 MB per 20,000 records imported.
 * @example pgArray(['a', 'b "c"', null]) // → '{"a","b \"c\"",NULL}'
 */
export function pgArray(values: readonly (string | number | bigint | boolean | null | undefined)[]): string {
  if (values.length === 0) return '{}';
  // Most batches hold no null, quote or backslash at all; then the literal is one join. Each element is looked at
  // alone: testing a first join of them all made a string as long as the literal for nothing (~130 MB of a
  // 100,000-record import's allocations).
  if (values.every(plain)) {
    const parts: unknown[] = values.slice();
    parts[0] = `{"${parts[0]}`;
    parts[parts.length - 1] = `${parts[parts.length - 1]}"}`;
    return parts.join('","');
  }
  const parts = values.map((value) =>
    value === null || value === undefined ? 'NULL' : `"${String(value).replace(/["\\]/g, '\\$&')}"`,
  );
  parts[0] = `{${parts[0]}`;
  parts[parts.length - 1] = `${parts[parts.length - 1]}}`;
  return parts.join(',');
}

const SPECIAL = /["\\]/;

/** Needs neither NULL nor escaping inside a quoted element. */
function plain(value: string | number | bigint | boolean | null | undefined): boolean {
  return value !== null && value !== undefined && (typeof value !== 'string' || !SPECIAL.test(value));
}
