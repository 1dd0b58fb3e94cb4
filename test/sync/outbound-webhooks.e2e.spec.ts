import { randomUUID } from 'node:crypto';
import type { RunningHub } from '../../src/server/hub';
import { verifyWebhookSignature } from '../../src/sync/webhook-signature';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { graphql, startFullHub } from '../support/test-hub';
import { eventually, WebhookReceiver, type ReceivedWebhook } from '../support/webhook-receiver';
import { authHeader } from '../support/test-auth';

/** The real hub on a test database, with quick retries (see `startFullHub`). */
const hubOn = (db: TestDatabase, env: Record<string, string> = {}): Promise<RunningHub> =>
  startFullHub(db, {
    DB_POOL_SIZE: '4',
    WEBHOOK_POLL_INTERVAL_MS: '250',
    WEBHOOK_RETRY_MAX_MS: '400',
    WEBHOOK_TIMEOUT_MS: '5000',
    WEBHOOK_MAX_ATTEMPTS: '100',
    ...env,
  });

const CREATE = `
  mutation($input: CreateWebhookSubscriptionInput!) {
    createWebhookSubscription(input: $input) {
      __typename
      ... on WebhookSubscriptionCreated {
        secret
        subscription { id url eventTypes filter { sources segmentKeys } targetSource description status }
      }
      ... on ActionRefused { code message }
    }
  }`;

const DELIVERIES = `
  query($subscriptionId: ID, $status: WebhookDeliveryStatus, $first: Int, $after: String) {
    webhookDeliveries(subscriptionId: $subscriptionId, status: $status, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id eventId eventType profileId status attempts lastStatusCode lastError requestBody } }
    }
  }`;

const DELETE = `
  mutation($id: ID!) {
    deleteWebhookSubscription(id: $id) {
      __typename
      ... on WebhookSubscriptionDeleted { id }
      ... on ActionRefused { code message }
    }
  }`;

interface Subscription {
  id: string;
  secret: string;
}

async function subscribe(hub: RunningHub, input: Record<string, unknown>): Promise<Subscription> {
  const { data, errors } = await graphql(hub.url, CREATE, { input });
  expect(errors).toBeUndefined();
  const result = data!.createWebhookSubscription;
  expect(result.__typename).toBe('WebhookSubscriptionCreated');
  return { id: result.subscription.id, secret: result.secret };
}

async function unsubscribe(hub: RunningHub, subscription: Subscription): Promise<void> {
  await graphql(hub.url, DELETE, { id: subscription.id });
}

async function deliveries(hub: RunningHub, variables: Record<string, unknown>) {
  const { data, errors } = await graphql(hub.url, DELIVERIES, variables);
  expect(errors).toBeUndefined();
  return data!.webhookDeliveries as {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { node: Record<string, any> }[];
  };
}

let clock = Date.parse('2026-11-01T10:00:00Z');

/** Ingests one record over `POST /ingest/<source>`; returns the golden profile's id. */
async function ingest(hub: RunningHub, source: string, externalId: string, attributes: Record<string, unknown>) {
  clock += 60_000;
  const response = await fetch(hub.url.replace('/graphql', `/ingest/${source}`), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await authHeader()) },
    body: JSON.stringify({ externalId, updatedAt: new Date(clock).toISOString(), attributes }),
  });
  expect(response.status).toBe(200);
  const body: any = await response.json();
  expect(body.results[0].status).toMatch(/CREATED|UPDATED/);
  return body.results[0].profileId as string;
}

const about = (receiver: WebhookReceiver, profileId: string) =>
  receiver.delivered().filter((body) => body.profileId === profileId);

