import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { MUTATION_AUDIT } from '../../src/audit/mutation-audit';
import { verifyAuditChain } from '../../src/audit/verify-chain';
import { fromGlobalId } from '../../src/common/global-id';
import { ALL_SCOPES, authHeader, testToken } from '../support/test-auth';
import { graphql, startTestHub, type TestHub } from '../support/test-hub';

const INGEST = `mutation($source: String, $records: [JSONObject!]!) {
  ingest(source: $source, records: $records) {
    accepted rejected results { ... on IngestAccepted { profileId } } } }`;

const PIN = `mutation($profileId: ID!, $field: String!, $value: JSON) {
  pinAttribute(profileId: $profileId, field: $field, value: $value) {
    __typename ... on ActionRefused { code } } }`;

const APPROVE = `mutation($id: ID!) { approveMergeCandidate(id: $id) { __typename ... on ActionRefused { code } } }`;

const ERASE = `mutation($id: ID!) { eraseProfile(id: $id, reason: DATA_SUBJECT_REQUEST) {
  __typename ... on ActionRefused { code } } }`;

const DEFINE = `mutation($key: String!, $rule: JSON!) { defineSegment(key: $key, name: $key, rule: $rule) { __typename } }`;

const AUDIT_LOG = `query($first: Int, $after: String, $actor: String, $action: String, $targetType: String,
    $targetId: String, $from: DateTimeISO, $to: DateTimeISO) {
  auditLog(first: $first, after: $after, actor: $actor, action: $action, targetType: $targetType,
           targetId: $targetId, from: $from, to: $to) {
    edges { cursor node { seq occurredAt actor scopes action operation targetType targetId details requestId redactedAt hash } }
    pageInfo { hasNextPage endCursor } } }`;

interface Entry {
  seq: string;
  actor: string;
  scopes: string[] | null;
  action: string;
  operation: string | null;
  target_type: string;
  target_id: string | null;
  details: Record<string, any>;
  request_id: string | null;
  redacted_at: Date | null;
}

