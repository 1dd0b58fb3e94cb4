import { pageWithTotal } from '../../src/db/page-with-total';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('pageWithTotal', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
    await db.dataSource.query(`CREATE TABLE item (id int PRIMARY KEY, kind text NOT NULL)`);
    await db.dataSource.query(`INSERT INTO item SELECT n, CASE WHEN n % 2 = 0 THEN 'even' ELSE 'odd' END
                                 FROM generate_series(1, 9) AS n`);
  });
  afterAll(async () => db.destroy());

  const read = (kind: string, after: number, limit: number) =>
    pageWithTotal(
      db.dataSource,
      {
        total: `SELECT count(*) FROM item WHERE kind = $1`,
        page: `SELECT id, kind FROM item WHERE kind = $1 AND id > $2 ORDER BY id DESC LIMIT $3`,
        order: 'p.id DESC',
      },
      [kind, after, limit],
    );

  it('returns the page in its order and the total of the whole filter', async () => {
    const { rows, total } = await read('odd', 2, 2);
    expect(rows).toEqual([
      { page_total_count: '5', id: 9, kind: 'odd' },
      { page_total_count: '5', id: 7, kind: 'odd' },
    ]);
    expect(total).toBe(5);
  });

  it('returns the total with an empty page', async () => {
    expect(await read('even', 8, 10)).toEqual({ rows: [], total: 4 });
    expect(await read('none', 0, 10)).toEqual({ rows: [], total: 0 });
  });
});
