import { Client } from 'pg';
import { loadConfig } from '../../src/config/config';
import { createDataSource } from '../../src/db/data-source';
import { createHubPubSub } from '../../src/feed/change-notifier';
import { createLogger } from '../../src/logging/logger';
import { createHubServer, type HubServer } from '../../src/server/app';
import { testAuthEnv, testToken } from '../support/test-auth';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { graphql, startTestHub, type TestHub } from '../support/test-hub';

/**
 * Per-operation timeouts against the running hub. A test holds a table lock so that the hub's statement waits
 * for as long as the test decides: no assertion depends on how fast the machine is.
 * - GRAPHQL_TIMEOUT_MS: once the deadline has passed, no further resolver starts (OPERATION_TIMEOUT);
 * - DB_STATEMENT_TIMEOUT_MS: PostgreSQL cancels the statement; the client gets OPERATION_TIMEOUT, never SQL.
 */

const INGEST = `
  mutation($source: String, $records: [JSONObject!]!) {
    ingest(source: $source, records: $records) { accepted results { ... on IngestAccepted { profileId } } }
  }`;
const PROFILE = `query($id: ID!) { profile(id: $id) { id email firstName sourceRecords { source externalId } } }`;

function record(externalId: string, email: string) {
  return { externalId, updatedAt: '2026-11-01T10:00:00Z', attributes: { email, firstName: 'Ann' } };
}

let db: TestDatabase;
let profileId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const hub = await startTestHub({}, db);
  try {
    const ingested = await graphql(hub.url, INGEST, {
      source: 'salesforce',
      records: [record('003A', 'ann@example.com')],
    });
    profileId = ingested.data!.ingest.results[0].profileId;
  } finally {
    await hub.stop();
  }
});
afterAll(async () => {
  await db?.destroy();
});

/**
 * Holds an ACCESS EXCLUSIVE lock on `tables` while `during` runs; `during` gets a function that resolves once some
 * other session of the database waits for the lock.
 */
async function withTablesLocked<T>(tables: string[], during: (blocked: () => Promise<void>) => Promise<T>): Promise<T> {
  const locker = new Client({ connectionString: db.url });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE ${tables.join(', ')} IN ACCESS EXCLUSIVE MODE`);
    const blocked = async () => {
      for (;;) {
        const { rows } = await locker.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        );
        if (rows[0].n > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    return await during(blocked);
  } finally {
    await locker.query('ROLLBACK').catch(() => undefined);
    await locker.end();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('GRAPHQL_TIMEOUT_MS', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ GRAPHQL_TIMEOUT_MS: '50' }, db);
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it('starts no resolver of a query after the deadline: OPERATION_TIMEOUT, the rest of the answer left out', async () => {
    const { pending: answered } = await withTablesLocked(['golden_profile'], async (blocked) => {
      const pending = graphql(hub.url, PROFILE, { id: profileId });
      await blocked();
      // The profile's first statement waits on the lock for longer than the 50 ms deadline.
      await sleep(200);
      return { pending }; // not awaited here: the lock goes when this returns
    });
    const answer = await answered;
    expect(answer.status).toBe(200);
    expect(answer.data).toEqual({ profile: null });
    expect(answer.errors!.length).toBeGreaterThan(0);
    for (const error of answer.errors!) {
      expect(error.extensions).toEqual({ code: 'OPERATION_TIMEOUT', timeoutMs: 50 });
    }
  });

  it('starts no further top-level mutation after the deadline; the error names it, the one before committed', async () => {
    const both = `
      mutation($a: [JSONObject!]!, $b: [JSONObject!]!) {
        first: ingest(source: "hubspot", records: $a) { accepted }
        second: ingest(source: "hubspot", records: $b) { accepted }
      }`;
    const { pending: answered } = await withTablesLocked(['source_record'], async (blocked) => {
      const pending = graphql(hub.url, both, {
        a: [record('hs-1', 'first@example.com')],
        b: [record('hs-2', 'second@example.com')],
      });
      await blocked();
      await sleep(200);
      return { pending }; // not awaited here: the lock goes when this returns
    });
    const answer = await answered;
    // `ingest` is non-null, so the refused field takes the whole `data` with it; its error's path names it.
    expect(answer.data).toBeNull();
    expect(answer.errors!.map((e) => [(e as { path?: string[] }).path, e.extensions?.code])).toEqual([
      [['second'], 'OPERATION_TIMEOUT'],
    ]);
    const stored = (await db.dataSource.query(
      `SELECT external_id FROM source_record WHERE source = 'hubspot' ORDER BY external_id`,
    )) as { external_id: string }[];
    expect(stored.map((r) => r.external_id)).toEqual(['hs-1']);
  });
});

describe('DB_STATEMENT_TIMEOUT_MS', () => {
  let server: HubServer;
  let url: string;
  const statementTimeoutMs = 300;
  const dataSource = () => createDataSource({ url: db.url, poolSize: 2, statementTimeoutMs });
  let pool: ReturnType<typeof dataSource>;

  beforeAll(async () => {
    // The hub's own pool with the timeout, as `openDatabase` builds it from DB_STATEMENT_TIMEOUT_MS.
    pool = dataSource();
    await pool.initialize();
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      DB_STATEMENT_TIMEOUT_MS: String(statementTimeoutMs),
      ...(await testAuthEnv()),
    });
    expect(config.dbStatementTimeoutMs).toBe(statementTimeoutMs);
    server = await createHubServer({
      config,
      logger: createLogger('silent'),
      dataSource: pool,
      pubSub: createHubPubSub(),
    });
    ({ url } = await server.listen());
  });
  afterAll(async () => {
    await server?.stop();
    if (pool?.isInitialized) await pool.destroy();
  });

  it('cancels a statement that runs too long: a coded error without SQL or a stack, and the hub answers after', async () => {
    const answer = await withTablesLocked(['golden_profile'], async () => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await testToken()}` },
        body: JSON.stringify({ query: PROFILE, variables: { id: profileId } }),
      });
      return { status: response.status, text: await response.text() };
    });
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.text);
    expect(body.data).toEqual({ profile: null });
    expect(body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['OPERATION_TIMEOUT']);
    expect(answer.text).not.toMatch(/stacktrace|SELECT|golden_profile|canceling statement|QueryFailedError|\.ts:\d+/i);

    const after = await graphql(url, PROFILE, { id: profileId });
    expect(after.errors).toBeUndefined();
    expect(after.data!.profile).toMatchObject({ email: 'ann@example.com' });
  });
});
