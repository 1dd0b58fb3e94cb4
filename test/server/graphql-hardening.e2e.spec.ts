import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestHub, type TestHub } from '../support/test-hub';
import { testToken } from '../support/test-auth';

/**
 * GraphQL hardening against the running hub, over HTTP and WebSocket: operation limits (depth, cost, aliases,
 * directives, tokens, `first` caps), no batching, CSRF prevention, body size, introspection and suggestions off.
 * The timeouts are in graphql-timeouts.e2e.spec.ts.
 */

interface Answer {
  status: number;
  body: { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, any> }[] };
  text: string;
}

let hub: TestHub;
let token: string;

// Small limits, and introspection off as in production.
const LIMITS = {
  GRAPHQL_MAX_DEPTH: '6',
  GRAPHQL_MAX_COST: '2000',
  GRAPHQL_MAX_ALIASES: '3',
  GRAPHQL_MAX_DIRECTIVES: '4',
  GRAPHQL_MAX_TOKENS: '300',
  GRAPHQL_MAX_BODY_BYTES: '4096',
  GRAPHQL_INTROSPECTION: 'false',
};

beforeAll(async () => {
  hub = await startTestHub(LIMITS);
  token = await testToken();
});
afterAll(async () => {
  await hub?.stop();
});

async function send(init: RequestInit & { headers?: Record<string, string> }, url = hub.url): Promise<Answer> {
  const response = await fetch(url, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...init.headers },
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text), text };
}

