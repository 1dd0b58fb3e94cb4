import { inTransaction, systemContext } from '../../src/common/context';
import { lockKey, lockNames } from '../../src/db/advisory-locks';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { createLogger } from '../../src/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('advisory locks', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.destroy());

  it('locks exactly the keys lockKey computes, whether PostgreSQL or Node.js hashes the name', async () => {
    const names = [
      'identifier:email:ann@example.com',
      'block:n:KFLSK:1980-03-05',
      'block:z:30-001:=łukasz',
      'block:n:=田中:1990',
      'record:salesforce\u00000035f00002EztxDAAR',
      'identifier:email:ann@example.com',
    ];
    const ctx = systemContext(db.dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test');
    const held = await inTransaction(ctx, async (tx) => {
      await lockNames(tx, names);
      const rows: { key: string }[] = await tx.manager.query(
        `SELECT ((classid::bigint << 32) | objid::bigint)::text AS key
           FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND pid = pg_backend_pid()`,
      );
      return rows.map((r) => BigInt.asIntN(64, BigInt(r.key)));
    });
    const expected = [...new Set(names)].map(lockKey);
    expect(held.sort()).toEqual(expected.sort());
  });
});
