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

  it('queues look-ups back to back: the next one runs while the caller reads the rows of the one before', async () => {
    await inTransaction(ctx, async (tx) => {
      const chain = new StatementChain(tx);
      await chain.send(`INSERT INTO chain_log (n) VALUES (20)`, []);
      // Both queued before either answers; the second reads what the first wrote, as with plain awaits.
      const first = chain.query<{ n: number; done: Date }[]>(
        `SELECT n, clock_timestamp() AS done FROM chain_log, pg_sleep(0.05) WHERE n = 20`,
      );
      const second = chain.query<{ n: number; started: Date }[]>(
        `INSERT INTO chain_log (n) SELECT n + 1 FROM chain_log WHERE n = 20 RETURNING n, clock_timestamp() AS started`,
      );
      const rows = await first;
      // Reading the rows takes the caller 300 ms: the second statement must not wait for that.
      const until = Date.now() + 300;
      while (Date.now() < until);
      const next = await second;
      expect(rows.map((r) => r.n)).toEqual([20]);
      expect(next.map((r) => r.n)).toEqual([21]);
      expect(next[0].started.getTime() - rows[0].done.getTime()).toBeLessThan(150);
      await chain.idle();
    });
    expect(warnings.filter((w) => w.includes('already executing a query'))).toEqual([]);
  });

  it('fails every look-up queued after a failed statement without sending it', async () => {
    const seen: string[] = [];
    const failure = inTransaction(ctx, async (tx) => {
      const chain = new StatementChain(tx);
      try {
        const bad = chain.query(`SELECT 1 / 0`);
        const after = chain.query(`INSERT INTO chain_log (n) VALUES (30) RETURNING n`);
        await bad.catch((error: { driverError?: { code?: string } }) => seen.push(`bad ${error.driverError?.code}`));
        await after.catch((error: { driverError?: { code?: string } }) =>
          seen.push(`after ${error.driverError?.code}`),
        );
        await chain.idle();
      } finally {
        await chain.settle();
      }
    });
    await expect(failure).rejects.toMatchObject({ driverError: { code: '22012' } });
    expect(seen).toEqual(['bad 22012', 'after 22012']);
    const rows: { n: number }[] = await db.dataSource.query(`SELECT n FROM chain_log WHERE n = 30`);
    expect(rows).toEqual([]);
  });
});
