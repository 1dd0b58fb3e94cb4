import { TupleSet } from '../../src/db/tuple-set';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

interface Item {
  id: string;
  name: string | null;
  count?: number;
  big: string | null;
  at: string;
  day: string | null;
  flag: boolean;
  doc: Record<string, unknown> | null;
}

const ROWS = new TupleSet<Item>({
  id: { type: 'uuid', value: (i) => i.id },
  name: { type: 'text', value: (i) => i.name },
  count: { type: 'int', value: (i) => i.count },
  big: { type: 'numeric', value: (i) => i.big },
  at: { type: 'timestamptz', value: (i) => i.at },
  day: { type: 'date', value: (i) => i.day },
  flag: { type: 'boolean', value: (i) => i.flag },
  doc: { type: 'jsonb', value: (i) => i.doc },
});

describe('TupleSet against PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => db.destroy());

  it('reads each row back with its typed columns, in order, nulls as SQL NULL', async () => {
    const items: Item[] = [
      {
        id: '0190a0a0-0000-7000-8000-000000000001',
        name: 'Łódź 田中 "quoted" \\ 🙂',
        count: 7,
        big: '123456789012345678901234567890',
        at: '2026-11-29T10:00:00.123Z',
        day: '1980-02-29',
        flag: true,
        doc: { nested: [1, null, 'x'], empty: {}, cleared: null },
      },
      {
        id: '0190a0a0-0000-7000-8000-000000000002',
        name: null,
        big: null,
        at: '2026-11-29T10:00:00Z',
        day: null,
        flag: false,
        doc: null,
      },
    ];
    const rows = await db.dataSource.query(
      `SELECT r.id, r.name, r.count, r.big::text AS big, r.at, r.day::text AS day, r.flag, r.doc,
              r.name IS NULL AS name_null, r.doc IS NULL AS doc_null
         FROM ${ROWS.sql('$1')} AS r`,
      [ROWS.encode(items)],
    );
    expect(rows).toEqual([
      {
        id: items[0].id,
        name: items[0].name,
        count: 7,
        big: items[0].big,
        at: new Date(items[0].at),
        day: '1980-02-29',
        flag: true,
        doc: items[0].doc,
        name_null: false,
        doc_null: false,
      },
      {
        id: items[1].id,
        name: null,
        count: null,
        big: null,
        at: new Date(items[1].at),
        day: null,
        flag: false,
        doc: null,
        name_null: true,
        doc_null: true,
      },
    ]);
  });

  it('reads an empty batch as no rows', async () => {
    expect(
      await db.dataSource.query(`SELECT count(*)::int AS n FROM ${ROWS.sql('$1')} AS r`, [ROWS.encode([])]),
    ).toEqual([{ n: 0 }]);
  });
});