describe('the audit trail through the real hub', () => {
  let hub: TestHub;
  let profileId: string;
  let ws: Client | undefined;

  /** Entries appended since `seq`, oldest first. */
  const entriesAfter = async (seq: string): Promise<Entry[]> =>
    hub.db.dataSource.query(
      `SELECT seq::text, actor, scopes, action, operation, target_type, target_id, details, request_id, redacted_at
         FROM audit_entry WHERE seq > $1::bigint ORDER BY audit_entry.seq`,
      [seq],
    );
  const head = async (): Promise<string> =>
    (await hub.db.dataSource.query(`SELECT coalesce(max(seq), 0)::text AS seq FROM audit_entry`))[0].seq;

  /** One operation over graphql-ws, the way a WebSocket client sends it. */
  const overWebSocket = (query: string, variables: Record<string, unknown> = {}) =>
    new Promise<Record<string, any>>((resolve, reject) => {
      ws ??= createClient({
        url: hub.wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: () => authHeader(),
      });
      let result: Record<string, any> = {};
      ws.subscribe(
        { query, variables },
        { next: (value) => void (result = value), error: reject, complete: () => resolve(result) },
      );
    });

  beforeAll(async () => {
    hub = await startTestHub();
    const res = await graphql(hub.url, INGEST, {
      source: 'salesforce',
      records: [
        { externalId: 'a-1', attributes: { email: 'ann.audit@example.com', firstName: 'Ann', lastName: 'Audyt' } },
      ],
    });
    expect(res.errors).toBeUndefined();
    profileId = res.data!.ingest.results[0].profileId;
  });
  afterAll(async () => {
    await ws?.dispose();
    await hub.stop();
  });

  it('declares how every mutation of the schema is audited', async () => {
    const res = await graphql(
      hub.url,
      `
        {
          __schema {
            mutationType {
              fields {
                name
              }
            }
          }
        }
      `,
    );
    const names = res.data!.__schema.mutationType.fields.map((f: { name: string }) => f.name).sort();
    expect(names.filter((name: string) => !(name in MUTATION_AUDIT))).toEqual([]);
  });

  it('records a mutation once, with actor, scopes, operation, target and request id — and no personal values', async () => {
    const before = await head();
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await testToken(ALL_SCOPES, { subject: 'steward-7' })}`,
        'x-request-id': 'audit-e2e-pin-1',
      },
      body: JSON.stringify({ query: PIN, variables: { profileId, field: 'firstName', value: 'Annabelle' } }),
    });
    expect(((await response.json()) as { data: Record<string, any> }).data.pinAttribute.__typename).toBe(
      'AttributePinChanged',
    );

    const entries = await entriesAfter(before);
    expect(entries).toEqual([
      expect.objectContaining({
        actor: 'steward-7',
        scopes: [...ALL_SCOPES].sort(),
        action: 'profile.pin',
        operation: 'pinAttribute',
        target_type: 'golden_profile',
        target_id: fromGlobalId('Profile', profileId),
        request_id: 'audit-e2e-pin-1',
        details: { outcome: 'ok', arguments: ['field', 'profileId', 'value'], field: 'firstName' },
        redacted_at: null,
      }),
    ]);
    expect(JSON.stringify(entries)).not.toMatch(/Annabelle|ann\.audit/i);
  });

  it('records refusals: a missing scope, and an expected failure returned as a value', async () => {
    const before = await head();
    const readOnly = await testToken(['profiles:read'], { subject: 'reader-1' });
    const forbidden = await graphql(hub.url, PIN, { profileId, field: 'company', value: 'X' }, { token: readOnly });
    expect(forbidden.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const missing = await graphql(hub.url, APPROVE, { id: '00000000-0000-4000-8000-000000000009' });
    expect(missing.data!.approveMergeCandidate).toEqual({ __typename: 'ActionRefused', code: 'NOT_FOUND' });

    expect(await entriesAfter(before)).toEqual([
      expect.objectContaining({
        actor: 'reader-1',
        scopes: ['profiles:read'],
        action: 'profile.pin',
        details: expect.objectContaining({ outcome: 'refused', code: 'FORBIDDEN' }),
      }),
      expect.objectContaining({
        action: 'merge_candidate.approve',
        target_type: 'merge_candidate',
        target_id: '00000000-0000-4000-8000-000000000009',
        details: expect.objectContaining({ outcome: 'refused', code: 'NOT_FOUND' }),
      }),
    ]);
  });

  it('records an ingest request once per batch, with counts — over GraphQL and POST /ingest', async () => {
    const before = await head();
    const records = [
      { externalId: 'b-1', attributes: { email: 'b1@example.com' } },
      { externalId: 'b-2', attributes: { email: 'not an email' } },
      { externalId: 'b-3', attributes: { email: 'b3@example.com' } },
    ];
    const res = await graphql(hub.url, INGEST, { source: 'hubspot', records });
    expect(res.data!.ingest).toMatchObject({ accepted: 2, rejected: 1 });
    const http = await fetch(hub.url.replace('/graphql', '/ingest/marketo'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${await testToken()}` },
      body: records.map((r) => JSON.stringify({ ...r, externalId: `m-${r.externalId}` })).join('\n'),
    });
    expect(http.status).toBe(200);

    const counts = { records: 3, accepted: 2, rejected: 1, created: 2 };
    expect(await entriesAfter(before)).toEqual([
      expect.objectContaining({
        action: 'records.ingest',
        operation: 'ingest',
        target_type: 'source',
        target_id: 'hubspot',
        details: expect.objectContaining({ transport: 'graphql', ...counts }),
      }),
      expect.objectContaining({
        action: 'records.ingest',
        operation: 'POST /ingest/:source',
        target_id: 'marketo',
        details: expect.objectContaining({ transport: 'http', ...counts }),
      }),
    ]);
  });

  it('records mutations over WebSocket the same way', async () => {
    const before = await head();
    const result = await overWebSocket(DEFINE, {
      key: 'audited-ws',
      rule: { field: 'address.country', op: 'eq', value: 'PL' },
    });
    expect(result.data?.defineSegment.__typename).toBe('SegmentDefined');
    expect(await entriesAfter(before)).toEqual([
      expect.objectContaining({
        actor: 'test-client',
        action: 'segment.define',
        operation: 'defineSegment',
        target_type: 'segment',
        target_id: 'audited-ws',
        details: { outcome: 'ok', arguments: ['key', 'name', 'rule'] },
      }),
    ]);
  });

  it('records each read of unmasked personal data once per operation, over HTTP and WebSocket', async () => {
    const before = await head();
    const query = `query($id: ID!) { profile(id: $id) { email firstName lastName } }`;
    const unmasked = await graphql(hub.url, query, { id: profileId });
    expect(unmasked.data!.profile.email).toBe('ann.audit@example.com');
    // Masked for a reader without pii:read: nothing personal was shown, nothing to record.
    const masked = await graphql(hub.url, query, { id: profileId }, { token: await testToken(['profiles:read']) });
    expect(masked.data!.profile.email).not.toBe('ann.audit@example.com');
    const overWs = await overWebSocket(query, { id: profileId });
    expect(overWs.data?.profile.firstName).toBe('Annabelle');

    const uuid = fromGlobalId('Profile', profileId);
    const read = expect.objectContaining({
      action: 'pii.read',
      operation: 'profile',
      target_type: 'golden_profile',
      target_id: uuid,
      scopes: [...ALL_SCOPES].sort(),
      details: { count: 1, profileIds: [uuid] },
    });
    expect(await entriesAfter(before)).toEqual([read, read]);
  });

  it('lists entries to admins, newest first, a page at a time, filtered', async () => {
    const before = await head();
    for (const value of ['A', 'B', 'C']) await graphql(hub.url, PIN, { profileId, field: 'company', value });
    const page1 = await graphql(hub.url, AUDIT_LOG, { first: 2, action: 'profile.pin', targetId: profileId });
    expect(page1.errors).toBeUndefined();
    const seqs1 = page1.data!.auditLog.edges.map((e: any) => e.node.seq);
    expect(page1.data!.auditLog.pageInfo.hasNextPage).toBe(true);
    const page2 = await graphql(hub.url, AUDIT_LOG, {
      first: 2,
      action: 'profile.pin',
      targetId: profileId,
      after: page1.data!.auditLog.pageInfo.endCursor,
    });
    const seqs2 = page2.data!.auditLog.edges.map((e: any) => e.node.seq);
    const pins = (await entriesAfter('0')).filter((e) => e.action === 'profile.pin' && e.target_id !== null);
    const newestFirst = pins.map((e) => e.seq).reverse();
    expect([...seqs1, ...seqs2]).toEqual(newestFirst.slice(0, 4));
    expect(page1.data!.auditLog.edges[0].node).toMatchObject({
      action: 'profile.pin',
      operation: 'pinAttribute',
      targetType: 'golden_profile',
      targetId: fromGlobalId('Profile', profileId),
      details: { outcome: 'ok', field: 'company' },
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    // By actor and time window: the refused pin of reader-1 happened before `before`'s entries.
    const [{ at }] = await hub.db.dataSource.query(`SELECT occurred_at AS at FROM audit_entry WHERE seq = $1 + 1`, [
      before,
    ]);
    const byReader = await graphql(hub.url, AUDIT_LOG, { actor: 'reader-1' });
    expect(byReader.data!.auditLog.edges.map((e: any) => e.node.actor)).toEqual(['reader-1']);
    const early = await graphql(hub.url, AUDIT_LOG, { actor: 'reader-1', to: (at as Date).toISOString() });
    expect(early.data!.auditLog.edges).toHaveLength(1);
    const late = await graphql(hub.url, AUDIT_LOG, { actor: 'reader-1', from: (at as Date).toISOString() });
    expect(late.data!.auditLog.edges).toHaveLength(0);

    // Only for admins; the refusal is coded.
    const steward = await testToken(['steward', 'profiles:read', 'pii:read']);
    const refused = await graphql(hub.url, AUDIT_LOG, {}, { token: steward });
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(refused.data?.auditLog ?? null).toBeNull();
  });

  it('erasure scrubs the details of entries about the person; the chain still verifies, those entries redacted', async () => {
    const before = await head();
    const res = await graphql(hub.url, ERASE, { id: profileId });
    expect(res.errors).toBeUndefined();
    expect(res.data!.eraseProfile.__typename).toBe('ProfileErased');

    const uuid = fromGlobalId('Profile', profileId);
    const about: Entry[] = await hub.db.dataSource.query(
      `SELECT action, details, redacted_at FROM audit_entry WHERE target_id = $1 AND seq <= $2::bigint`,
      [uuid, before],
    );
    expect(about.length).toBeGreaterThan(3);
    for (const entry of about) {
      expect(entry).toMatchObject({ details: { redacted: 'erasure' }, redacted_at: expect.any(Date) });
    }
    // Exactly one entry for the erasure itself (the service's, not a second one from the mutation).
    expect(await entriesAfter(before)).toEqual([
      expect.objectContaining({
        action: 'profile.erase',
        operation: 'eraseProfile',
        target_id: uuid,
        details: expect.objectContaining({ reason: 'data_subject_request' }),
        redacted_at: null,
      }),
    ]);
    const report = await verifyAuditChain(hub.db.dataSource.manager);
    expect(report).toMatchObject({ intact: true, redacted: about.length, brokenCount: 0 });
  });
});
