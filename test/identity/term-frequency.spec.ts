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
});
