import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  isLeafType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ALL_SCOPES, testToken } from '../support/test-auth';
import { graphql, startTestHub, type TestHub } from '../support/test-hub';
import { eventually } from '../support/webhook-receiver';

/**
 * The scope each operation needs — the contract (least privilege: no scope implies another). Every root field of
 * the schema must be here, so a new operation cannot ship without deciding its scope.
 */
const REQUIRED_SCOPE: Record<string, string> = {
  'Query.profile': 'profiles:read',
  'Query.profileByIdentifier': 'profiles:read',
  'Query.profiles': 'profiles:read',
  'Query.sourceRecord': 'profiles:read',
  'Query.segment': 'profiles:read',
  'Query.segments': 'profiles:read',
  'Query.changes': 'profiles:read',
  'Query.mergeCandidates': 'steward',
  'Query.conflicts': 'steward',
  'Query.deadLetters': 'admin',
  'Query.webhookSubscriptions': 'admin',
  'Query.webhookDeliveries': 'admin',
  'Query.auditLog': 'admin',
  'Mutation.ingest': 'ingest:salesforce',
  'Mutation.setConsent': 'consents:write',
  'Mutation.defineSegment': 'segments:write',
  'Mutation.deleteSegment': 'segments:write',
  'Mutation.mergeProfiles': 'steward',
  'Mutation.approveMergeCandidate': 'steward',
  'Mutation.rejectMergeCandidate': 'steward',
  'Mutation.unmergeSourceRecord': 'steward',
  'Mutation.pinAttribute': 'steward',
  'Mutation.unpinAttribute': 'steward',
  'Mutation.resolveConflict': 'steward',
  'Mutation.replayDeadLetters': 'admin',
  'Mutation.eraseProfile': 'privacy:erase',
  'Mutation.exportProfile': 'privacy:export',
  'Mutation.createWebhookSubscription': 'admin',
  'Mutation.updateWebhookSubscription': 'admin',
  'Mutation.pauseWebhookSubscription': 'admin',
  'Mutation.resumeWebhookSubscription': 'admin',
  'Mutation.deleteWebhookSubscription': 'admin',
  'Mutation.redeliverWebhook': 'admin',
  'Mutation.redeliverDeadWebhooks': 'admin',
  'Subscription.changes': 'profiles:read',
  'Subscription.profileChanged': 'profiles:read',
  'Subscription.segmentMembershipChanged': 'profiles:read',
  'Subscription.consentChanged': 'profiles:read',
};

/** A literal for a required argument: enough to get past validation to the scope check. */
function literal(type: GraphQLInputType): string {
  if (isNonNullType(type)) return literal(type.ofType as GraphQLInputType);
  if (isListType(type)) return `[${literal(type.ofType as GraphQLInputType)}]`;
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isInputObjectType(type)) {
    const required = Object.values(type.getFields()).filter((f) => isNonNullType(f.type));
    return `{ ${required.map((f) => `${f.name}: ${literal(f.type)}`).join(', ')} }`;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
      case 'Float':
        return '1';
      case 'Boolean':
        return 'true';
      case 'DateTime':
        return '"2026-01-01T00:00:00.000Z"';
      case 'JSON':
      case 'JSONObject':
        return type.name === 'JSON' ? '"x"' : '{ source: "salesforce", externalId: "x" }';
      default:
        return '"UHJvZmlsZToxMjM="';
    }
  }
  throw new Error(`no literal for ${String(type)}`);
}

function documentFor(kind: 'query' | 'mutation' | 'subscription', field: GraphQLField<unknown, unknown>): string {
  const args = field.args.filter((a) => isNonNullType(a.type));
  const argText = args.length ? `(${args.map((a) => `${a.name}: ${literal(a.type)}`).join(', ')})` : '';
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  return `${kind} { ${field.name}${argText}${selection} }`;
}

interface Operation {
  key: string;
  kind: 'query' | 'mutation' | 'subscription';
  document: string;
  scope: string;
}

function operationsOf(schema: GraphQLSchema): Operation[] {
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const;
  return roots.flatMap(([kind, type]) =>
    Object.values(type?.getFields() ?? {}).map((field) => {
      const key = `${type!.name}.${field.name}`;
      return { key, kind, document: documentFor(kind, field), scope: REQUIRED_SCOPE[key] };
    }),
  );
}

