import { inTransaction, systemContext } from '../../src/common/context';
import { loadTermFrequency } from '../../src/identity/resolution/profile-infos';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { createLogger } from '../../src/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('surname frequencies from PostgreSQL statistics', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.destroy());

  it('knows a common surname once ANALYZE has seen it, and says nothing of rare ones', async () => {
    await db.dataSource.query(
      `INSERT INTO golden_profile (last_name)
       SELECT CASE WHEN n % 4 = 0 THEN 'Nowak' WHEN n % 4 = 1 THEN 'Nowák' ELSE 'Rare' || n END
         FROM generate_series(1, 4000) AS n`,
    );
    await db.dataSource.query('ANALYZE golden_profile');
    const ctx = systemContext(db.dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test');
    const tf = await inTransaction(ctx, (tx) => loadTermFrequency(tx));
    // Spellings that fold to one name count together: half of all profiles are Nowak or Nowák.
    expect(tf('lastName', 'nowak')).toBeCloseTo(0.5, 1);
    expect(tf('lastName', 'rare17')).toBeUndefined();
    expect(tf('firstName', 'nowak')).toBeUndefined();
  });
});
