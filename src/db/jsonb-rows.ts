/** The format version PostgreSQL's `jsonb_recv` expects before the JSON text. */
const JSONB_BINARY_VERSION = 1;

/**
 * A `$n::jsonb` statement parameter holding an array of rows (for `jsonb_to_recordset`), built as the bytes
 * PostgreSQL's binary jsonb input takes (a version byte, then the JSON text) instead of one JSON string.
 *
 * Why: `JSON.stringify` of a batch's rows returns a rope of megabytes, and node-postgres measures and encodes a
 * string parameter with `Buffer.byteLength`, which first flattens the rope into a fresh string — a two-byte one
 * as soon as one row holds a character beyond Latin-1 (a Polish or Japanese name). That cost ~13 ns per byte of
 * JSON, most of it page faults on the fresh memory. Here each row is stringified alone (a small flat string) and
 * UTF-8-encoded straight into one buffer: ~3.5 ns per byte, and the same JSON text reaches the server.
 *
 * The parameter must be cast to `jsonb` in the statement (`$1::jsonb`), so that PostgreSQL types it jsonb and
 * reads the binary form; node-postgres sends a Buffer parameter in binary format.
 * @example
 * await tx.manager.query('SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id uuid)', [jsonbRows([{ id }])]);
 */
export function jsonbRows(rows: readonly unknown[]): Buffer {
  const parts = new Array<string>(rows.length);
  // Version byte, brackets and commas, then each row's length in UTF-16 units: its UTF-8 length when the row is
  // ASCII, as nearly all are; the buffer grows for the rest.
  let estimate = 3 + rows.length;
  for (let i = 0; i < rows.length; i++) {
    const part = JSON.stringify(rows[i]) ?? 'null';
    parts[i] = part;
    estimate += part.length;
  }
  let buffer = Buffer.allocUnsafe(estimate + (estimate >> 4));
  buffer[0] = JSONB_BINARY_VERSION;
  buffer[1] = 0x5b; // [
  let offset = 2;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    // Room for the separator, this row at three bytes per unit (UTF-8's worst case for UTF-16) and the bracket;
    // only near the end is the row's exact length needed.
    if (offset + 2 + part.length * 3 > buffer.length) {
      const needed = offset + 2 + Buffer.byteLength(part);
      if (needed > buffer.length) {
        const grown = Buffer.allocUnsafe(Math.max(needed + (estimate >> 2), buffer.length * 2));
        buffer.copy(grown, 0, 0, offset);
        buffer = grown;
      }
    }
    if (i > 0) buffer[offset++] = 0x2c; // ,
    offset += buffer.write(part, offset, 'utf8');
  }
  buffer[offset++] = 0x5d; // ]
  return buffer.subarray(0, offset);
}