describe('outbound webhooks (two-way sync, outbound side)', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    db = await createTestDatabase();
    hub = await hubOn(db);
  });
  afterAll(async () => {
    await hub?.stop();
    await db?.destroy();
  });
  beforeEach(async () => {
    receiver = new WebhookReceiver();
    await receiver.up();
  });
  afterEach(async () => {
    await receiver.down();
  });

  it('creates, lists, updates, pauses, resumes and deletes subscriptions; bad input is refused with a code', async () => {
    const created = await graphql(hub.url, CREATE, {
      input: {
        url: receiver.url,
        eventTypes: ['profile.created', 'profile.updated'],
        filter: { sources: ['salesforce'] },
        targetSource: 'hubspot',
        description: 'HubSpot contact sync',
      },
    });
    const result = created.data!.createWebhookSubscription;
    expect(result).toMatchObject({
      __typename: 'WebhookSubscriptionCreated',
      secret: expect.stringMatching(/^whsec_.{43}$/),
      subscription: {
        url: receiver.url,
        eventTypes: ['profile.created', 'profile.updated'],
        filter: { sources: ['salesforce'], segmentKeys: null },
        targetSource: 'hubspot',
        description: 'HubSpot contact sync',
        status: 'ACTIVE',
      },
    });
    const id = result.subscription.id as string;

    const listed = await graphql(
      hub.url,
      `
        {
          webhookSubscriptions {
            id
            url
            targetSource
            status
          }
        }
      `,
    );
    expect(listed.data!.webhookSubscriptions).toContainEqual({
      id,
      url: receiver.url,
      targetSource: 'hubspot',
      status: 'ACTIVE',
    });
    // The secret is shown once: the type has no such field.
    const secretQuery = await graphql(
      hub.url,
      `
        {
          webhookSubscriptions {
            secret
          }
        }
      `,
    );
    expect(secretQuery.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const UPDATE = `
      mutation($id: ID!, $input: UpdateWebhookSubscriptionInput!) {
        updateWebhookSubscription(id: $id, input: $input) {
          __typename
          ... on WebhookSubscription { url eventTypes description targetSource status }
          ... on ActionRefused { code message }
        }
      }`;
    const updated = await graphql(hub.url, UPDATE, {
      id,
      input: { url: `${receiver.url}/v2`, eventTypes: ['profile.updated'], description: null },
    });
    expect(updated.data!.updateWebhookSubscription).toEqual({
      __typename: 'WebhookSubscription',
      url: `${receiver.url}/v2`,
      eventTypes: ['profile.updated'],
      description: null,
      targetSource: 'hubspot',
      status: 'ACTIVE',
    });
    const viaStatus = await graphql(hub.url, UPDATE, { id, input: { status: 'PAUSED' } });
    expect(viaStatus.data!.updateWebhookSubscription.status).toBe('PAUSED');
    const resumed = await graphql(
      hub.url,
      `
        mutation ($id: ID!) {
          resumeWebhookSubscription(id: $id) {
            ... on WebhookSubscription {
              status
            }
          }
        }
      `,
      { id },
    );
    expect(resumed.data!.resumeWebhookSubscription.status).toBe('ACTIVE');
    const paused = await graphql(
      hub.url,
      `
        mutation ($id: ID!) {
          pauseWebhookSubscription(id: $id) {
            ... on WebhookSubscription {
              status
            }
          }
        }
      `,
      { id },
    );
    expect(paused.data!.pauseWebhookSubscription.status).toBe('PAUSED');

    const refusals = await Promise.all(
      [
        { url: 'ftp://example.com/hook' },
        { url: 'not a url' },
        { url: 'javascript:alert(1)' },
        { url: receiver.url, eventTypes: ['profile.exploded'] },
        { url: receiver.url, targetSource: 'Sales Force' },
        { url: receiver.url, filter: { sources: ['DROP TABLE'] } },
      ].map((input) => graphql(hub.url, CREATE, { input })),
    );
    expect(refusals.map((r) => [r.status, r.data?.createWebhookSubscription.code])).toEqual([
      [200, 'INVALID_URL'],
      [200, 'INVALID_URL'],
      [200, 'INVALID_URL'],
      [200, 'UNKNOWN_EVENT_TYPE'],
      [200, 'INVALID_SOURCE'],
      [200, 'INVALID_SOURCE'],
    ]);
    expect(refusals[3].data!.createWebhookSubscription.message).toContain('profile.updated');
    const unknown = await graphql(hub.url, UPDATE, { id: randomUUID(), input: { description: 'x' } });
    expect(unknown.data!.updateWebhookSubscription).toMatchObject({ __typename: 'ActionRefused', code: 'NOT_FOUND' });
    const badId = await graphql(hub.url, DELETE, { id: 'no-such-id' });
    expect(badId.status).toBe(200);
    expect(badId.errors![0]).toMatchObject({ extensions: { code: 'INVALID_ID' } });
    expect(JSON.stringify(badId)).not.toMatch(/at .*\.ts|SELECT|stack/i);

    expect((await graphql(hub.url, DELETE, { id })).data!.deleteWebhookSubscription).toEqual({
      __typename: 'WebhookSubscriptionDeleted',
      id,
    });
    const after = await graphql(
      hub.url,
      `
        {
          webhookSubscriptions {
            id
          }
        }
      `,
    );
    expect(after.data!.webhookSubscriptions).not.toContainEqual({ id });
    expect((await graphql(hub.url, DELETE, { id })).data!.deleteWebhookSubscription.code).toBe('NOT_FOUND');
  });

  it('delivers an ingested change once, signed, with the new values; the delivery is visible', async () => {
    const subscription = await subscribe(hub, { url: receiver.url });
    const externalId = `sf-${randomUUID()}`;
    const profileId = await ingest(hub, 'salesforce', externalId, {
      email: `ann.${randomUUID()}@example.com`,
      firstName: 'Ann',
      lastName: 'Kowalska',
    });
    const [first] = await eventually(() => about(receiver, profileId).length >= 1 && about(receiver, profileId), {
      what: 'the profile.created delivery',
    });
    const request = receiver.received.find((r) => r.body.id === first.id)!;
    expect(
      verifyWebhookSignature(subscription.secret, request.headers['x-hub-signature'] as string, request.rawBody),
    ).toBe(true);
    expect(verifyWebhookSignature('whsec_wrong', request.headers['x-hub-signature'] as string, request.rawBody)).toBe(
      false,
    );
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      'x-hub-event-id': first.id,
      'x-hub-event-type': 'profile.created',
      'x-hub-timestamp': expect.stringMatching(/^\d{10}$/),
    });
    expect(first).toMatchObject({
      type: 'profile.created',
      profileId,
      originSource: 'salesforce',
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      payload: { version: 1, values: { firstName: 'Ann', lastName: 'Kowalska' } },
    });

    await ingest(hub, 'salesforce', externalId, { firstName: 'Anna' });
    await eventually(() => about(receiver, profileId).length >= 2, { what: 'the profile.updated delivery' });
    const bodies = about(receiver, profileId);
    expect(bodies.map((b) => b.type)).toEqual(['profile.created', 'profile.updated']);
    expect(bodies[1].payload).toMatchObject({
      version: 2,
      changedFields: ['firstName'],
      values: { firstName: 'Anna' },
    });
    // Exactly once each: one request per event.
    expect(receiver.received.filter((r) => r.body.profileId === profileId)).toHaveLength(2);

    const page = await deliveries(hub, { subscriptionId: subscription.id });
    const mine = page.edges.map((e) => e.node).filter((n) => n.profileId === profileId);
    expect(mine).toEqual([
      expect.objectContaining({
        eventId: bodies[0].id,
        eventType: 'profile.created',
        status: 'DELIVERED',
        attempts: 1,
      }),
      expect.objectContaining({
        eventId: bodies[1].id,
        eventType: 'profile.updated',
        status: 'DELIVERED',
        attempts: 1,
      }),
    ]);
    expect(mine[0]).toMatchObject({ lastStatusCode: 200, lastError: null, requestBody: bodies[0] });
    await unsubscribe(hub, subscription);
  });

  it('never sends a change back to the source it came from (CRM → hub → CRM does not echo)', async () => {
    const crm = receiver;
    const ma = new WebhookReceiver();
    await ma.up();
    try {
      const toCrm = await subscribe(hub, { url: crm.url, targetSource: 'salesforce' });
      const toMa = await subscribe(hub, { url: ma.url, targetSource: 'marketo' });
      const email = `loop.${randomUUID()}@example.com`;
      const profileId = await ingest(hub, 'salesforce', `sf-${randomUUID()}`, { email, lastName: 'Nowak' });
      await eventually(() => about(ma, profileId).length >= 1, { what: 'the CRM change at the MA platform' });
      const fromMa = await ingest(hub, 'marketo', `mk-${randomUUID()}`, { email, jobTitle: 'Buyer' });
      expect(fromMa).toBe(profileId);
      await eventually(() => about(crm, profileId).length >= 1, { what: 'the MA change at the CRM' });
      // A third system's change goes to both; a profile's deliveries go out in order, so anything wrongly sent
      // before it would have arrived first.
      await ingest(hub, 'hubspot', `hs-${randomUUID()}`, { email, company: 'Acme' });
      await eventually(() => about(crm, profileId).length >= 2 && about(ma, profileId).length >= 2, {
        what: 'the third change at both',
      });

      const seen = (r: WebhookReceiver) => about(r, profileId).map((b) => `${b.type}/${b.originSource}`);
      expect(seen(crm)).toEqual(['profile.updated/marketo', 'profile.updated/hubspot']);
      expect(seen(ma)).toEqual(['profile.created/salesforce', 'profile.updated/hubspot']);
      await unsubscribe(hub, toCrm);
      await unsubscribe(hub, toMa);
    } finally {
      await ma.down();
    }
  });

  it('keeps retrying a receiver that is down; deliveries resume in order per profile, other profiles pass', async () => {
    const subscription = await subscribe(hub, { url: receiver.url });
    let profileA = '';
    let aDown = true;
    receiver.respond = (request: ReceivedWebhook) => (aDown && request.body.profileId === profileA ? 503 : 200);
    const externalA = `sf-${randomUUID()}`;
    profileA = await ingest(hub, 'salesforce', externalA, { email: `a.${randomUUID()}@example.com`, firstName: 'A0' });
    await eventually(() => receiver.received.filter((r) => r.body.profileId === profileA).length >= 2, {
      what: 'retries of the 503-answered delivery',
    });
    const profileB = await ingest(hub, 'salesforce', `sf-${randomUUID()}`, { email: `b.${randomUUID()}@example.com` });
    await eventually(() => about(receiver, profileB).length === 1, { what: "B's delivery while A's is failing" });
    expect(about(receiver, profileA)).toEqual([]);

    await ingest(hub, 'salesforce', externalA, { firstName: 'A1' });
    await ingest(hub, 'salesforce', externalA, { firstName: 'A2' });
    // Now the port is closed altogether: connections are refused.
    await receiver.down();
    await ingest(hub, 'salesforce', externalA, { firstName: 'A3' });
    await eventually(
      async () => {
        const page = await deliveries(hub, { subscriptionId: subscription.id, status: 'FAILED' });
        return page.edges.some((e) => e.node.lastStatusCode === null && /request failed/.test(e.node.lastError));
      },
      { what: 'a failed attempt with a refused connection' },
    );
    aDown = false;
    await receiver.up();

    const arrived = await eventually(() => about(receiver, profileA).length >= 4 && about(receiver, profileA), {
      what: "A's four changes after the receiver came back",
    });
    expect(arrived.map((b) => b.payload.version)).toEqual([1, 2, 3, 4]);
    expect(arrived.map((b) => b.payload.values.firstName)).toEqual(['A0', 'A1', 'A2', 'A3']);
    expect(new Set(arrived.map((b) => b.id)).size).toBe(4);
    const page = await deliveries(hub, { subscriptionId: subscription.id, status: 'DELIVERED' });
    const first = page.edges.find((e) => e.node.eventId === arrived[0].id)!.node;
    expect(first.attempts).toBeGreaterThan(1);
    await unsubscribe(hub, subscription);
  });

  it('loses nothing when the hub restarts mid-delivery; a resent delivery carries the same event id', async () => {
    const subscription = await subscribe(hub, { url: receiver.url });
    let hold = true;
    receiver.respond = () => (hold ? 'hold' : 200);
    const externalId = `sf-${randomUUID()}`;
    const profileId = await ingest(hub, 'salesforce', externalId, { email: `r.${randomUUID()}@example.com` });
    await ingest(hub, 'salesforce', externalId, { firstName: 'Restarted' });
    const held = await eventually(() => receiver.received.find((r) => r.body.profileId === profileId), {
      what: 'the first request, held open by the receiver',
    });

    await hub.stop();
    hold = false;
    hub = await hubOn(db);

    const arrived = await eventually(() => about(receiver, profileId).length >= 2 && about(receiver, profileId), {
      what: 'both changes after the restart',
    });
    expect(arrived.map((b) => b.type)).toEqual(['profile.created', 'profile.updated']);
    // The interrupted request was sent again: the same event, byte for byte, with the same id header.
    expect(arrived[0].id).toBe(held.body.id);
    const resent = receiver.received.filter((r) => r.body.id === held.body.id);
    expect(resent.length).toBeGreaterThanOrEqual(2);
    expect(new Set(resent.map((r) => r.rawBody)).size).toBe(1);
    expect(new Set(resent.map((r) => r.headers['x-hub-event-id'])).size).toBe(1);
    await unsubscribe(hub, subscription);
  });
});

