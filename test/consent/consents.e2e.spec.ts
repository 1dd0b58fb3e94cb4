import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { inTransaction, systemContext } from '../../src/common/context';
import { fromGlobalId } from '../../src/common/global-id';
import { expireLapsedGrants } from '../../src/consent/consent-current';
import { appendChangeEvents } from '../../src/feed/change-events';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { encodeFeedCursor } from '../../src/feed/read-change-events';
import { createLogger } from '../../src/logging/logger';
import { graphql, startTestHub, type TestHub } from '../support/test-hub';
import { authHeader } from '../support/test-auth';

const INGEST = `mutation($source: String, $records: [JSONObject!]!) {
  ingest(source: $source, records: $records) {
    results { ... on IngestAccepted { status profileId } ... on IngestRejected { code message path } }
  } }`;

const CONSENTS = `query($id: ID!) { profile(id: $id) {
  consents { purpose channel contactPoint status legalBasis source capturedAt expiresAt statementId }
  consentHistory { id purpose channel contactPoint status source capturedAt evidence recordedBy }
} }`;

const SET = `mutation($input: SetConsentInput!) { setConsent(input: $input) {
  __typename
  ... on ConsentRecorded { statementId profile { consents { purpose channel contactPoint status source } } }
  ... on ActionRefused { code message }
} }`;

const MERGE = `mutation($ids: [ID!]!) { mergeProfiles(profileIds: $ids) { __typename ... on ProfilesMerged { survivor { id } } } }`;

const email = (status: string, capturedAt: string, extra: Record<string, unknown> = {}) => ({
  purpose: 'email_marketing',
  channel: 'email',
  status,
  capturedAt,
  ...extra,
});

