import { fromGlobalId } from '../../src/common/global-id';
import { feedPayload } from '../../src/feed/stored-payload';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { graphql, startTestHub, type TestHub } from '../support/test-hub';
import { authHeader } from '../support/test-auth';

const INGEST = `
  mutation Ingest($source: String, $records: [JSONObject!]!) {
    ingest(source: $source, records: $records) {
      accepted rejected
      results {
        __typename
        ... on IngestAccepted { index status source externalId sourceRecordId profileId }
        ... on IngestRejected { index code message path deadLetterId }
      }
    }
  }`;

const PROFILE = `
  query Profile($id: ID!) {
    profile(id: $id) {
      id status version email firstName lastName address { city country } custom
      lineage { name value source sourceRecordId rule updatedAt pinned }
      email_: field(name: "email") { value source rule }
      sourceRecords { source externalId attributes deleted }
    }
  }`;

const contact = (overrides: Record<string, unknown> = {}) => ({
  externalId: '0035f00002EztxDAAR',
  objectType: 'contact',
  updatedAt: '2026-11-01T10:00:00Z',
  attributes: {
    email: '  Ann.Kowalska@Example.COM ',
    firstName: 'Ann',
    lastName: 'Kowalska',
    address: { city: 'Kraków', country: 'pl' },
    custom: { industry: 'Retail' },
  },
  ...overrides,
});

