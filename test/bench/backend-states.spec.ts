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
      // About 600 ms of each inside the transaction. How much of the window lies outside it depends on how soon the
      // sampler connected: on a loaded machine it took the whole 300 ms, and the two shares of the window came out at
      // 0.56 and 0.44 — so the split is checked within the transaction, and the transaction within the window.
      const inside = shares.running + shares.waitingOnClient;
      expect(inside).toBeGreaterThan(0.5);
      expect(shares.running / inside).toBeGreaterThan(0.35);
      expect(shares.running / inside).toBeLessThan(0.65);
      expect(shares.waitingOnClient / inside).toBeGreaterThan(0.35);
      expect(shares.waitingOnClient / inside).toBeLessThan(0.65);
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
