import { randomUUID } from 'node:crypto';
import { inTransaction, systemContext } from '../../src/common/context';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { profilesByBlockingKey, profilesByIdentifier } from '../../src/identity/resolution/resolve-identities';
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
      (tx) => profilesByBlockingKey(tx.manager, keys, maxBlockSize),
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

  it('decides keys at the default block size: as many profiles as rows up to 100, 101 different ones are too many', async () => {
    const hundred = profiles(100);
    const hundredAndOne = profiles(101);
    const manyRecords = profiles(90);
    await holdKey('n:HUNDRED:1980', hundred);
    await holdKey('n:HUNDREDONE:1980', hundredAndOne);
    await holdKey('n:WIDE:1980', profiles(500));
    // 90 people with 150 records: the first 101 rows repeat people, so the key is read further, and kept.
    await holdKey('n:RECORDS:1980', manyRecords, 150);
    // 100 people with 400 records: as many rows as the look-up reads, too broad however few people.
    await holdKey('n:FULL:1980', profiles(100), 400);
    const found = await lookUp(
      ['n:WIDE:1980', 'n:RECORDS:1980', 'n:HUNDREDONE:1980', 'n:FULL:1980', 'n:HUNDRED:1980'],
      100,
    );
    expect([...found.keys()]).toEqual(['n:RECORDS:1980', 'n:HUNDRED:1980']);
    expect(found.get('n:RECORDS:1980')).toEqual([...manyRecords].sort());
    expect(found.get('n:HUNDRED:1980')).toEqual([...hundred].sort());
  });

  describe('identifiers', () => {
    /** A profile (active unless said) holding `value` through `records` source records. */
    const holdIdentifier = async (value: string, records: number, status = 'active') => {
      const [{ id }] = await db.dataSource.query(`INSERT INTO golden_profile (status) VALUES ($1) RETURNING id`, [
        status,
      ]);
      await db.dataSource.query(
        `WITH r AS (
           INSERT INTO source_record (source, external_id, profile_id)
           SELECT 'crm', gen_random_uuid()::text, $1 FROM generate_series(1, $3)
           RETURNING id)
         INSERT INTO identifier (type, value, source_record_id, profile_id) SELECT 'phone', $2, r.id, $1 FROM r`,
        [id, value, records],
      );
      return id as string;
    };
    const lookUpIdentifiers = (values: string[], sharedValueLimit: number) =>
      inTransaction(
        systemContext(db.dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test'),
        (tx) =>
          profilesByIdentifier(
            tx.manager,
            values.map((value) => ({ type: 'phone', value })),
            sharedValueLimit,
          ),
      );

    it('counts the profiles holding a value, not its records, against the shared-value limit', async () => {
      // Three people of one household, each with a CRM contact and an MA lead carrying the landline: six rows.
      const household = [
        await holdIdentifier('+4930111111', 2),
        await holdIdentifier('+4930111111', 2),
        await holdIdentifier('+4930111111', 2),
      ];
      const found = await lookUpIdentifiers(['+4930111111', '+4930999999'], 3);
      // Each profile once, in id order.
      expect(found.get('phone\u0000+4930111111')).toEqual([...household].sort());
      expect(found.has('phone\u0000+4930999999')).toBe(false);
    });

    it('leaves out a value more profiles share than the limit, and profiles merged away', async () => {
      for (let i = 0; i < 4; i++) await holdIdentifier('+4940222222', 1);
      const live = await holdIdentifier('+4940333333', 1);
      await holdIdentifier('+4940333333', 3, 'merged');
      const found = await lookUpIdentifiers(['+4940222222', '+4940333333'], 3);
      expect([...found.keys()]).toEqual(['phone\u0000+4940333333']);
      expect(found.get('phone\u0000+4940333333')).toEqual([live]);
    });
  });
});
