import { loadConfig } from '../../src/config/config';
import { createHubServer, type HubServer } from '../../src/server/app';
import { startHub, type RunningHub } from '../../src/server/hub';
import { createHubPubSub } from '../../src/feed/change-notifier';
import { createLogger } from '../../src/logging/logger';
import { createTestDatabase, type TestDatabase } from './test-database';
import { testAuthEnv, testToken } from './test-auth';

export interface TestHub {
  url: string;
  wsUrl: string;
  db: TestDatabase;
  server: HubServer;
  stop(): Promise<void>;
}

/** The real hub server on a free port, over its own fresh database (or `existing`, left in place on stop). */
export async function startTestHub(env: Record<string, string> = {}, existing?: TestDatabase): Promise<TestHub> {
  const db = existing ?? (await createTestDatabase());
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: db.url,
    ...(await testAuthEnv()),
    ...env,
  });
  const server = await createHubServer({
    config,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    dataSource: db.dataSource,
    pubSub: createHubPubSub(),
  });
  const { port } = await server.listen();
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    db,
    server,
    async stop() {
      await server.stop();
      if (!existing) await db.destroy();
    },
  };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export interface GraphQLRequestOptions {
  /** The bearer token; default a token with every scope. `null` sends none. */
  token?: string | null;
}

/** Posts one GraphQL operation the way a client would (with a bearer token of every scope unless told). */
export async function graphql<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: GraphQLRequestOptions = {},
): Promise<GraphQLResponse<T>> {
  const token = options.token === undefined ? await testToken() : options.token;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: response.status, ...body };
}

/**
 * The whole hub as `profile-hub serve` runs it (`startHub`: HTTP, GraphQL, the webhook dispatcher, the feed, the
 * jobs) on a test database, with quick webhook retries; `env` adds or overrides settings.
 */
export async function startFullHub(db: TestDatabase, env: Record<string, string> = {}): Promise<RunningHub> {
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: db.url,
    WEBHOOK_POLL_INTERVAL_MS: '200',
    WEBHOOK_RETRY_BASE_MS: '100',
    WEBHOOK_RETRY_MAX_MS: '300',
    ...(await testAuthEnv()),
    ...env,
  });
  return startHub(config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
}
