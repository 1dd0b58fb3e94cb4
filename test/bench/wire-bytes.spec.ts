import { Pool } from 'pg';
import { WireBytes, wireBetween } from '../../bench/wire-bytes';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('bench: bytes exchanged with PostgreSQL (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, max: 2 });
  });
  afterAll(async () => {
    await pool.end();
    await db.destroy();
  });

  it('counts the parameters sent and the rows received, on connections opened before and after it began', async () => {
    await pool.query('SELECT 1'); // a connection the pool holds already
    const wire = new WireBytes(pool);
    const before = wire.totals();
    const parameter = 'x'.repeat(200_000);
    // Two at once: the second needs a connection the pool opens now.
    await Promise.all([
      pool.query('SELECT length($1::text) AS n', [parameter]),
      pool.query(`SELECT repeat('y', 300000) AS text`),
    ]);
    const spent = wireBetween(before, wire.totals());
    expect(spent.sent).toBeGreaterThan(200_000);
    expect(spent.sent).toBeLessThan(210_000);
    expect(spent.received).toBeGreaterThan(300_000);
    expect(spent.received).toBeLessThan(310_000);
  });

  it('keeps what a connection exchanged after the pool closed it', async () => {
    const own = new Pool({ connectionString: db.url, max: 1, idleTimeoutMillis: 10 });
    const wire = new WireBytes(own);
    await own.query(`SELECT repeat('z', 100000) AS text`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(own.totalCount).toBe(0);
    expect(wire.totals().received).toBeGreaterThan(100_000);
    await own.end();
  });
});
