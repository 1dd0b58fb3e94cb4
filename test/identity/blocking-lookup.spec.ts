import { randomUUID } from 'node:crypto';
import { inTransaction, systemContext } from '../../src/common/context';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { profilesByBlockingKey } from '../../src/identity/resolution/resolve-identities';
import { createLogger } from '../../src/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('blocking-key look-up', () => {
  let db: TestDatabase;
  const profiles = (n: number) => Array.from({ length: n }, () => randomUUID());
  /** `rows` key rows spread over the given profiles (blocking_key keeps no foreign keys: derived data). */
  const holdKey = async (key: string, holders: string[], rows = holders.length) => {
    await db.dataSource.query(
      `INSERT INTO blocking_key (key, profile_id, source_record_id)
       SELECT $1, ($2::uuid[])[1 + (n % cardinality($2::uuid[]))], gen_random_uuid() FROM generate_series(0, $3 - 1) AS n`,
      [key, holders, rows],
    );
  };
  const lookUp = (keys: string[], maxBlockSize: number) =>
    inTransaction(
      systemContext(db.dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test'),
      (tx) => profilesByBlockingKey(tx, keys, maxBlockSize),
    );

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.destroy());

  it('returns the profiles of each key up to the block size and leaves broader keys out', async () => {
    const small = profiles(3);
    const broad = profiles(4);
    await holdKey('z:00950:NFK', small, 6); // three profiles, two records each
    await holdKey('z:00001:KFLSK', broad);
    const found = await lookUp(['z:00950:NFK', 'z:00001:KFLSK', 'z:99999:NONE'], 3);
    expect([...found.keys()]).toEqual(['z:00950:NFK']);
    // Each profile once, in id order whatever order the rows were read in: candidates are met in the same order
    // in every database.
    expect(found.get('z:00950:NFK')).toEqual([...small].sort());
  });

  it('takes a key for too broad from its first rows: four rows per profile of the block size, at most', async () => {
    const few = profiles(2);
    // Two profiles, but 12 rows (3 × 4): the look-up stops reading there and leaves the key out.
    await holdKey('n:MANY:1980', few, 12);
    await holdKey('n:SOME:1980', few, 11);
    const found = await lookUp(['n:MANY:1980', 'n:SOME:1980'], 3);
    expect([...found.keys()]).toEqual(['n:SOME:1980']);
    expect(found.get('n:SOME:1980')!.sort()).toEqual([...few].sort());
  });
});
