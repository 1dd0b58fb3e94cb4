import { graphql, startTestHub, type GraphQLResponse, type TestHub } from '../support/test-hub';

const SEARCH = `query($search: String!, $first: Int, $after: String) {
  profiles(filter: { search: $search }, first: $first, after: $after) {
    edges { cursor node { id firstName lastName email } }
    pageInfo { hasNextPage endCursor }
  } }`;

describe('profiles(filter: { search }): find a person by email, phone or name', () => {
  let hub: TestHub;

  const people = [
    {
      externalId: 'c1',
      attributes: { firstName: 'Ann', lastName: 'Kowalska', email: 'ann.k@example.com', phone: '+48 601 234 567' },
    },
    { externalId: 'c2', attributes: { firstName: 'Anna', lastName: 'Nowak', email: 'anna@example.org' } },
    { externalId: 'c3', attributes: { firstName: 'Piotr', lastName: 'Kowalski', email: 'piotr@example.pl' } },
    { externalId: 'c4', attributes: { firstName: 'Kowal', lastName: 'Annan', email: 'k.annan@example.net' } },
    { externalId: 'c5', attributes: { firstName: 'Zoe', lastName: '100%_Real', email: 'zoe@example.com' } },
  ];

  beforeAll(async () => {
    hub = await startTestHub({ HUB_PHONE_REGION: 'PL' });
    const result = await graphql(
      hub.url,
      'mutation($r: [JSONObject!]!) { ingest(source: "salesforce", records: $r) { accepted } }',
      { r: people.map((p) => ({ ...p, updatedAt: '2026-01-01T00:00:00Z' })) },
    );
    expect(result.data!.ingest.accepted).toBe(5);
  });
  afterAll(async () => hub?.stop());

  const names = async (search: string) =>
    (await graphql(hub.url, SEARCH, { search })).data!.profiles.edges.map(
      (e: { node: { firstName: string; lastName: string } }) => `${e.node.firstName} ${e.node.lastName}`,
    );

  it('matches the beginning of a first or last name, case-insensitive, by last name then first name', async () => {
    expect(await names('kowal')).toEqual(['Kowal Annan', 'Ann Kowalska', 'Piotr Kowalski']);
    expect(await names('ANN')).toEqual(['Kowal Annan', 'Ann Kowalska', 'Anna Nowak']);
  });

  it('matches two words as first and last name in either order', async () => {
    // Kowal Annan too: first name Kowal…, last name Ann….
    expect(await names('ann kow')).toEqual(['Kowal Annan', 'Ann Kowalska']);
    expect(await names('kowalska ann')).toEqual(['Ann Kowalska']);
  });

  it('finds by email and by a phone number written the local way', async () => {
    expect(await names('ANN.K@example.com')).toEqual(['Ann Kowalska']);
    expect(await names('601 234 567')).toEqual(['Ann Kowalska']);
  });

  it('treats % and _ as letters, not wildcards', async () => {
    expect(await names('100%_')).toEqual(['Zoe 100%_Real']);
    expect(await names('1_0')).toEqual([]);
  });

  it('pages with a cursor without repeating or skipping anyone', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const result: GraphQLResponse<Record<string, any>> = await graphql(hub.url, SEARCH, {
        search: 'an',
        first: 1,
        after,
      });
      const connection: {
        edges: { node: { lastName: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      } = result.data!.profiles;
      seen.push(...connection.edges.map((e: { node: { lastName: string } }) => e.node.lastName));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(['Annan', 'Kowalska', 'Nowak']);
  });

  it('refuses a one-letter search and a forged cursor with a code', async () => {
    expect((await graphql(hub.url, SEARCH, { search: 'a' })).errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    const forged = await graphql(hub.url, SEARCH, { search: 'ann', after: 'bm9wZQ' });
    expect(forged.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });
});