describe('vertical slice: ingest → golden profile → query → subscription', () => {
  let hub: TestHub;
  let ws: Client | undefined;

  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => {
    await ws?.dispose();
    await hub.stop();
  });

  it('answers { __typename } over HTTP', async () => {
    const res = await graphql(hub.url, '{ __typename }');
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ __typename: 'Query' });
  });

  it('creates a golden profile from a CRM record and serves it with lineage and the source view', async () => {
    const res = await graphql(hub.url, INGEST, { source: 'salesforce', records: [contact()] });
    expect(res.errors).toBeUndefined();
    const ingest = res.data!.ingest;
    expect(ingest).toMatchObject({ accepted: 1, rejected: 0 });
    expect(ingest.results[0]).toMatchObject({ __typename: 'IngestAccepted', status: 'CREATED', source: 'salesforce' });

    const { data } = await graphql(hub.url, PROFILE, { id: ingest.results[0].profileId });
    const profile = data!.profile;
    expect(profile).toMatchObject({
      id: ingest.results[0].profileId,
      status: 'ACTIVE',
      version: 1,
      email: 'ann.kowalska@example.com',
      firstName: 'Ann',
      lastName: 'Kowalska',
      address: { city: 'Kraków', country: 'PL' },
      custom: { industry: 'Retail' },
      email_: { value: 'ann.kowalska@example.com', source: 'salesforce', rule: 'mostRecent' },
    });
    expect(profile.lineage.map((f: { name: string }) => f.name)).toEqual(
      expect.arrayContaining(['email', 'firstName', 'lastName', 'address.city', 'address.country', 'custom.industry']),
    );
    expect(profile.lineage.find((f: { name: string }) => f.name === 'email')).toMatchObject({
      source: 'salesforce',
      sourceRecordId: ingest.results[0].sourceRecordId,
      updatedAt: '2026-11-01T10:00:00.000Z',
      pinned: false,
    });
    expect(profile.sourceRecords).toEqual([
      {
        source: 'salesforce',
        externalId: '0035f00002EztxDAAR',
        deleted: false,
        attributes: {
          email: 'ann.kowalska@example.com',
          firstName: 'Ann',
          lastName: 'Kowalska',
          address: { city: 'Kraków', country: 'PL' },
          custom: { industry: 'Retail' },
        },
      },
    ]);
  });

  it("shows each field's source time after a partial update, storing only the times older than the record's", async () => {
    const created = await graphql(hub.url, INGEST, {
      source: 'salesforce',
      records: [contact({ externalId: 'sf-times', attributes: { email: 'tim@example.com', firstName: 'Tim' } })],
    });
    const { profileId, sourceRecordId } = created.data!.ingest.results[0];
    const updated = await graphql(hub.url, INGEST, {
      source: 'salesforce',
      records: [
        contact({ externalId: 'sf-times', updatedAt: '2026-11-03T12:00:00Z', attributes: { firstName: 'Timothy' } }),
      ],
    });
    expect(updated.data!.ingest.results[0]).toMatchObject({ status: 'UPDATED', profileId });

    const { data } = await graphql(
      hub.url,
      `
        query Times($id: ID!) {
          profile(id: $id) {
            lineage {
              name
              updatedAt
            }
            sourceRecords {
              fieldUpdatedAt
              sourceUpdatedAt
            }
          }
        }
      `,
      { id: profileId },
    );
    expect(data!.profile.sourceRecords).toEqual([
      {
        fieldUpdatedAt: { email: '2026-11-01T10:00:00.000Z', firstName: '2026-11-03T12:00:00.000Z' },
        sourceUpdatedAt: '2026-11-03T12:00:00.000Z',
      },
    ]);
    expect(data!.profile.lineage).toEqual(
      expect.arrayContaining([
        { name: 'email', updatedAt: '2026-11-01T10:00:00.000Z' },
        { name: 'firstName', updatedAt: '2026-11-03T12:00:00.000Z' },
      ]),
    );
    const [stored] = await hub.db.dataSource.query(`SELECT field_updated_at FROM source_record WHERE id = $1`, [
      fromGlobalId('SourceRecord', sourceRecordId),
    ]);
    expect(stored.field_updated_at).toEqual({ email: '2026-11-01T10:00:00.000Z' });
  });

  it('joins a record from another system with the same email to the same profile', async () => {
    const first = await graphql(hub.url, INGEST, {
      source: 'salesforce',
      records: [contact({ externalId: 'sf-2', attributes: { email: 'joe@example.org', firstName: 'Joe' } })],
    });
    const second = await graphql(hub.url, INGEST, {
      records: [
        {
          source: 'hubspot',
          externalId: '501',
          updatedAt: '2026-11-02T08:00:00Z',
          attributes: { email: 'JOE@example.org', jobTitle: 'CTO' },
        },
      ],
    });
    const profileId = first.data!.ingest.results[0].profileId;
    expect(second.data!.ingest.results[0]).toMatchObject({ status: 'CREATED', source: 'hubspot', profileId });
    const { data } = await graphql(hub.url, PROFILE, { id: profileId });
    expect(data!.profile).toMatchObject({ version: 2, firstName: 'Joe' });
    expect(data!.profile.sourceRecords.map((r: { source: string }) => r.source)).toEqual(['hubspot', 'salesforce']);
  });

  it('pushes the change to a profileChanged subscriber over graphql-ws, after commit', async () => {
    const created = await graphql(hub.url, INGEST, {
      source: 'salesforce',
      records: [contact({ externalId: 'sf-3', attributes: { email: 'eve@example.net', firstName: 'Eve' } })],
    });
    const profileId = created.data!.ingest.results[0].profileId;

    ws = createClient({
      url: hub.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: () => authHeader(),
    });
    const received: Record<string, any>[] = [];
    let wake: () => void = () => undefined;
    const unsubscribe = ws.subscribe(
      {
        query: `subscription($id: ID!) { profileChanged(profileId: $id) { eventId type profileId version changedFields occurredAt } }`,
        variables: { id: profileId },
      },
      {
        next: (message) => {
          received.push(message.data!.profileChanged as Record<string, any>);
          wake();
        },
        error: (error) => {
          throw error;
        },
        complete: () => undefined,
      },
    );

    // The server registers the subscription asynchronously; keep changing the profile until the push arrives.
    let name = '';
    for (let attempt = 1; attempt <= 20 && received.length === 0; attempt++) {
      name = `Eve${attempt}`;
      const arrived = new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 250);
      });
      await graphql(hub.url, INGEST, {
        source: 'salesforce',
        records: [
          contact({
            externalId: 'sf-3',
            updatedAt: `2026-11-03T10:00:${String(attempt).padStart(2, '0')}Z`,
            attributes: { firstName: name },
          }),
        ],
      });
      await arrived;
    }
    // Pushes come from the durable feed in commit order: the one for the profile's current version comes last.
    const current = (await graphql(hub.url, PROFILE, { id: profileId })).data!.profile.version as number;
    for (let i = 0; i < 200 && !received.some((r) => r.version === current); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    unsubscribe();
    expect(received.length).toBeGreaterThanOrEqual(1);
    const last = received[received.length - 1];
    expect(last).toMatchObject({ type: 'profile.updated', profileId, changedFields: ['firstName'] });
    expect(last.version).toBeGreaterThanOrEqual(2);
    // The push carries the id of the committed outbox entry, so a client can resume the feed from it.
    const [outbox] = await hub.db.dataSource.query(`SELECT type, profile_id, payload FROM change_event WHERE id = $1`, [
      last.eventId,
    ]);
    expect(outbox.type).toBe('profile.updated');
    expect(feedPayload(outbox.type, outbox.profile_id, outbox.payload)).toMatchObject({
      version: last.version,
      changedFields: ['firstName'],
    });

    const { data } = await graphql(hub.url, PROFILE, { id: profileId });
    expect(data!.profile.firstName).toBe(name);
    expect(data!.profile.version).toBe(last.version);
  });

  it('emits nothing and keeps the version when a record changes nothing (no echo loops)', async () => {
    const record = contact({ externalId: 'sf-4', attributes: { email: 'quiet@example.com', firstName: 'Quinn' } });
    const first = await graphql(hub.url, INGEST, { source: 'salesforce', records: [record] });
    const again = await graphql(hub.url, INGEST, { source: 'salesforce', records: [record] });
    expect(again.data!.ingest.results[0].status).toBe('UNCHANGED');
    const profileId = first.data!.ingest.results[0].profileId;
    const events = await hub.db.dataSource.query(`SELECT type FROM change_event WHERE profile_id = $1`, [
      fromGlobalId('Profile', profileId),
    ]);
    expect(events).toEqual([{ type: 'profile.created' }]);
  });

  it('does not let an older update overwrite a newer value, and treats a replayed event id as a no-op', async () => {
    const newer = contact({
      externalId: 'sf-5',
      eventId: 'evt-1',
      updatedAt: '2026-11-05T00:00:00Z',
      attributes: { email: 'ord@example.com', lastName: 'Newer' },
    });
    const older = contact({
      externalId: 'sf-5',
      eventId: 'evt-0',
      updatedAt: '2026-11-04T00:00:00Z',
      attributes: { lastName: 'Older' },
    });
    const first = await graphql(hub.url, INGEST, { source: 'salesforce', records: [newer] });
    const late = await graphql(hub.url, INGEST, { source: 'salesforce', records: [older, newer] });
    expect(late.data!.ingest.results.map((r: { status: string }) => r.status)).toEqual(['UNCHANGED', 'DUPLICATE']);
    const { data } = await graphql(hub.url, PROFILE, { id: first.data!.ingest.results[0].profileId });
    expect(data!.profile).toMatchObject({ lastName: 'Newer', version: 1 });
  });

  it('rejects bad records one by one with a coded error and keeps each as a dead letter', async () => {
    const records = [
      { externalId: 'x-1', attributes: { email: 'ok@example.com' } },
      { source: 'salesforce', externalId: 'x-2', attributes: { email: 'not-an-email' } },
      { source: 'salesforce', externalId: 'x-3', attributes: { firstName: 123 } },
      { source: 'salesforce', externalId: 'x-4', attributes: { favouriteColour: 'red' } },
      { source: 'salesforce', externalId: 'x-5', attributes: { email: 'fine@example.com' } },
    ];
    const res = await graphql(hub.url, INGEST, { records });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data!.ingest).toMatchObject({ accepted: 1, rejected: 4 });
    const results = res.data!.ingest.results;
    expect(results.map((r: { code?: string; status?: string }) => r.code ?? r.status)).toEqual([
      'MISSING_SOURCE',
      'INVALID_EMAIL',
      'INVALID_TYPE',
      'UNKNOWN_ATTRIBUTE',
      'CREATED',
    ]);
    expect(results[1]).toMatchObject({ __typename: 'IngestRejected', index: 1, path: '$.attributes.email' });
    expect(results[2].path).toBe('$.attributes.firstName');

    const letters = await hub.db.dataSource.query(
      `SELECT id, error_code, raw_payload, status FROM dead_letter ORDER BY record_index`,
    );
    expect(letters).toHaveLength(4);
    expect(letters.map((l: { id: string }) => l.id)).toEqual(
      results.slice(0, 4).map((r: { deadLetterId: string }) => r.deadLetterId),
    );
    expect(JSON.parse(letters[1].raw_payload)).toEqual(records[1]);
    expect(letters.every((l: { status: string }) => l.status === 'open')).toBe(true);
  });

  it('answers bad requests with codes, never a 500, a stack or SQL', async () => {
    const badId = await graphql(hub.url, PROFILE, { id: 'not-a-profile-id' });
    expect(badId.status).toBe(200);
    expect(badId.errors![0].extensions!.code).toBe('INVALID_ID');

    const unknown = await graphql(hub.url, PROFILE, { id: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.data!.profile).toBeNull();

    const typo = await graphql(hub.url, '{ profil(id: "x") { id } }');
    expect(typo.status).toBe(400);
    expect(typo.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const broken = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader()) },
      body: '{"query": ',
    });
    expect(broken.status).toBe(400);
    const body = await broken.text();
    expect(JSON.parse(body).errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(body).not.toMatch(/at \w+ \(|node_modules|SELECT|INSERT/);

    const tooMany = await graphql(hub.url, INGEST, {
      source: 'salesforce',
      records: Array.from({ length: 1001 }, (_, i) => ({ externalId: String(i) })),
    });
    expect(tooMany.errors![0].extensions!.code).toBe('TOO_MANY_RECORDS');
  });

  it('reports liveness and readiness', async () => {
    const base = hub.url.replace('/graphql', '');
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });
});