describe('consents through the real hub', () => {
  let hub: TestHub;
  let ws: Client | undefined;
  const ingest = async (source: string, records: unknown[]) => {
    const res = await graphql(hub.url, INGEST, { source, records });
    expect(res.errors).toBeUndefined();
    return res.data!.ingest.results as { status: string; profileId: string; code?: string }[];
  };
  const consents = async (id: string) => {
    const res = await graphql(hub.url, CONSENTS, { id });
    expect(res.errors).toBeUndefined();
    return res.data!.profile;
  };

  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => {
    await ws?.dispose();
    await hub.stop();
  });

  it("derives the current state from both systems' statements: the latest wins, an older grant never undoes a withdrawal", async () => {
    const [crm] = await ingest('salesforce', [
      {
        externalId: '003C1',
        attributes: { email: 'maja@example.com', firstName: 'Maja', lastName: 'Sowa' },
        consents: [
          email('granted', '2026-03-01T10:00:00Z', {
            contactPoint: 'maja@example.com',
            legalBasis: 'consent',
            evidence: { form: 'signup-2026', ip: '203.0.113.7' },
          }),
        ],
      },
    ]);
    await ingest('mailchimp', [
      {
        externalId: 'mc-1',
        attributes: { email: 'maja@example.com' },
        consents: [email('withdrawn', '2026-04-01T10:00:00Z', { contactPoint: 'maja@example.com' })],
      },
    ]);
    // The CRM re-sends an old grant (captured before the withdrawal) later: it is recorded, but does not win.
    await ingest('salesforce', [
      {
        externalId: '003C1',
        updatedAt: '2026-05-01T10:00:00Z',
        consents: [email('granted', '2026-03-15T10:00:00Z', { contactPoint: 'maja@example.com' })],
      },
    ]);
    const p = await consents(crm.profileId);
    expect(p.consents).toEqual([
      expect.objectContaining({
        purpose: 'email_marketing',
        channel: 'email',
        contactPoint: 'maja@example.com',
        status: 'WITHDRAWN',
        source: 'mailchimp',
      }),
    ]);
    expect(p.consentHistory.map((s: any) => [s.source, s.status])).toEqual([
      ['mailchimp', 'WITHDRAWN'],
      ['salesforce', 'GRANTED'],
      ['salesforce', 'GRANTED'],
    ]);
    expect(p.consentHistory[2].evidence).toEqual({ form: 'signup-2026', ip: '203.0.113.7' });
    const changes = await hub.db.dataSource.query(
      `SELECT payload FROM change_event WHERE type = 'consent.changed' AND profile_id = $1 ORDER BY position`,
      [fromGlobalId('Profile', crm.profileId)],
    );
    expect(changes.map((c: any) => [c.payload.previousStatus, c.payload.status])).toEqual([
      [null, 'granted'],
      ['granted', 'withdrawn'],
    ]);
  });

  it('records a consent through the API, checks purpose, channel and contact point, and lets a grant lapse', async () => {
    const [crm] = await ingest('salesforce', [
      { externalId: '003C2', attributes: { email: 'olek@example.com', phone: '+48 600 300 400', firstName: 'Olek' } },
    ]);
    const refused = await Promise.all([
      graphql(hub.url, SET, {
        input: { profileId: crm.profileId, purpose: 'spam', channel: 'email', status: 'GRANTED' },
      }),
      graphql(hub.url, SET, {
        input: { profileId: crm.profileId, purpose: 'sms_marketing', channel: 'pigeon', status: 'GRANTED' },
      }),
      graphql(hub.url, SET, {
        input: {
          profileId: crm.profileId,
          purpose: 'sms_marketing',
          channel: 'sms',
          contactPoint: 'not a phone',
          status: 'GRANTED',
        },
      }),
      graphql(hub.url, SET, {
        input: {
          profileId: '00000000-0000-4000-8000-000000000000',
          purpose: 'sms_marketing',
          channel: 'sms',
          status: 'GRANTED',
        },
      }),
    ]);
    expect(refused.map((r) => r.data!.setConsent.code)).toEqual([
      'UNKNOWN_PURPOSE',
      'UNKNOWN_CHANNEL',
      'BAD_VALUE',
      'NOT_FOUND',
    ]);

    const set = await graphql(hub.url, SET, {
      input: {
        profileId: crm.profileId,
        purpose: 'sms_marketing',
        channel: 'sms',
        contactPoint: '+48 600 300 400',
        status: 'GRANTED',
        legalBasis: 'consent',
        capturedAt: new Date(Date.now() - 2 * 3_600_000).toISOString(),
        expiresAt: new Date(Date.now() - 3_600_000).toISOString(),
        evidence: { text: 'SMS offers v3' },
        source: 'callcentre',
      },
    });
    expect(set.data!.setConsent).toMatchObject({ __typename: 'ConsentRecorded' });
    const p = await consents(crm.profileId);
    // The grant expired an hour ago: it reads expired at once, before any job ran.
    expect(p.consents).toEqual([
      expect.objectContaining({
        purpose: 'sms_marketing',
        contactPoint: '+48600300400',
        status: 'EXPIRED',
        source: 'callcentre',
      }),
    ]);
    expect(p.consentHistory[0]).toMatchObject({
      source: 'callcentre',
      recordedBy: expect.any(String),
      evidence: { text: 'SMS offers v3' },
    });

    // A grant that lapses later: stored as granted now, read as expired once due, and moved by the expiry job.
    const soon = await graphql(hub.url, SET, {
      input: {
        profileId: crm.profileId,
        purpose: 'profiling',
        channel: 'any',
        status: 'GRANTED',
        expiresAt: new Date(Date.now() + 1500).toISOString(),
      },
    });
    expect(soon.data!.setConsent).toMatchObject({ __typename: 'ConsentRecorded' });
    expect((await consents(crm.profileId)).consents.find((c: any) => c.purpose === 'profiling').status).toBe('GRANTED');
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await consents(crm.profileId)).consents.find((c: any) => c.purpose === 'profiling').status).toBe('EXPIRED');
    const ctx = systemContext(hub.db.dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test');
    const lapsed = await inTransaction(ctx, async (tx) => {
      const events = await expireLapsedGrants(tx);
      await appendChangeEvents(tx, events);
      return events;
    });
    expect(lapsed.map((e) => [e.payload.purpose, e.payload.previousStatus, e.payload.status])).toEqual([
      ['profiling', 'granted', 'expired'],
    ]);
    const stored = await hub.db.dataSource.query(
      `SELECT purpose, status FROM consent_current WHERE profile_id = $1 ORDER BY purpose`,
      [fromGlobalId('Profile', crm.profileId)],
    );
    expect(stored).toEqual([
      { purpose: 'profiling', status: 'expired' },
      { purpose: 'sms_marketing', status: 'expired' },
    ]);
  });

  it('keeps the most restrictive state when two profiles with conflicting consents merge', async () => {
    const [a] = await ingest('salesforce', [
      {
        externalId: '003C3',
        attributes: { email: 'ula@example.com', firstName: 'Ula', lastName: 'Kos' },
        consents: [email('withdrawn', '2026-01-10T10:00:00Z')],
      },
    ]);
    const [b] = await ingest('hubspot', [
      {
        externalId: 'hs-3',
        attributes: { email: 'ula.kos@example.org', firstName: 'Urszula', lastName: 'Nowak' },
        consents: [email('granted', '2026-06-10T10:00:00Z')],
      },
    ]);
    expect(b.profileId).not.toBe(a.profileId);
    const merged = await graphql(hub.url, MERGE, { ids: [a.profileId, b.profileId] });
    const survivor = merged.data!.mergeProfiles.survivor.id;
    const p = await consents(survivor);
    // By time alone the later grant would win; the merge keeps the withdrawal instead, and says why.
    expect(p.consents).toEqual([
      expect.objectContaining({ purpose: 'email_marketing', status: 'WITHDRAWN', source: 'hub' }),
    ]);
    expect(p.consentHistory[0]).toMatchObject({
      source: 'hub',
      status: 'WITHDRAWN',
      evidence: { rule: expect.stringMatching(/most restrictive/) },
    });
  });

  it('streams consent changes durably: a subscriber resuming from a cursor gets what it missed, then live ones', async () => {
    const [crm] = await ingest('salesforce', [
      {
        externalId: '003C4',
        attributes: { email: 'iga@example.com', firstName: 'Iga' },
        consents: [email('granted', '2026-02-01T00:00:00Z')],
      },
    ]);
    const subscribe = (after: string | null) => {
      const received: any[] = [];
      const client = createClient({
        url: hub.wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: () => authHeader(),
      });
      const stop = client.subscribe(
        {
          query: `subscription($after: String, $profileId: ID) { consentChanged(after: $after, profileId: $profileId) {
            eventId cursor profileId purpose channel status previousStatus source } }`,
          variables: { after, profileId: crm.profileId },
        },
        {
          next: (m) => received.push(m.data!.consentChanged),
          error: (e) => received.push({ error: e }),
          complete: () => undefined,
        },
      );
      return { received, stop, client };
    };
    const waitFor = async (list: any[], n: number) => {
      for (let i = 0; i < 200 && list.length < n; i++) await new Promise((r) => setTimeout(r, 50));
      return list;
    };
    // From the start of the feed: the first grant is there already.
    const fromStart = subscribe(encodeFeedCursor({ txid: 0n, position: 0n }));
    const seen = await waitFor(fromStart.received, 1);
    expect(seen[0]).toMatchObject({
      purpose: 'email_marketing',
      status: 'GRANTED',
      previousStatus: null,
      profileId: crm.profileId,
    });
    const cursor = seen[0].cursor;
    fromStart.stop();
    await fromStart.client.dispose();

    // While nobody listens, the person withdraws; a subscriber resuming from the cursor gets it, then a live one.
    await ingest('salesforce', [
      {
        externalId: '003C4',
        updatedAt: '2026-03-01T00:00:00Z',
        consents: [email('withdrawn', '2026-03-01T00:00:00Z')],
      },
    ]);
    const resumed = subscribe(cursor);
    await waitFor(resumed.received, 1);
    await ingest('salesforce', [
      { externalId: '003C4', updatedAt: '2026-04-01T00:00:00Z', consents: [email('granted', '2026-04-01T00:00:00Z')] },
    ]);
    const all = await waitFor(resumed.received, 2);
    resumed.stop();
    await resumed.client.dispose();
    expect(all.map((c) => [c.previousStatus, c.status])).toEqual([
      ['GRANTED', 'WITHDRAWN'],
      ['WITHDRAWN', 'GRANTED'],
    ]);
    expect(new Set(all.map((c) => c.eventId)).size).toBe(2);
  });
});
