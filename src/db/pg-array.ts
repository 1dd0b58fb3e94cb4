/**
 * PostgreSQL array literals for statement parameters (`$1::uuid[]`, `$1::text[]` …), built in one pass.
 * node-postgres turns a JavaScript array into a literal element by element (a regular expression and a string
 * concatenation each), which for the tens of thousands of ids and keys a batch sends is measurable; a joined
 * string costs one allocation. Elements are quoted, so any text survives; `null` becomes NULL.
 * @example pgArray(['a', 'b "c"', null]) // → '{"a","b \"c\"",NULL}'
 */
export function pgArray(values: readonly (string | number | bigint | boolean | null | undefined)[]): string {
  if (values.length === 0) return '{}';
  if (!values.some((value) => value === null || value === undefined)) {
    // One scan of the joined values (not of the literal, whose separators are quotes): most batches hold no
    // quote or backslash at all, and then the literal is one more join.
    if (!/["\\]/.test(values.join(','))) return `{"${values.join('","')}"}`;
  }
  return `{${values.map((value) => (value === null || value === undefined ? 'NULL' : `"${String(value).replace(/["\\]/g, '\\$&')}"`)).join(',')}}`;
}
