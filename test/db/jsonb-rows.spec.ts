import { jsonbRows } from '../../src/db/jsonb-rows';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('jsonbRows against PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => db.destroy());

  const roundTrip = async (rows: unknown[]) => {
    const [row] = await db.dataSource.query(`SELECT $1::jsonb AS v, jsonb_array_length($1::jsonb) AS n`, [
      jsonbRows(rows),
    ]);
    return row as { v: unknown; n: number };
  };

  it('reaches the server as the same rows, whatever characters they hold', async () => {
    const rows = [
      { id: 1, name: 'plain ascii', nested: { list: [1, 2.5, null, true], empty: {} } },
      { id: 2, name: 'Łódź 田中 Ωμέγα', emoji: '🙂👍🏽', quote: 'a "b" \\ c\n\t', control: '\u0001' },
      { id: 3, cleared: null, absent: undefined },
      null,
      'a string row',
      [],
    ];
    const { v, n } = await roundTrip(rows);
    expect(n).toBe(rows.length);
    expect(v).toEqual(JSON.parse(JSON.stringify(rows)));
  });

  it('sends an empty batch as an empty array', async () => {
    expect(await roundTrip([])).toEqual({ v: [], n: 0 });
  });

  it('grows past its estimate when the last rows are all multi-byte characters', async () => {
    // Many ASCII rows, then rows of three-byte characters at the end, where the estimate (one byte per unit)
    // leaves least room.
    const rows: unknown[] = Array.from({ length: 500 }, (_, i) => ({ i, email: `person${i}@example.com` }));
    for (let i = 0; i < 50; i++) rows.push({ i, name: '田'.repeat(200 + i) });
    rows.push({ last: '🙂'.repeat(1000) });
    const { v } = await roundTrip(rows);
    expect(v).toEqual(rows);
  });

  it('feeds jsonb_to_recordset as a JSON string parameter would', async () => {
    const rows = [
      { id: '0b50c071-e71e-4c4f-9bd9-955fd84bce47', attributes: { firstName: 'Zoë' }, n: 3 },
      { id: '1c50c071-e71e-4c4f-9bd9-955fd84bce47', attributes: null, n: null },
    ];
    const sql = `SELECT r.id, r.attributes, r.n FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, attributes jsonb, n int)`;
    const fromBuffer = await db.dataSource.query(sql, [jsonbRows(rows)]);
    const fromString = await db.dataSource.query(sql, [JSON.stringify(rows)]);
    expect(fromBuffer).toEqual(fromString);
    expect(fromBuffer).toEqual(rows);
  });
});
