import { noteRecordsWritten } from '../../src/db/table-statistics';
import { createLogger } from '../../src/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * The statistics a bulk load keeps up to date itself: the look-up tables' early (they only choose plans),
 * `golden_profile`'s late (its surname statistics are matching's term frequencies, which small loads must not
 * see change under them).
 */
describe('statistics of the matching tables during a bulk load (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.destroy());

  const analysed = async (): Promise<string[]> => {
    const rows: { relname: string }[] = await db.dataSource.query(
      `SELECT relname FROM pg_stat_user_tables
        WHERE relname IN ('source_record', 'identifier', 'blocking_key', 'golden_profile') AND last_analyze IS NOT NULL
        ORDER BY relname`,
    );
    return rows.map((r) => r.relname);
  };

  it('analyses the look-up tables from 1,000 written records, golden_profile from 20,000, each again at twice', async () => {
    const logger = createLogger('silent');
    await noteRecordsWritten(db.dataSource, logger, 999);
    expect(await analysed()).toEqual([]);

    await noteRecordsWritten(db.dataSource, logger, 1);
    expect(await analysed()).toEqual(['blocking_key', 'identifier', 'source_record']);
    const [{ at }] = await db.dataSource.query(
      `SELECT max(last_analyze)::text AS at FROM pg_stat_user_tables WHERE relname = 'blocking_key'`,
    );

    await noteRecordsWritten(db.dataSource, logger, 999); // 1,999: the look-up tables wait for 2,000
    expect(await analysed()).toEqual(['blocking_key', 'identifier', 'source_record']);
    const [{ again }] = await db.dataSource.query(
      `SELECT max(last_analyze)::text AS again FROM pg_stat_user_tables WHERE relname = 'blocking_key'`,
    );
    expect(again).toBe(at);

    await noteRecordsWritten(db.dataSource, logger, 18_001); // 20,000
    expect(await analysed()).toEqual(['blocking_key', 'golden_profile', 'identifier', 'source_record']);
    const [{ latest }] = await db.dataSource.query(
      `SELECT max(last_analyze)::text AS latest FROM pg_stat_user_tables WHERE relname = 'blocking_key'`,
    );
    expect(latest).not.toBe(at);
  });
});
