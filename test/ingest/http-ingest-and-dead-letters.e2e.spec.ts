import { fromGlobalId } from '../../src/common/global-id';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { graphql, startTestHub, type TestHub } from '../support/test-hub';
import { authHeader } from '../support/test-auth';

const DEAD_LETTERS = `
  query($status: DeadLetterStatus, $source: String, $first: Int, $after: String) {
    deadLetters(status: $status, source: $source, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id source transport contentType rawPayload recordIndex code message path status attempts } }
    }
  }`;

const REPLAY = `
  mutation($filter: ReplayDeadLettersInput) {
    replayDeadLetters(filter: $filter) { replayed failed skipped results { deadLetterId status code message } }
  }`;

describe('POST /ingest/<source>, dead letters and their replay', () => {
  let db: TestDatabase;
  let hub: TestHub;
  const post = async (path: string, body: string, contentType = 'application/json') =>
    fetch(hub.url.replace('/graphql', path), {
      method: 'POST',
      headers: { 'content-type': contentType, ...(await authHeader()) },
      body,
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    hub = await startTestHub({}, db);
  });
  afterAll(async () => {
    await hub.stop();
    await db.destroy();
  });

  it('takes NDJSON, answers per record, and keeps malformed lines and bad records as dead letters', async () => {
    const lines = [
      JSON.stringify({
        externalId: 'c-1',
        updatedAt: '2026-11-01T10:00:00Z',
        attributes: { email: 'ann@example.com' },
      }),
      '{"externalId": "c-2", "attributes": {',
      JSON.stringify({ externalId: 'c-3', attributes: { email: 'bob@example.com', phone: '600 700 800' } }),
      '',
      JSON.stringify({ externalId: 'c-4', attributes: { email: 'eve@example.com' } }),
    ].join('\n');
    const res = await post('/ingest/marketo', lines, 'application/x-ndjson');
    expect(res.status).toBe(200);
    const body: any = await res.json();
    expect(body).toMatchObject({ accepted: 2, rejected: 1 });
    expect(body.results.map((r: { status: string; code?: string }) => r.code ?? r.status)).toEqual([
      'CREATED',
      'INVALID_PHONE',
      'CREATED',
    ]);
    expect(body.malformedLines).toEqual([{ line: 2, code: 'MALFORMED_JSON', deadLetterId: expect.any(String) }]);

    const { data } = await graphql(hub.url, DEAD_LETTERS, { source: 'marketo' });
    expect(data!.deadLetters.totalCount).toBe(2);
    const nodes = data!.deadLetters.edges.map((e: { node: Record<string, unknown> }) => e.node);
    expect(nodes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: 'MALFORMED_JSON',
          rawPayload: '{"externalId": "c-2", "attributes": {',
          transport: 'http',
        }),
        expect.objectContaining({ code: 'INVALID_PHONE', path: '$.attributes.phone', status: 'OPEN', attempts: 0 }),
      ]),
    );
  });

  it('answers an unreadable body with 400 and a dead letter, and an oversized one with 413', async () => {
    const bad = await post('/ingest/marketo', '{"externalId": ');
    expect(bad.status).toBe(400);
    const body: any = await bad.json();
    expect(body.errors[0].extensions).toMatchObject({ code: 'MALFORMED_PAYLOAD', deadLetterId: expect.any(String) });
    const huge = await post(
      '/ingest/marketo',
      JSON.stringify({ externalId: 'x', attributes: { custom: { blob: 'x'.repeat(6_000_000) } } }),
    );
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as any).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('pages through dead letters with a cursor', async () => {
    const first = await graphql(hub.url, DEAD_LETTERS, { first: 2 });
    expect(first.data!.deadLetters.pageInfo.hasNextPage).toBe(true);
    const second = await graphql(hub.url, DEAD_LETTERS, {
      first: 2,
      after: first.data!.deadLetters.pageInfo.endCursor,
    });
    const ids = [...first.data!.deadLetters.edges, ...second.data!.deadLetters.edges].map(
      (e: { node: { id: string } }) => e.node.id,
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(first.data!.deadLetters.totalCount);
  });

  it('replays a letter once the deployment is fixed, and leaves what still fails open', async () => {
    const before = await graphql(hub.url, REPLAY, { filter: { code: 'INVALID_PHONE' } });
    expect(before.data!.replayDeadLetters).toMatchObject({ replayed: 0, failed: 1 });

    // The fix: the deployment declares its region, so national numbers are understood.
    await hub.stop();
    hub = await startTestHub({ HUB_PHONE_REGION: 'PL' }, db);
    const after = await graphql(hub.url, REPLAY, { filter: { source: 'marketo' } });
    expect(after.data!.replayDeadLetters).toMatchObject({ replayed: 1, failed: 2, skipped: 0 });

    const [record] = await db.dataSource.query(`SELECT attributes FROM source_record WHERE external_id = 'c-3'`);
    expect(record.attributes.phone).toBe('+48600700800');
    const open = await graphql(hub.url, DEAD_LETTERS, { source: 'marketo' });
    expect(open.data!.deadLetters.edges.map((e: { node: { code: string; attempts: number } }) => e.node)).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'MALFORMED_JSON', attempts: 1 })]),
    );
    const replayed = await graphql(hub.url, DEAD_LETTERS, { status: 'REPLAYED' });
    expect(replayed.data!.deadLetters.totalCount).toBe(1);
    const [audit] = await db.dataSource.query(
      `SELECT action, details FROM audit_entry WHERE action = 'dead_letters.replayed' ORDER BY id DESC LIMIT 1`,
    );
    expect(audit.details).toMatchObject({ replayed: 1, failed: 2 });
  });

  it('stores consents and events with the record: a timeline newest first, statements once', async () => {
    const record = {
      externalId: 'm-9',
      updatedAt: '2026-11-02T10:00:00Z',
      attributes: { email: 'tim@example.com' },
      consents: [
        {
          purpose: 'email_marketing',
          channel: 'email',
          status: 'granted',
          capturedAt: '2026-11-02T09:00:00Z',
          evidence: { form: 'footer' },
        },
      ],
      events: [
        { id: 'ev-1', type: 'email_opened', occurredAt: '2026-11-02T08:00:00Z', properties: { campaign: 'nov' } },
        {
          id: 'ev-2',
          type: 'email_clicked',
          occurredAt: '2026-11-02T08:05:00Z',
          properties: { url: 'https://example.com/x' },
        },
        { id: 'ev-3', type: 'web_visit', occurredAt: '2026-11-02T08:10:00Z' },
      ],
    };
    const first: any = await (await post('/ingest/marketo', JSON.stringify(record))).json();
    // The same record again, without an event id: statements and events are not duplicated.
    await post('/ingest/marketo', JSON.stringify(record));
    const profileId = first.results[0].profileId as string;
    const uuid = fromGlobalId('Profile', profileId);

    const statements = await db.dataSource.query(
      `SELECT purpose, channel, status, source, evidence FROM consent_statement WHERE profile_id = $1`,
      [uuid],
    );
    expect(statements).toEqual([
      {
        purpose: 'email_marketing',
        channel: 'email',
        status: 'granted',
        source: 'marketo',
        evidence: { form: 'footer' },
      },
    ]);
    const consentEvents = await db.dataSource.query(
      `SELECT payload FROM change_event WHERE type = 'consent.recorded' AND profile_id = $1`,
      [uuid],
    );
    expect(consentEvents).toHaveLength(1);

    const query = `query($id: ID!, $after: String) { profile(id: $id) {
      timeline(first: 2, after: $after) { count pageInfo { hasNextPage endCursor } edges { node { type source externalEventId properties } } }
      clicks: timeline(types: ["email_clicked"]) { count } } }`;
    const page1 = await graphql(hub.url, query, { id: profileId });
    const timeline = page1.data!.profile.timeline;
    expect(timeline.edges.map((e: any) => e.node.type)).toEqual(['web_visit', 'email_clicked']);
    expect(timeline.pageInfo.hasNextPage).toBe(true);
    expect(page1.data!.profile.clicks.count).toBe(1);
    const page2 = await graphql(hub.url, query, { id: profileId, after: timeline.pageInfo.endCursor });
    expect(page2.data!.profile.timeline.edges.map((e: any) => e.node)).toEqual([
      { type: 'email_opened', source: 'marketo', externalEventId: 'ev-1', properties: { campaign: 'nov' } },
    ]);
    expect(page2.data!.profile.timeline.pageInfo.hasNextPage).toBe(false);
  });

  it('never replays a request refused at the door', async () => {
    const res = await post('/webhooks/no-such-vendor', '{}');
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('UNKNOWN_ADAPTER');
    const result = await graphql(hub.url, REPLAY, { filter: { code: 'UNKNOWN_ADAPTER' } });
    expect(result.data!.replayDeadLetters).toMatchObject({ replayed: 0, failed: 0, skipped: 1 });
  });
});
