import { fromGlobalId } from '../../src/common/global-id';
import { graphql, startTestHub, type TestHub } from '../support/test-hub';

const INGEST = `mutation($source: String, $records: [JSONObject!]!) {
  ingest(source: $source, records: $records) {
    results { ... on IngestAccepted { status profileId } ... on IngestRejected { code message path } }
  } }`;

const DEFINE = `mutation($key: String!, $name: String!, $rule: JSON!) {
  defineSegment(key: $key, name: $name, rule: $rule) {
    __typename
    ... on SegmentDefined { entered exited segment { key version size } }
    ... on InvalidSegmentRule { code message path }
    ... on ActionRefused { code message }
  } }`;

const SEGMENT = `query($key: String!) { segment(key: $key) {
  key name version size rule members(first: 10) { edges { cursor enteredAt node { id email } } pageInfo { hasNextPage } }
} }`;

const DELETE = `mutation($key: String!) { deleteSegment(key: $key) {
  __typename ... on SegmentDeleted { key exited } ... on ActionRefused { code message } } }`;

const SET_CONSENT = `mutation($input: SetConsentInput!) { setConsent(input: $input) { __typename } }`;

describe('segments through the real hub', () => {
  let hub: TestHub;
  const ingest = async (source: string, records: unknown[]) => {
    const res = await graphql(hub.url, INGEST, { source, records });
    expect(res.errors).toBeUndefined();
    return res.data!.ingest.results as { status: string; profileId: string }[];
  };
  const define = async (key: string, rule: unknown) => {
    const res = await graphql(hub.url, DEFINE, { key, name: key.toUpperCase(), rule });
    expect(res.errors).toBeUndefined();
    return res.data!.defineSegment;
  };
  const segment = async (key: string) => (await graphql(hub.url, SEGMENT, { key })).data!.segment;
  const membershipEvents = async (key: string) =>
    (
      await hub.db.dataSource.query(
        `SELECT type, profile_id, payload FROM change_event WHERE segment_key = $1 AND type LIKE 'segment.%ed'
          AND type IN ('segment.entered', 'segment.exited') ORDER BY position`,
        [key],
      )
    ).map((e: { type: string; profile_id: string }) => [e.type, e.profile_id]);

  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub.stop());

  it('computes a new segment at once, then keeps it up to date as profiles change, with ENTERED / EXITED events', async () => {
    const [pl] = await ingest('salesforce', [
      { externalId: 's1', attributes: { email: 'pl1@example.com', address: { country: 'PL' }, jobTitle: 'CTO' } },
    ]);
    const [de] = await ingest('salesforce', [
      { externalId: 's2', attributes: { email: 'de1@example.com', address: { country: 'DE' }, jobTitle: 'CTO' } },
    ]);
    const defined = await define('polish-ctos', {
      and: [
        { field: 'address.country', op: 'eq', value: 'PL' },
        { field: 'jobTitle', op: 'in', value: ['CTO', 'CIO'] },
      ],
    });
    expect(defined).toMatchObject({
      __typename: 'SegmentDefined',
      entered: 1,
      exited: 0,
      segment: { version: 1, size: 1 },
    });
    const uuid = (id: string) => fromGlobalId('Profile', id);
    expect(await membershipEvents('polish-ctos')).toEqual([['segment.entered', uuid(pl.profileId)]]);

    // The German CTO moves to Poland: enters. The Polish one changes job: exits.
    await ingest('salesforce', [
      {
        externalId: 's2',
        updatedAt: new Date(Date.now() + 60_000).toISOString(),
        attributes: { address: { country: 'PL' } },
      },
    ]);
    await ingest('salesforce', [
      {
        externalId: 's1',
        updatedAt: new Date(Date.now() + 60_000).toISOString(),
        attributes: { jobTitle: 'Engineer' },
      },
    ]);
    expect(await membershipEvents('polish-ctos')).toEqual([
      ['segment.entered', uuid(pl.profileId)],
      ['segment.entered', uuid(de.profileId)],
      ['segment.exited', uuid(pl.profileId)],
    ]);
    const s = await segment('polish-ctos');
    expect(s.size).toBe(1);
    expect(s.members.edges.map((e: any) => e.node.email)).toEqual(['de1@example.com']);
    // What a steward sees looking back: the latest entries and exits first.
    const recent = await graphql(
      hub.url,
      `
        query {
          segment(key: "polish-ctos") {
            recentChanges(first: 2) {
              type
              profileId
            }
          }
        }
      `,
    );
    expect(recent.data!.segment.recentChanges).toEqual([
      { type: 'EXITED', profileId: pl.profileId },
      { type: 'ENTERED', profileId: de.profileId },
    ]);

    // A new version recomputes: whoever no longer matches exits.
    const v2 = await define('polish-ctos', { field: 'address.country', op: 'eq', value: 'PL' });
    expect(v2).toMatchObject({ entered: 1, exited: 0, segment: { version: 2, size: 2 } });
  });

  it('follows consents, engagement and other segments', async () => {
    const [p] = await ingest('hubspot', [
      {
        externalId: 'h1',
        attributes: { email: 'mq@example.com', firstName: 'Mia' },
        events: [{ id: 'ev1', type: 'email_clicked', occurredAt: new Date(Date.now() - 3_600_000).toISOString() }],
      },
    ]);
    expect(await define('marketable', { consent: { purpose: 'email_marketing', channel: 'email' } })).toMatchObject({
      entered: 0,
    });
    expect(
      await define('engaged-marketable', {
        and: [{ segment: 'marketable' }, { events: { type: 'email_clicked', atLeast: 2, days: 30 } }],
      }),
    ).toMatchObject({ __typename: 'SegmentDefined', entered: 0 });

    await graphql(hub.url, SET_CONSENT, {
      input: { profileId: p.profileId, purpose: 'email_marketing', channel: 'email', status: 'GRANTED' },
    });
    expect((await segment('marketable')).size).toBe(1);
    expect((await segment('engaged-marketable')).size).toBe(0);
    // A second click within 30 days: the profile enters the segment built on the other one, in the same ingest.
    await ingest('hubspot', [
      {
        externalId: 'h1',
        updatedAt: new Date().toISOString(),
        events: [{ id: 'ev2', type: 'email_clicked', occurredAt: new Date().toISOString() }],
      },
    ]);
    expect((await segment('engaged-marketable')).size).toBe(1);
    // Withdrawing the consent takes the profile out of both.
    await graphql(hub.url, SET_CONSENT, {
      input: { profileId: p.profileId, purpose: 'email_marketing', channel: 'email', status: 'WITHDRAWN' },
    });
    expect((await segment('marketable')).size).toBe(0);
    expect((await segment('engaged-marketable')).size).toBe(0);

    // A segment in use cannot go; cycles and unknown references are refused.
    expect((await graphql(hub.url, DELETE, { key: 'marketable' })).data!.deleteSegment).toMatchObject({
      code: 'IN_USE',
    });
    expect(await define('marketable', { segment: 'engaged-marketable' })).toMatchObject({ code: 'CYCLE' });
    expect(await define('orphan', { segment: 'nope' })).toMatchObject({ code: 'UNKNOWN_SEGMENT' });
    expect((await graphql(hub.url, DELETE, { key: 'engaged-marketable' })).data!.deleteSegment).toMatchObject({
      __typename: 'SegmentDeleted',
    });
    expect(await segment('engaged-marketable')).toBeNull();
  });

  it('rejects bad rules with the path of the bad node, and never runs them', async () => {
    const cases: [unknown, string][] = [
      [{ field: 'constructor', op: 'eq', value: 'x' }, '$.field'],
      [JSON.parse('{"or":[{"__proto__":{"field":"email"}}]}'), '$.or[0]'],
      [{ and: [{ field: 'email', op: 'matches', value: '.*' }] }, '$.and[0].op'],
      [{ field: "email') OR 1=1 --", op: 'exists' }, '$.field'],
      [{ sql: 'TRUE' }, '$'],
    ];
    for (const [rule, path] of cases) {
      expect(await define('bad', rule)).toMatchObject({ __typename: 'InvalidSegmentRule', code: 'INVALID_RULE', path });
    }
    expect(await segment('bad')).toBeNull();
  });
});
