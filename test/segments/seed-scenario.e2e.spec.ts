import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { RunningHub } from '../../src/server/hub';
import { verifyWebhookSignature } from '../../src/sync/webhook-signature';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { graphql, startFullHub } from '../support/test-hub';
import { eventually, WebhookReceiver } from '../support/webhook-receiver';
import { authHeader } from '../support/test-auth';

const INGEST = `mutation($source: String, $records: [JSONObject!]!) {
  ingest(source: $source, records: $records) {
    results { ... on IngestAccepted { status profileId } ... on IngestRejected { code message path } }
  } }`;

/**
 * The seed scenario: a contact clicks a campaign email in the MA platform → the hub raises their lead score →
 * they enter the "hot leads" segment, which the MA platform's subscriber sees as ENTERED → the CRM's webhook
 * receives the lifecycle trigger (MQL) for a follow-up task.
 */
describe('seed scenario: an email click makes an MQL, end to end over the real server', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let ws: Client;
  const crm = new WebhookReceiver();

  beforeAll(async () => {
    db = await createTestDatabase();
    hub = await startFullHub(db);
    await crm.up();
  }, 60_000);

  afterAll(async () => {
    await ws?.dispose();
    await hub?.stop();
    await crm.down();
    await db?.destroy();
  });

  it('raises the score, moves the profile into the segment live, and triggers the CRM', async () => {
    // The person, in both systems.
    const [contact] = (
      await graphql(hub.url, INGEST, {
        source: 'salesforce',
        records: [
          { externalId: '003SEED', attributes: { email: 'lena@acme.example', firstName: 'Lena', lastName: 'Berg' } },
        ],
      })
    ).data!.ingest.results;
    const soon = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
    await graphql(hub.url, INGEST, {
      source: 'hubspot',
      records: [
        {
          externalId: '9001',
          updatedAt: soon(1),
          attributes: { email: 'lena@acme.example' },
          // Earlier engagement: a form and a webinar (20 + 25 points by the default scoring).
          events: [
            { id: 'f1', type: 'form_submitted', occurredAt: new Date().toISOString() },
            { id: 'w1', type: 'webinar_attended', occurredAt: new Date().toISOString() },
          ],
        },
      ],
    });

    // The MA platform's audience: hot leads; the CRM wants lifecycle triggers.
    const defined = await graphql(
      hub.url,
      `
        mutation ($rule: JSON!) {
          defineSegment(key: "hot-leads", name: "Hot leads", rule: $rule) {
            __typename
            ... on SegmentDefined {
              entered
            }
          }
        }
      `,
      { rule: { and: [{ field: 'leadScore', op: 'gte', value: 50 }, { identifier: 'email' }] } },
    );
    expect(defined.data!.defineSegment).toEqual({ __typename: 'SegmentDefined', entered: 0 });
    const subscription = await graphql(
      hub.url,
      `
        mutation ($input: CreateWebhookSubscriptionInput!) {
          createWebhookSubscription(input: $input) {
            ... on WebhookSubscriptionCreated {
              secret
            }
          }
        }
      `,
      { input: { url: crm.url, eventTypes: ['profile.lifecycle_changed'], targetSource: 'salesforce' } },
    );
    const secret = subscription.data!.createWebhookSubscription.secret as string;

    ws = createClient({
      url: hub.url.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: () => authHeader(),
    });
    const seen: any[] = [];
    ws.subscribe(
      {
        query: `subscription { segmentMembershipChanged(segmentKey: "hot-leads") { eventId type segmentKey profileId } }`,
      },
      {
        next: (m) => seen.push(m.data!.segmentMembershipChanged),
        error: (e) => seen.push({ error: e }),
        complete: () => undefined,
      },
    );
    // Let the subscription start from "now" before the click happens.
    await new Promise((resolve) => setTimeout(resolve, 500));

    // The click.
    await graphql(hub.url, INGEST, {
      source: 'hubspot',
      records: [
        {
          externalId: '9001',
          updatedAt: soon(2),
          events: [
            {
              id: 'c1',
              type: 'email_clicked',
              occurredAt: new Date().toISOString(),
              properties: { campaign: 'autumn' },
            },
          ],
        },
      ],
    });

    const profile = await graphql(
      hub.url,
      `
        query ($id: ID!) {
          profile(id: $id) {
            leadScore
            lifecycleStage
            segments
          }
        }
      `,
      {
        id: contact.profileId,
      },
    );
    expect(profile.data!.profile).toMatchObject({ lifecycleStage: 'MQL', segments: ['hot-leads'] });
    expect(profile.data!.profile.leadScore).toBeGreaterThanOrEqual(50);

    const [entered] = await eventually(() => (seen.length > 0 ? seen : false), { what: 'the ENTERED push' });
    expect(entered).toMatchObject({ type: 'ENTERED', segmentKey: 'hot-leads', profileId: contact.profileId });

    const [trigger] = await eventually(() => (crm.received.length > 0 ? crm.received : false), {
      what: 'the CRM trigger',
    });
    expect(verifyWebhookSignature(secret, trigger.headers['x-hub-signature'] as string, trigger.rawBody)).toBe(true);
    expect(trigger.body).toMatchObject({
      type: 'profile.lifecycle_changed',
      profileId: contact.profileId,
      payload: { from: null, to: 'MQL' },
    });
    expect(trigger.body.payload.leadScore).toBeGreaterThanOrEqual(50);
  }, 60_000);
});
