import { jsonbRows } from './jsonb-rows';

/** One column of a `TupleSet`: its SQL type and how an item gives its value. */
export interface TupleColumn<T> {
  /** A PostgreSQL type name: `jsonb`, or any type with a text input (`uuid`, `text`, `int`, `date` …). */
  type: string;
  value(item: T): unknown;
}

/**
 * A batch's rows sent as one `$n::jsonb` parameter of JSON arrays — one per row, the values in column order — and
 * read in SQL as a row set with named, typed columns (`sql`). Written for the ingest pipeline's bulk statements in
 * place of `jsonb_to_recordset` over one object per row: PostgreSQL parses and unpacks positional arrays in about
 * half the time (5,000 source records: 49–65 against 104–156 ms), and the column names are no longer sent, parsed
 * and copied once per row (~24% of those bytes).
 *
 * A JSON `null` reads as SQL NULL in every column, `jsonb` ones included.
 * @example
 * const ROWS = new TupleSet<Item>({ id: { type: 'uuid', value: (i) => i.id }, doc: { type: 'jsonb', value: (i) => i.doc } });
 * await tx.manager.query(`INSERT INTO t (id, doc) SELECT r.id, r.doc FROM ${ROWS.sql('$1')} AS r`, [ROWS.encode(items)]);
 */
export class TupleSet<T> {
  private readonly names: string[];
  private readonly columns: TupleColumn<T>[];

  constructor(columns: Record<string, TupleColumn<T>>) {
    this.names = Object.keys(columns);
    this.columns = Object.values(columns);
  }

  /** The row set, parenthesised, to use as a `FROM` item or a CTE body: `(SELECT … FROM jsonb_array_elements(…))`. */
  sql(parameter: string): string {
    const columns = this.columns.map(({ type }, i) =>
      type === 'jsonb'
        ? `nullif(e->${i}, 'null'::jsonb) AS ${this.names[i]}`
        : `(e->>${i})::${type} AS ${this.names[i]}`,
    );
    return `(SELECT ${columns.join(', ')} FROM jsonb_array_elements(${parameter}::jsonb) AS e)`;
  }

  /** The parameter for `sql`: each item's values in column order, `undefined` sent as `null`. */
  encode(items: readonly T[]): Buffer {
    const columns = this.columns;
    return jsonbRows(
      items.map((item) => {
        const tuple = new Array<unknown>(columns.length);
        for (let i = 0; i < columns.length; i++) tuple[i] = columns[i].value(item) ?? null;
        return tuple;
      }),
    );
  }
}
