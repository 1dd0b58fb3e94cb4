import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { RunningHub } from '../../src/server/hub';
import { subscribeFeed, type FeedSubscriber } from '../support/feed-subscriber';
import { parsePrometheusText, sampleValue, type PrometheusExposition } from '../support/prometheus-text';
import { authHeader, testToken } from '../support/test-auth';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { graphql, startFullHub } from '../support/test-hub';
import { WebhookReceiver } from '../support/webhook-receiver';

const METRICS_TOKEN = 'scraper-secret-0123456789';

interface ErrorBody {
  errors: { extensions: Record<string, unknown> }[];
}

const INGEST = `mutation IngestContacts($source: String, $records: [JSONObject!]!) {
  ingest(source: $source, records: $records) {
    accepted rejected
    results { ... on IngestAccepted { status profileId } ... on IngestRejected { code } }
  } }`;

const CANDIDATES = `query OpenCandidates { mergeCandidates { edges { node { id band profileAId profileBId } } } }`;

let counter = 0;
const record = (attributes: Record<string, unknown>) => ({
  externalId: `m-${++counter}`,
  updatedAt: `2026-11-01T10:${String(counter % 60).padStart(2, '0')}:00Z`,
  attributes,
});

describe('/metrics', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let receiver: WebhookReceiver;
  const metricsUrl = () => hub.url.replace(/\/graphql$/, '/metrics');

  const scrape = async (): Promise<PrometheusExposition> => {
    const response = await fetch(metricsUrl(), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await response.text());
  };
  /** Scrapes until `check` holds (the dispatcher works in the background); bounded, no timing asserted. */
  const scrapeUntil = async (check: (m: PrometheusExposition) => boolean): Promise<PrometheusExposition> => {
    let metrics = await scrape();
    for (let attempt = 0; attempt < 100 && !check(metrics); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      metrics = await scrape();
    }
    return metrics;
  };
  const ingest = async (source: string, records: unknown[]) => {
    const { data, errors } = await graphql(hub.url, INGEST, { source, records });
    expect(errors).toBeUndefined();
    return data!.ingest as { accepted: number; rejected: number; results: { status?: string; profileId?: string }[] };
  };

  beforeAll(async () => {
    receiver = new WebhookReceiver();
    await receiver.up();
    db = await createTestDatabase();
    hub = await startFullHub(db, { METRICS_TOKEN, WEBHOOK_MAX_ATTEMPTS: '2' });
  });
  afterAll(async () => {
    await hub?.stop();
    await db?.destroy();
    await receiver?.down();
  });

  it('is never open: the scraper token or an admin access token, coded refusals otherwise', async () => {
    const missing = await fetch(metricsUrl());
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await missing.json()) as ErrorBody).errors[0].extensions.code).toBe('TOKEN_MISSING');

    const wrong = await fetch(metricsUrl(), { headers: { authorization: 'Bearer not-the-scraper-secret' } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as ErrorBody).errors[0].extensions.code).toBe('TOKEN_MALFORMED');

    const reader = await fetch(metricsUrl(), {
      headers: { authorization: `Bearer ${await testToken(['profiles:read', 'pii:read', 'steward'])}` },
    });
    expect(reader.status).toBe(403);
    expect(((await reader.json()) as ErrorBody).errors[0].extensions).toEqual({ code: 'FORBIDDEN', scope: 'admin' });

    const admin = await fetch(metricsUrl(), { headers: { authorization: `Bearer ${await testToken(['admin'])}` } });
    expect(admin.status).toBe(200);
    expect(await admin.text()).toMatch(/^# HELP /m);
  });

  it('parses as Prometheus exposition, with process, pool and hub metrics', async () => {
    const metrics = await scrape();
    expect(metrics.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(metrics.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(metrics.samples.find((s) => s.name === 'profile_hub_info')?.labels.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(sampleValue(metrics, 'profile_hub_database_up')).toBe(1);
    // The hub's pool: DB_POOL_SIZE (10) at most, and what it holds now.
    expect(sampleValue(metrics, 'profile_hub_db_pool_connections', { state: 'max' })).toBe(10);
    for (const state of ['total', 'idle', 'waiting']) {
      expect(sampleValue(metrics, 'profile_hub_db_pool_connections', { state })).toBeGreaterThanOrEqual(0);
    }
    for (const name of [
      'profile_hub_open_conflicts',
      'profile_hub_open_merge_candidates',
      'profile_hub_open_dead_letters',
    ]) {
      expect(metrics.types.get(name)).toBe('gauge');
      expect(sampleValue(metrics, name)).toBe(0);
    }
    expect(metrics.types.get('profile_hub_graphql_operation_duration_seconds')).toBe('histogram');
    expect(metrics.types.get('profile_hub_ingest_records_total')).toBe('counter');
  });

  it('counts ingested records by source, transport and outcome, and rejections by code', async () => {
    const before = await scrape();
    const count = (m: PrometheusExposition, labels: Record<string, string>) =>
      sampleValue(m, 'profile_hub_ingest_records_total', { transport: 'graphql', ...labels }) ?? 0;

    const first = await ingest('salesforce', [
      record({ email: 'ann.kowalska@example.com', firstName: 'Anna', lastName: 'Kowalska' }),
      record({ email: 'not an email', firstName: 'Bad' }),
      record({ email: 'jan.nowak@example.com', firstName: 'Jan', lastName: 'Nowak' }),
    ]);
    expect([first.accepted, first.rejected]).toEqual([2, 1]);
    // The same person from the MA platform: joins the CRM's profile by email (the auto-merge band).
    const second = await ingest('hubspot', [
      record({ email: 'Ann.Kowalska@example.com', firstName: 'Anna', lastName: 'Kowalska' }),
    ]);
    expect(second.results[0].profileId).toBe(first.results[0].profileId);

    const after = await scrape();
    expect(
      count(after, { source: 'salesforce', outcome: 'created' }) -
        count(before, { source: 'salesforce', outcome: 'created' }),
    ).toBe(2);
    expect(
      count(after, { source: 'salesforce', outcome: 'rejected' }) -
        count(before, { source: 'salesforce', outcome: 'rejected' }),
    ).toBe(1);
    expect(
      count(after, { source: 'hubspot', outcome: 'created' }) -
        count(before, { source: 'hubspot', outcome: 'created' }),
    ).toBe(1);
    const rejections = (m: PrometheusExposition) =>
      sampleValue(m, 'profile_hub_ingest_rejections_total', { source: 'salesforce', code: 'INVALID_EMAIL' }) ?? 0;
    expect(rejections(after) - rejections(before)).toBe(1);
    const batches = (m: PrometheusExposition) =>
      sampleValue(m, 'profile_hub_ingest_batches_total', { transport: 'graphql', result: 'committed' }) ?? 0;
    expect(batches(after) - batches(before)).toBe(2);
    const band = (m: PrometheusExposition, b: string) =>
      sampleValue(m, 'profile_hub_match_outcomes_total', { band: b }) ?? 0;
    expect(band(after, 'new') - band(before, 'new')).toBe(2);
    expect(band(after, 'auto_merge') - band(before, 'auto_merge')).toBe(1);
    // The dead letter is waiting for a fix.
    expect(sampleValue(after, 'profile_hub_open_dead_letters')).toBe(1);
  });

  it('shows a review-band candidate by band and as an open candidate, and the steward merge that settles it', async () => {
    const before = await scrape();
    const band = (m: PrometheusExposition, b: string) =>
      sampleValue(m, 'profile_hub_match_outcomes_total', { band: b }) ?? 0;
    // The same name with a slip in the surname at the same postal code, with another email: likely, not certain
    // (see the identity tests).
    await ingest('salesforce', [
      record({
        firstName: 'Tomasz',
        lastName: 'Wójcik',
        email: 'tomasz.w@example.com',
        address: { city: 'Poznań', postalCode: '60-101', country: 'PL' },
      }),
    ]);
    await ingest('hubspot', [
      record({
        firstName: 'Tomasz',
        lastName: 'Wójcyk',
        birthDate: '1988-03-07',
        email: 'tw88@example.org',
        address: { city: 'Poznan', postalCode: '60-101', country: 'PL' },
      }),
    ]);
    const filed = await scrape();
    expect(band(filed, 'review') - band(before, 'review')).toBe(1);
    expect(sampleValue(filed, 'profile_hub_open_merge_candidates')).toBe(1);

    const { data } = await graphql(hub.url, CANDIDATES);
    const candidate = data!.mergeCandidates.edges[0].node;
    expect(candidate.band).toBe('review');
    const approved = await graphql(
      hub.url,
      `
        mutation Approve($id: ID!) {
          approveMergeCandidate(id: $id) {
            __typename
          }
        }
      `,
      { id: candidate.id },
    );
    expect(approved.data!.approveMergeCandidate.__typename).toBe('ProfilesMerged');
    const merged = await scrape();
    const merges = (m: PrometheusExposition) => sampleValue(m, 'profile_hub_merges_total', { trigger: 'steward' }) ?? 0;
    expect(merges(merged) - merges(before)).toBe(1);
    expect(sampleValue(merged, 'profile_hub_open_merge_candidates')).toBe(0);
  });

  it('times GraphQL operations by name, type and transport, HTTP and WebSocket alike', async () => {
    const metrics = await scrape();
    const observations = (labels: Record<string, string>) =>
      sampleValue(metrics, 'profile_hub_graphql_operation_duration_seconds_count', labels) ?? 0;
    expect(observations({ operation: 'IngestContacts', type: 'mutation', transport: 'http', status: 'ok' })).toBe(4);
    expect(observations({ operation: 'OpenCandidates', type: 'query', transport: 'http', status: 'ok' })).toBe(1);
    // Every observation falls in a bucket: the +Inf bucket equals the count.
    expect(
      sampleValue(metrics, 'profile_hub_graphql_operation_duration_seconds_bucket', {
        operation: 'IngestContacts',
        transport: 'http',
        le: '+Inf',
      }),
    ).toBe(4);

    const client = createClient({
      url: hub.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: () => authHeader(),
    });
    try {
      const result = await new Promise<unknown>((resolve, reject) => {
        let value: unknown;
        client.subscribe(
          { query: 'query SegmentList { segments { key } }' },
          { next: (v) => (value = v), error: reject, complete: () => resolve(value) },
        );
      });
      expect(result).toEqual({ data: { segments: [] } });
    } finally {
      await client.dispose();
    }
    const afterWs = await scrape();
    expect(
      sampleValue(afterWs, 'profile_hub_graphql_operation_duration_seconds_count', {
        operation: 'SegmentList',
        type: 'query',
        transport: 'ws',
        status: 'ok',
      }),
    ).toBe(1);
  });

  it('counts live subscriptions and shows how far behind the feed readers are', async () => {
    let subscriber: FeedSubscriber<{ type: string }> | undefined;
    try {
      subscriber = subscribeFeed(
        hub.url.replace(/^http/, 'ws'),
        'subscription { changes { type cursor } }',
        {},
        'changes',
      );
      const live = await scrapeUntil((m) => sampleValue(m, 'profile_hub_graphql_subscriptions') === 1);
      expect(sampleValue(live, 'profile_hub_graphql_subscriptions')).toBe(1);
      expect(sampleValue(live, 'profile_hub_graphql_ws_connections')).toBe(1);
      expect(sampleValue(live, 'profile_hub_feed_lag_seconds', { reader: 'subscriptions' })).toBeGreaterThanOrEqual(0);
      expect(sampleValue(live, 'profile_hub_feed_backlog_events', { reader: 'subscriptions' })).toBeGreaterThanOrEqual(
        0,
      );

      await ingest('salesforce', [record({ email: 'eve@example.com', firstName: 'Eve' })]);
      await subscriber.waitFor(1);
      // Handed on: nothing left behind for the subscriptions' reader.
      const caughtUp = await scrapeUntil(
        (m) => sampleValue(m, 'profile_hub_feed_backlog_events', { reader: 'subscriptions' }) === 0,
      );
      expect(sampleValue(caughtUp, 'profile_hub_feed_backlog_events', { reader: 'subscriptions' })).toBe(0);
      expect(sampleValue(caughtUp, 'profile_hub_feed_lag_seconds', { reader: 'subscriptions' })).toBe(0);
    } finally {
      await subscriber?.close();
    }
    const gone = await scrapeUntil((m) => sampleValue(m, 'profile_hub_graphql_ws_connections') === 0);
    expect(sampleValue(gone, 'profile_hub_graphql_subscriptions')).toBe(0);
  });

  it('counts webhook delivery failures and shows the dead ones', async () => {
    receiver.respond = () => 500;
    const created = await graphql(
      hub.url,
      `
        mutation ($input: CreateWebhookSubscriptionInput!) {
          createWebhookSubscription(input: $input) {
            __typename
            ... on WebhookSubscriptionCreated {
              subscription {
                id
              }
            }
          }
        }
      `,
      { input: { url: receiver.url, eventTypes: ['profile.created'] } },
    );
    expect(created.data!.createWebhookSubscription.__typename).toBe('WebhookSubscriptionCreated');
    const before = await scrape();
    const attempts = (m: PrometheusExposition, outcome: string) =>
      sampleValue(m, 'profile_hub_webhook_delivery_attempts_total', { outcome }) ?? 0;

    await ingest('salesforce', [record({ email: 'zoe@example.com', firstName: 'Zoe' })]);
    // WEBHOOK_MAX_ATTEMPTS=2: one failed attempt, then the last one gives up.
    const dead = await scrapeUntil((m) => sampleValue(m, 'profile_hub_webhook_deliveries', { status: 'dead' }) === 1);
    expect(sampleValue(dead, 'profile_hub_webhook_deliveries', { status: 'dead' })).toBe(1);
    expect(attempts(dead, 'failed') - attempts(before, 'failed')).toBe(1);
    expect(attempts(dead, 'dead') - attempts(before, 'dead')).toBe(1);
    expect(attempts(dead, 'delivered') - attempts(before, 'delivered')).toBe(0);
    expect(receiver.received.filter((r) => r.body.type === 'profile.created')).toHaveLength(2);
    // The webhooks' reader has handed everything on to deliveries.
    expect(sampleValue(dead, 'profile_hub_feed_lag_seconds', { reader: 'webhooks' })).toBeGreaterThanOrEqual(0);
  });
});
