import { Client } from 'pg';
import { BackendStates } from '../../bench/backend-states';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe("bench: PostgreSQL's backend states, sampled (real PostgreSQL)", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => db.destroy());

  const busy = (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until);
  };

  it('tells the time the server ran statements from the time it waited inside a transaction for a busy client', async () => {
    const client = new Client({ connectionString: db.url, application_name: 'states-under-test' });
    const other = new Client({ connectionString: db.url, application_name: 'someone-else' });
    await Promise.all([client.connect(), other.connect()]);
    try {
      const states = BackendStates.start(db.url, 'states-under-test', 2);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the sampler connects
      await client.query('BEGIN');
      await client.query('SELECT 1 AS first_step');
      // Another application's statement runs meanwhile: it is not the one sampled.
      const elsewhere = other.query('SELECT pg_sleep(0.5)');
      // The client works for 600 ms with its main thread busy (no turn for timers): the sampler, in its worker, goes on.
      busy(600);
      await client.query('SELECT pg_sleep(0.6) AS second_step');
      await client.query('COMMIT');
      await elsewhere;
      const shares = await states.stop();

      expect(shares.samples).toBeGreaterThan(100);
      // About 600 ms of each in ~1.5 s sampled (the rest outside the transaction).
      expect(shares.waitingOnClient).toBeGreaterThan(0.25);
      expect(shares.waitingOnClient).toBeLessThan(0.55);
      expect(shares.running).toBeGreaterThan(0.25);
      expect(shares.running).toBeLessThan(0.55);
      expect(shares.running + shares.waitingOnClient + shares.outsideTransactions).toBeCloseTo(1, 5);
      // The wait is the busy 600 ms after the first step; the turn between BEGIN and it may catch a sample or two
      // on a loaded machine.
      expect(shares.waitsAfter[0].statement).toBe('SELECT 1 AS first_step');
      expect(shares.waitsAfter[0].share).toBeGreaterThan(shares.waitingOnClient * 0.9);
    } finally {
      await Promise.all([client.end(), other.end()]);
    }
  });

  it('reports a sampler that could not connect when stopped, however long before it failed', async () => {
    const url = new URL(db.url);
    url.pathname = '/no_such_database_for_states';
    const states = BackendStates.start(url.toString(), 'states-under-test');
    await new Promise((resolve) => setTimeout(resolve, 500)); // it has failed by now
    await expect(states.stop()).rejects.toThrow(/sampling pg_stat_activity failed: .*no_such_database_for_states/);
  });
});