/** Runs one operation over graphql-ws; resolves with the first error code it gets, or `ok`. */
async function overWebSocket(hub: TestHub, token: string, document: string): Promise<string> {
  const client = createClient({
    url: hub.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  try {
    return await new Promise<string>((resolve) => {
      const stop = client.subscribe(
        { query: document },
        {
          next: (message) => {
            const code = message.errors?.[0]?.extensions?.code;
            resolve(typeof code === 'string' ? code : 'ok');
            stop();
          },
          error: (error) => {
            const errors = error as { extensions?: { code?: string } }[];
            resolve(Array.isArray(errors) ? (errors[0]?.extensions?.code ?? 'error') : 'error');
          },
          complete: () => resolve('ok'),
        },
      );
      // A live subscription that was allowed sends nothing until an event: that is not a refusal.
      setTimeout(() => resolve('ok'), 1500);
    });
  } finally {
    await client.dispose();
  }
}

describe('authorisation by scope, the same over HTTP and WebSocket', () => {
  let hub: TestHub;
  let operations: Operation[];

  beforeAll(async () => {
    hub = await startTestHub();
    const introspection = await graphql<IntrospectionQuery>(hub.url, getIntrospectionQuery());
    operations = operationsOf(buildClientSchema(introspection.data!));
  });
  afterAll(async () => hub?.stop());

  it('every operation of the schema has its scope in the contract table', () => {
    expect(operations.filter((o) => !o.scope).map((o) => o.key)).toEqual([]);
    expect(Object.keys(REQUIRED_SCOPE).sort()).toEqual(operations.map((o) => o.key).sort());
  });

  it('refuses each query and mutation over HTTP to a token with every scope but its own, and not to one with it', async () => {
    const refused: string[] = [];
    const wronglyRefused: string[] = [];
    for (const op of operations.filter((o) => o.kind !== 'subscription')) {
      const without = await testToken(ALL_SCOPES.filter((s) => s !== op.scope && s !== 'ingest:*'));
      const denied = await graphql(hub.url, op.document, {}, { token: without });
      const error = denied.errors?.[0]?.extensions as { code?: string; scope?: string } | undefined;
      if (error?.code === 'FORBIDDEN' && error.scope === op.scope && denied.data?.[op.key.split('.')[1]] == null) {
        refused.push(op.key);
      }
      const allowed = await graphql(hub.url, op.document, {}, { token: await testToken([op.scope]) });
      if (allowed.errors?.some((e) => e.extensions?.code === 'FORBIDDEN')) wronglyRefused.push(op.key);
    }
    expect(refused.sort()).toEqual(
      operations
        .filter((o) => o.kind !== 'subscription')
        .map((o) => o.key)
        .sort(),
    );
    expect(wronglyRefused).toEqual([]);
  }, 120_000);

  it('refuses each operation over WebSocket, subscriptions included, to a token without its scope', async () => {
    const outcomes: Record<string, string> = {};
    for (const op of operations) {
      const without = await testToken(ALL_SCOPES.filter((s) => s !== op.scope && s !== 'ingest:*'));
      outcomes[op.key] = await overWebSocket(hub, without, op.document);
    }
    expect(outcomes).toEqual(Object.fromEntries(operations.map((o) => [o.key, 'FORBIDDEN'])));
    const subscription = operations.find((o) => o.key === 'Subscription.changes')!;
    expect(await overWebSocket(hub, await testToken(['profiles:read']), subscription.document)).toBe('ok');
  }, 180_000);

  it('lets a token ingest only as its own sources, over GraphQL and POST /ingest/<source>', async () => {
    const hubspotOnly = await testToken(['ingest:hubspot']);
    const record = { externalId: 'h-1', attributes: { email: 'scoped@example.com' } };
    const asSalesforce = await graphql(
      hub.url,
      'mutation($r: [JSONObject!]!) { ingest(source: "salesforce", records: $r) { accepted } }',
      { r: [record] },
      { token: hubspotOnly },
    );
    expect(asSalesforce.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', scope: 'ingest:salesforce' });
    const smuggled = await graphql(
      hub.url,
      'mutation($r: [JSONObject!]!) { ingest(records: $r) { accepted } }',
      { r: [{ ...record, source: 'salesforce' }] },
      { token: hubspotOnly },
    );
    expect(smuggled.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const asHubspot = await graphql(
      hub.url,
      'mutation($r: [JSONObject!]!) { ingest(source: "hubspot", records: $r) { accepted } }',
      { r: [record] },
      { token: hubspotOnly },
    );
    expect(asHubspot.data?.ingest).toEqual({ accepted: 1 });

    const post = async (source: string) =>
      fetch(hub.url.replace('/graphql', `/ingest/${source}`), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${hubspotOnly}` },
        body: JSON.stringify({ externalId: 'h-2', attributes: { email: 'scoped2@example.com' } }),
      });
    const refused = await post('salesforce');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ errors: [{ extensions: { code: 'FORBIDDEN' } }] });
    expect((await post('hubspot')).status).toBe(200);
    const [{ count }] = await hub.db.dataSource.query(
      `SELECT count(*)::int AS count FROM source_record WHERE source = 'salesforce' AND external_id IN ('h-1', 'h-2')`,
    );
    expect(count).toBe(0);
  });
});

describe('personal data is masked without pii:read', () => {
  let hub: TestHub;
  const PROFILE = `query($id: ID!) { profile(id: $id) {
    email phone firstName lastName birthDate company address { line1 city postalCode country }
    field(name: "email") { value }
    sourceRecords { attributes }
  } }`;

  beforeAll(async () => {
    hub = await startTestHub({ HUB_PHONE_REGION: 'GB' });
  });
  afterAll(async () => hub?.stop());

  async function ingest(externalId: string, attributes: Record<string, unknown>): Promise<string> {
    const result = await graphql(
      hub.url,
      'mutation($r: [JSONObject!]!) { ingest(source: "salesforce", records: $r) { results { ... on IngestAccepted { profileId } } } }',
      { r: [{ externalId, updatedAt: '2026-01-01T00:00:00Z', attributes }] },
    );
    return result.data!.ingest.results[0].profileId;
  }

  it('shows masked, stable tokens to a reader without pii:read, and the values to one with it', async () => {
    const ada = await ingest('003A', {
      email: 'ada@example.com',
      phone: '+44 20 7946 0000',
      firstName: 'Ada',
      lastName: 'Lovelace',
      birthDate: '1815-12-10',
      company: 'Analytical Engines',
      address: { line1: '12 St James Sq', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
    });
    const byron = await ingest('003B', { email: 'byron@example.com', firstName: 'George', lastName: 'Lovelace' });

    const reader = await testToken(['profiles:read']);
    const masked = (await graphql(hub.url, PROFILE, { id: ada }, { token: reader })).data!.profile;
    const token = expect.stringMatching(/^masked:[0-9a-f]{16}$/);
    expect(masked).toMatchObject({
      email: token,
      phone: token,
      firstName: token,
      lastName: token,
      birthDate: token,
      company: 'Analytical Engines',
      address: { line1: token, city: token, postalCode: token, country: 'GB' },
      field: { value: token },
    });
    // Outside the tokens (whose hex digits may spell 1815 or 7946 by chance), none of the values shows.
    const untokened = JSON.stringify(masked).replace(/masked:[0-9a-f]{16}/g, 'masked:…');
    expect(untokened).not.toMatch(/ada@example\.com|Lovelace|1815|SW1Y|7946/);
    // Consistent: the same value masks the same way (count distinct, join), different values differently.
    const other = (await graphql(hub.url, PROFILE, { id: byron }, { token: reader })).data!.profile;
    expect(other.lastName).toBe(masked.lastName);
    expect(other.email).not.toBe(masked.email);
    expect(masked.field.value).toBe(masked.email);

    const piiReader = await testToken(['profiles:read', 'pii:read']);
    const clear = (await graphql(hub.url, PROFILE, { id: ada }, { token: piiReader })).data!.profile;
    expect(clear).toMatchObject({
      email: 'ada@example.com',
      lastName: 'Lovelace',
      birthDate: '1815-12-10',
      address: { line1: '12 St James Sq', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
    });
    expect(clear.sourceRecords[0].attributes).toMatchObject({ email: 'ada@example.com' });
  });

  it('masks the change feed too', async () => {
    const reader = await testToken(['profiles:read']);
    // The feed shows an event once every older transaction on the server has ended (its horizon), and test
    // suites running beside this one share the server: wait for the profiles' events rather than read once.
    const page = await eventually(
      async () => {
        const read = await graphql<{ changes: { edges: unknown[] } }>(
          hub.url,
          '{ changes(first: 50, types: ["profile.created"]) { edges { node { payload } } } }',
          {},
          { token: reader },
        );
        return read.data!.changes.edges.length > 0 && read;
      },
      { what: 'profile.created events in the feed' },
    );
    const text = JSON.stringify(page.data);
    expect(text).toContain('masked:');
    expect(text).not.toMatch(/ada@example\.com|Lovelace/);
  });
});
