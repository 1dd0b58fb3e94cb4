import { pgArray } from '../../src/db/pg-array';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('pgArray against PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => db.destroy());

  it('round-trips any text, including the characters array literals give meaning to', async () => {
    const values = [
      'plain',
      'a "quoted" b',
      'back\\slash',
      '{braces}',
      'a,b',
      ' padded ',
      '',
      'NULL',
      'Łódź 田中',
      'line\nbreak',
      null,
    ];
    const [row] = await db.dataSource.query(`SELECT $1::text[] AS v, $2::uuid[] AS u`, [
      pgArray(values),
      pgArray(['0b50c071-e71e-4c4f-9bd9-955fd84bce47']),
    ]);
    expect(row.v).toEqual(values);
    expect(row.u).toEqual(['0b50c071-e71e-4c4f-9bd9-955fd84bce47']);
  });
});
