import { inTransaction, systemContext, type ServiceContext } from '../../src/common/context';
import { StatementChain } from '../../src/db/statement-chain';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { createLogger } from '../../src/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('StatementChain', () => {
  let db: TestDatabase;
  let ctx: ServiceContext;
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
    ctx = systemContext(db.dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test');
    await db.dataSource.query(`CREATE TABLE chain_log (n int PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())`);
    process.on('warning', onWarning);
  });
  afterAll(async () => {
    process.off('warning', onWarning);
    await db.destroy();
  });

  it('runs statements in the order sent, one at a time, while the caller works between them', async () => {
    const order: string[] = [];
    await inTransaction(ctx, async (tx) => {
      const chain = new StatementChain(tx);
      await chain.send(`SELECT pg_sleep(0.2); INSERT INTO chain_log (n) VALUES (1)`, [], () => order.push('done 1'));
      order.push('sent 1');
      // Synchronous work here runs while PostgreSQL sleeps: the statement is already on its way.
      order.push('working');
      await chain.send(`INSERT INTO chain_log (n) VALUES (2)`, []);
      order.push('sent 2');
      let logged: number[] = [];
      await chain.send<{ n: number }[]>(`SELECT n FROM chain_log ORDER BY at`, [], (rows) => {
        logged = rows.map((r) => r.n);
      });
      await chain.idle();
      expect(logged).toEqual([1, 2]);
    });
    expect(order).toEqual(['sent 1', 'working', 'done 1', 'sent 2']);
    // node-postgres deprecates queueing a query on a busy client: the chain never does.
    expect(warnings.filter((w) => w.includes('already executing a query'))).toEqual([]);
  });

  it('reports the statement that failed, never sends the ones after it, and waits for it on cleanup', async () => {
    const failure = inTransaction(ctx, async (tx) => {
      const chain = new StatementChain(tx);
      try {
        await chain.send(`INSERT INTO chain_log (n) VALUES (10)`, []);
        await chain.send(`INSERT INTO chain_log (n) VALUES (10)`, []); // a duplicate key
        await chain.send(`INSERT INTO chain_log (n) VALUES (11)`, []);
        await chain.idle();
      } finally {
        await chain.settle();
      }
    });
    await expect(failure).rejects.toMatchObject({ driverError: { code: '23505' } });
    const rows: { n: number }[] = await db.dataSource.query(`SELECT n FROM chain_log WHERE n >= 10`);
    expect(rows).toEqual([]);
  });

  it("fails on a statement's check of its rows", async () => {
    const checked = inTransaction(ctx, async (tx) => {
      const chain = new StatementChain(tx);
      await chain.send<unknown[]>(`SELECT 1 FROM chain_log WHERE n = 99`, [], (rows) => {
        if (rows.length === 0) throw new Error('row 99 went missing');
      });
      await chain.idle();
    });
    await expect(checked).rejects.toThrow('row 99 went missing');
  });
});
