import { inTransaction, systemContext } from '../../src/common/context';
import { createDataSource } from '../../src/db/data-source';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { loadTermFrequency } from '../../src/identity/resolution/profile-infos';
import { createLogger } from '../../src/logging/logger';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('surname frequencies', () => {
  let db: TestDatabase;
  const tfOf = (dataSource: DataSource, lastNames: string[]) =>
    inTransaction(
      systemContext(dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test'),
      (tx) =>
        loadTermFrequency(
          tx,
          lastNames.map((lastName) => ({ lastName })),
        ),
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.dataSource.query(
      `INSERT INTO golden_profile (last_name)
       SELECT CASE WHEN n % 4 = 0 THEN 'Nowak' WHEN n % 4 = 1 THEN 'Nowák' ELSE 'Rare' || n END
         FROM generate_series(1, 4000) AS n`,
    );
  });
  afterAll(async () => db.destroy());

  it('counts the batch surnames while the table has no statistics yet', async () => {
    const tf = await tfOf(db.dataSource, ['Nowak', 'Rare18', 'Unknown']);
    expect(tf('lastName', 'nowak')).toBeCloseTo(0.25, 2);
    expect(tf('lastName', 'rare18')).toBeCloseTo(1 / 4000, 5);
    expect(tf('lastName', 'unknown')).toBeUndefined();
  });

  it('reads PostgreSQL statistics once ANALYZE has seen the table, folding spellings together', async () => {
    await db.dataSource.query('ANALYZE golden_profile');
    const fresh = createDataSource({ url: db.url, poolSize: 2 });
    await fresh.initialize();
    try {
      const tf = await tfOf(fresh, []);
      // Nowak and Nowák fold to one name: half of all profiles.
      expect(tf('lastName', 'nowak')).toBeCloseTo(0.5, 1);
      expect(tf('lastName', 'rare18')).toBeUndefined();
      expect(tf('firstName', 'nowak')).toBeUndefined();
    } finally {
      await fresh.destroy();
    }
  });

  it('asks for ANALYZE once the table holds 10,000 profiles, and reads the statistics from then on', async () => {
    const young = await createTestDatabase();
    const now = jest.spyOn(Date, 'now');
    let clock = Date.now();
    now.mockImplementation(() => clock);
    try {
      // The first batch of an import: an empty table, counted; an ANALYZE now would find nothing.
      expect((await tfOf(young.dataSource, ['Nowak']))('lastName', 'nowak')).toBeUndefined();
      await young.dataSource.query(
        `INSERT INTO golden_profile (last_name)
         SELECT CASE WHEN n % 2 = 0 THEN 'Nowak' ELSE 'Rare' || n END FROM generate_series(1, 12000) AS n`,
      );
      // Still no statistics: counted (a rare name is found at its share), and, at this size, ANALYZE asked for.
      clock += 6_000;
      expect((await tfOf(young.dataSource, ['Rare7']))('lastName', 'rare7')).toBeCloseTo(1 / 12000, 6);
      for (let tries = 0; tries < 200; tries++) {
        const [{ n }] = await young.dataSource.query(
          `SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'golden_profile' AND attname = 'last_name'`,
        );
        if (n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // Now from the statistics: the common name is there, a rare one is not counted any more.
      clock += 6_000;
      const tf = await tfOf(young.dataSource, ['Rare7']);
      expect(tf('lastName', 'nowak')).toBeCloseTo(0.5, 1);
      expect(tf('lastName', 'rare7')).toBeUndefined();
    } finally {
      now.mockRestore();
      await young.destroy();
    }
  });

  it('takes statistics without a most-common list to mean that no surname is common', async () => {
    const distinct = await createTestDatabase();
    try {
      await distinct.dataSource.query(
        `INSERT INTO golden_profile (last_name) SELECT 'Unique' || n FROM generate_series(1, 2000) AS n`,
      );
      await distinct.dataSource.query('ANALYZE golden_profile');
      const tf = await tfOf(distinct.dataSource, ['Unique5']);
      // Counted directly, Unique5 would be 1/2000; from the statistics it is rare (no adjustment).
      expect(tf('lastName', 'unique5')).toBeUndefined();
    } finally {
      await distinct.destroy();
    }
  });
});
