import { serverAudits } from 'graphql-http';
import { testToken } from '../support/test-auth';
import { startTestHub, type TestHub } from '../support/test-hub';

/**
 * graphql-http's audit suite (GraphQL over HTTP spec conformance) against the running hub's `/graphql`, as an
 * authenticated client: no MUST may fail (the failures are the assertion message). SHOULD and MAY are not asserted:
 * the hub answers parse and validation errors with 400 and refuses GETs without a CSRF preflight header.
 */

let hub: TestHub;
let token: string;

beforeAll(async () => {
  hub = await startTestHub();
  token = await testToken();
});
afterAll(async () => {
  await hub?.stop();
});

/** fetch with the bearer token added to whatever headers the audit sends. */
const authenticatedFetch: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

it('passes every MUST audit of the GraphQL over HTTP spec', async () => {
  const audits = serverAudits({ url: () => hub.url, fetchFn: authenticatedFetch });
  expect(audits.filter((audit) => audit.name.startsWith('MUST')).length).toBeGreaterThan(10);
  const results = [];
  for (const audit of audits) results.push(await audit.fn());
  const failed = results.filter((result) => result.status !== 'ok');
  const describe = (list: typeof failed) =>
    list.map((result) => `${result.id} ${result.name}: ${'reason' in result ? result.reason : ''}`).join('\n');

  const must = failed.filter((result) => result.name.startsWith('MUST'));
  expect(describe(must)).toBe('');
  expect(results.filter((result) => result.name.startsWith('MUST') && result.status === 'ok').length).toBe(
    audits.filter((audit) => audit.name.startsWith('MUST')).length,
  );
});