function post(query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  return send({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
}

function codes(answer: { errors?: { extensions?: Record<string, any> }[] }): unknown[] {
  return (answer.errors ?? []).map((e) => e.extensions?.code);
}

/** Neither a stack trace nor SQL text reaches the client. */
function expectNoInternals(text: string): void {
  expect(text).not.toMatch(/stacktrace|\bat .+\.(ts|js):\d+|SELECT |INSERT |golden_profile|QueryFailedError/i);
}

const DEEP = `query($id: ID!) { profile(id: $id) { mergedInto { mergedInto { mergedInto { mergedInto { mergedInto { mergedInto { id } } } } } } } }`;
// 2 + 200 × (1 + 1 + 10 fields) > 2000: refused before any resolver runs.
const COSTLY = `query($first: Int) { deadLetters(first: $first) { edges { node { id source transport contentType rawPayload recordIndex code message path status } } } }`;
const ALIASES = `{ a: segments { key } b: segments { key } c: segments { key } d: segments { key } }`;
const DIRECTIVES = `query($t: Boolean!) { segments { key @include(if: $t) name @include(if: $t) version @include(if: $t) size @include(if: $t) description @include(if: $t) } }`;

describe('operation limits over HTTP', () => {
  it('refuses a query nested deeper than GRAPHQL_MAX_DEPTH with QUERY_TOO_DEEP', async () => {
    const answer = await post(DEEP, { id: '00000000-0000-4000-8000-000000000000' });
    expect(answer.status).toBe(400);
    expect(codes(answer.body)).toEqual(['QUERY_TOO_DEEP']);
    expect(answer.body.errors![0].message).toMatch(/depth limit of 6/);
    expect(answer.body.data).toBeUndefined();
  });

  it('charges a connection `first` times its selection: QUERY_TOO_COSTLY over GRAPHQL_MAX_COST, fine under it', async () => {
    const costly = await post(COSTLY, { first: 200 });
    expect(costly.status).toBe(400);
    expect(codes(costly.body)).toEqual(['QUERY_TOO_COSTLY']);
    expect(costly.body.errors![0].extensions).toMatchObject({ maxCost: 2000 });
    // The default page (50) is charged when `first` is omitted.
    const byDefault = await post(COSTLY);
    expect(byDefault.status).toBe(200);
    expect(byDefault.body.data).toEqual({ deadLetters: { edges: [] } });
    // The same query passing once (a kept answer) does not let a costlier `first` through afterwards.
    expect((await post(COSTLY, { first: 10 })).status).toBe(200);
    expect(codes((await post(COSTLY, { first: 200 })).body)).toEqual(['QUERY_TOO_COSTLY']);
  });

  it('refuses a `first` above its page cap (or below 1) with BAD_USER_INPUT naming the cap', async () => {
    const above = await post(`query($first: Int) { deadLetters(first: $first) { totalCount } }`, { first: 201 });
    expect(above.status).toBe(400);
    expect(codes(above.body)).toEqual(['BAD_USER_INPUT']);
    expect(above.body.errors![0].extensions).toMatchObject({ argument: 'first', max: 200 });
    const zero = await post(`{ segments { members(first: 0) { edges { cursor } } } }`);
    expect(codes(zero.body)).toEqual(['BAD_USER_INPUT']);
    // The change feed pages up to 1,000 events.
    const feed = await post(`{ changes(first: 1001) { pageInfo { endCursor } } }`);
    expect(feed.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', max: 1000 });
    const allowed = await post(`{ deadLetters(first: 200) { totalCount } }`);
    expect(allowed.status).toBe(200);
    expect(allowed.body.data).toEqual({ deadLetters: { totalCount: 0 } });
  });

  it('refuses too many aliases, too many directives and too many tokens', async () => {
    const aliases = await post(ALIASES);
    expect(aliases.status).toBe(400);
    expect(codes(aliases.body)).toEqual(['TOO_MANY_ALIASES']);
    const directives = await post(DIRECTIVES, { t: true });
    expect(directives.status).toBe(400);
    expect(codes(directives.body)).toEqual(['TOO_MANY_DIRECTIVES']);
    const tokens = await post(`{ ${'segments { key } '.repeat(80)} }`);
    expect(tokens.status).toBe(400);
    expect(codes(tokens.body)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });
});

describe('the HTTP endpoint', () => {
  it('refuses a batch of operations with a coded 400', async () => {
    const answer = await send({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ segments { key } }' }, { query: '{ segments { key } }' }]),
    });
    expect(answer.status).toBe(400);
    expect(codes(answer.body)).toEqual(['BAD_REQUEST']);
  });

  it('blocks requests a browser could send cross-site without a preflight (CSRF)', async () => {
    const plain = await send({
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: 'mutation { deleteSegment(key: "x") { __typename } }' }),
    });
    expect(plain.status).toBe(400);
    expect(codes(plain.body)).toEqual(['BAD_REQUEST']);
    expect(plain.body.data).toBeUndefined();
    const get = await send({ method: 'GET' }, `${hub.url}?query=${encodeURIComponent('{ segments { key } }')}`);
    expect(get.status).toBe(400);
    expect(get.body.data).toBeUndefined();
    // The same GET with a header no simple request can carry goes through.
    const preflighted = await send(
      { method: 'GET', headers: { 'apollo-require-preflight': 'true' } },
      `${hub.url}?query=${encodeURIComponent('{ segments { key } }')}`,
    );
    expect(preflighted.status).toBe(200);
    expect(preflighted.body.data).toEqual({ segments: [] });
  });

  it('answers a body over GRAPHQL_MAX_BODY_BYTES with a coded 413', async () => {
    const answer = await post('{ segments { key } }', { padding: 'x'.repeat(5000) });
    expect(answer.status).toBe(413);
    expect(codes(answer.body)).toEqual(['PAYLOAD_TOO_LARGE']);
    expectNoInternals(answer.text);
  });

  it('with introspection off, refuses introspection and leaves out "Did you mean" hints', async () => {
    const schema = await post('{ __schema { types { name } } }');
    expect(schema.status).toBe(400);
    expect(codes(schema.body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const typo = await post('{ segmentz { key } }');
    expect(typo.status).toBe(400);
    expect(codes(typo.body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(typo.body.errors![0].message).toContain('Cannot query field "segmentz"');
    expect(typo.text).not.toMatch(/did you mean/i);
    const badEnum = await post(`query($s: DeadLetterStatus) { deadLetters(status: $s) { totalCount } }`, { s: 'OPEM' });
    expect(badEnum.status).toBe(400);
    expect(badEnum.text).not.toMatch(/did you mean|"OPEN"/i);
  });
});

describe('the same limits over WebSocket', () => {
  let client: Client;
  beforeAll(() => {
    client = createClient({
      url: hub.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
    });
  });
  afterAll(async () => {
    await client?.dispose();
  });

  /** Runs one operation on the shared socket: its first result, or the errors of an `error` message. */
  function run(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<{ data?: unknown; errors?: { message: string; extensions?: Record<string, any> }[] }> {
    return new Promise((resolve, reject) => {
      let dispose = (): void => undefined;
      dispose = client.subscribe(
        { query, variables },
        {
          next: (result) => {
            resolve(result as { data?: unknown });
            dispose();
          },
          error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
          complete: () => undefined,
        },
      );
    });
  }

  it('answers each refused operation with an error message, and the socket stays usable', async () => {
    const deep = await run(DEEP, { id: '00000000-0000-4000-8000-000000000000' });
    expect(codes(deep)).toEqual(['QUERY_TOO_DEEP']);
    expect(codes(await run(COSTLY, { first: 200 }))).toEqual(['QUERY_TOO_COSTLY']);
    expect(codes(await run(ALIASES))).toEqual(['TOO_MANY_ALIASES']);
    expect(codes(await run(DIRECTIVES, { t: true }))).toEqual(['TOO_MANY_DIRECTIVES']);
    expect(codes(await run(`{ ${'segments { key } '.repeat(80)} }`))).toEqual(['GRAPHQL_PARSE_FAILED']);
    const feed = await run(`{ changes(first: 5000) { pageInfo { endCursor } } }`);
    expect(feed.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', max: 1000 });
    const typo = await run('{ segmentz { key } }');
    expect(codes(typo)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(JSON.stringify(typo)).not.toMatch(/did you mean/i);
    const introspection = await run('{ __schema { types { name } } }');
    expect(introspection.data).toBeUndefined();
    expect(new Set(codes(introspection))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));

    // Still the same socket: an operation within the limits runs.
    expect(await run('{ segments { key } }')).toEqual({ data: { segments: [] } });
  });
});