describe('outbound webhooks: two hub processes on one database', () => {
  let db: TestDatabase;
  const hubs: RunningHub[] = [];
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    db = await createTestDatabase();
    hubs.push(await hubOn(db), await hubOn(db));
    await receiver.up();
  });
  afterAll(async () => {
    await Promise.all(hubs.map((hub) => hub.stop()));
    await receiver.down();
    await db?.destroy();
  });

  it('share the work without sending any delivery twice', async () => {
    const [one, two] = hubs;
    await subscribe(one, { url: receiver.url });
    const profiles = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        ingest(i % 2 ? one : two, 'salesforce', `sf-${randomUUID()}`, { email: `p${i}.${randomUUID()}@example.com` }),
      ),
    );
    await eventually(() => profiles.every((id) => about(receiver, id).length === 1), {
      what: 'one delivery per profile',
    });
    const ids = receiver.received.map((r) => r.body.id);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
  });
});

describe('outbound webhooks: dead deliveries and re-drive', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    db = await createTestDatabase();
    hub = await hubOn(db, { WEBHOOK_MAX_ATTEMPTS: '3' });
    await receiver.up();
  });
  afterAll(async () => {
    await hub?.stop();
    await receiver.down();
    await db?.destroy();
  });

  it('marks a delivery dead after the attempt limit, and sends it again when re-driven', async () => {
    receiver.respond = () => 500;
    const subscription = await subscribe(hub, { url: receiver.url });
    const profileX = await ingest(hub, 'hubspot', `hs-${randomUUID()}`, { email: `x.${randomUUID()}@example.com` });
    const profileY = await ingest(hub, 'hubspot', `hs-${randomUUID()}`, { email: `y.${randomUUID()}@example.com` });

    const dead = await eventually(
      async () => {
        const page = await deliveries(hub, { subscriptionId: subscription.id, status: 'DEAD' });
        return page.totalCount === 2 && page;
      },
      { what: 'two dead deliveries' },
    );
    // One per profile (on failure this shows what the two were: CI once found no delivery for profile X here).
    expect(dead.edges.map((e) => [e.node.eventType, e.node.profileId]).sort()).toEqual(
      [
        ['profile.created', profileX],
        ['profile.created', profileY],
      ].sort(),
    );
    for (const { node } of dead.edges) {
      expect(node).toMatchObject({ attempts: 3, lastStatusCode: 500, lastError: 'HTTP 500' });
      const attempts = receiver.received.filter((r) => r.body.id === node.eventId);
      expect(attempts.map((r) => r.headers['x-hub-delivery-attempt'])).toEqual(['1', '2', '3']);
      expect(new Set(attempts.map((r) => r.headers['x-hub-event-id']))).toEqual(new Set([node.eventId]));
    }
    // Paging through the dead ones, one at a time.
    const firstPage = await deliveries(hub, { subscriptionId: subscription.id, status: 'DEAD', first: 1 });
    expect(firstPage.pageInfo.hasNextPage).toBe(true);
    const secondPage = await deliveries(hub, {
      subscriptionId: subscription.id,
      status: 'DEAD',
      first: 1,
      after: firstPage.pageInfo.endCursor,
    });
    expect(secondPage.edges.map((e) => e.node.id)).not.toEqual(firstPage.edges.map((e) => e.node.id));
    expect(secondPage.pageInfo.hasNextPage).toBe(false);

    receiver.respond = () => 200;
    const REDELIVER = `
      mutation($id: ID!) {
        redeliverWebhook(deliveryId: $id) {
          __typename
          ... on WebhookDelivery { id status attempts }
          ... on ActionRefused { code message }
        }
      }`;
    const xDelivery = dead.edges.find((e) => e.node.profileId === profileX)!.node;
    const redriven = await graphql(hub.url, REDELIVER, { id: xDelivery.id });
    expect(redriven.data!.redeliverWebhook).toEqual({
      __typename: 'WebhookDelivery',
      id: xDelivery.id,
      status: 'PENDING',
      attempts: 0,
    });
    await eventually(() => about(receiver, profileX).length === 1, { what: "X's re-driven delivery" });
    await eventually(
      async () => (await deliveries(hub, { subscriptionId: subscription.id, status: 'DELIVERED' })).totalCount === 1,
      { what: 'the re-driven delivery recorded as delivered' },
    );
    const again = await graphql(hub.url, REDELIVER, { id: xDelivery.id });
    expect(again.data!.redeliverWebhook).toMatchObject({ __typename: 'ActionRefused', code: 'NOT_REDELIVERABLE' });
    const garbage = await graphql(hub.url, REDELIVER, { id: 'garbage' });
    expect(garbage.errors![0].extensions?.code).toBe('INVALID_ID');

    const all = await graphql(
      hub.url,
      `
        mutation ($id: ID!) {
          redeliverDeadWebhooks(subscriptionId: $id) {
            __typename
            ... on WebhooksRedelivered {
              count
            }
            ... on ActionRefused {
              code
            }
          }
        }
      `,
      { id: subscription.id },
    );
    expect(all.data!.redeliverDeadWebhooks).toEqual({ __typename: 'WebhooksRedelivered', count: 1 });
    await eventually(() => about(receiver, profileY).length === 1, { what: "Y's re-driven delivery" });
    await eventually(
      async () => (await deliveries(hub, { subscriptionId: subscription.id, status: 'DELIVERED' })).totalCount === 2,
      { what: 'both delivered' },
    );
    expect((await deliveries(hub, { subscriptionId: subscription.id, status: 'DEAD' })).totalCount).toBe(0);
  });
});
