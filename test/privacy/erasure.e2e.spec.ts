import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { readChangeEvents } from '../../src/feed/read-change-events';
import type { RunningHub } from '../../src/server/hub';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { graphql, startFullHub } from '../support/test-hub';
import { eventually, WebhookReceiver } from '../support/webhook-receiver';
import { authHeader } from '../support/test-auth';

const INGEST = `mutation($source: String, $records: [JSONObject!]!) {
  ingest(source: $source, records: $records) {
    results { ... on IngestAccepted { status profileId } ... on IngestRejected { code message path } }
  } }`;

const ERASE = `mutation($id: ID!, $reason: ErasureReason!) { eraseProfile(id: $id, reason: $reason) {
  __typename
  ... on ProfileErased { profileId absorbedProfileIds erasedAt sourceRecords suppressionEntries }
  ... on ActionRefused { code message } } }`;

const EXPORT = `mutation($id: ID!) { exportProfile(id: $id) {
  __typename ... on ProfileExport { profileId generatedAt document } ... on ActionRefused { code message } } }`;

/** The person to erase, as three systems know them; every value here must vanish from the database. */
const ANN = {
  email: 'annabel.kowalska@example.com',
  otherEmail: 'a.zielinska-kowalska@example.org',
  phone: '+48601234567',
  firstName: 'Annabel',
  lastName: 'Zielinska-Kowalska',
};
const PII = [ANN.email, ANN.otherEmail, '601234567', ANN.firstName, ANN.lastName, 'zielinska', 'kowalska'];

const crmContact = (updatedAt: string) => ({
  externalId: '0035f00002ANNxAAA',
  updatedAt,
  attributes: { email: ANN.email, phone: ANN.phone, firstName: ANN.firstName, lastName: ANN.lastName },
  consents: [
    {
      purpose: 'email_marketing',
      channel: 'email',
      status: 'granted',
      capturedAt: '2026-10-01T09:00:00Z',
      contactPoint: ANN.email,
      evidence: { form: 'newsletter', ip: '203.0.113.7', text: `Yes ${ANN.firstName}, send me news` },
    },
  ],
});

describe('erasure: a person merged from three source records leaves no trace', () => {
  let db: TestDatabase;
  let hub: RunningHub;
  let receiver: WebhookReceiver;
  let ws: Client | undefined;
  const ingest = async (source: string, records: unknown[]) => {
    const res = await graphql(hub.url, INGEST, { source, records });
    expect(res.errors).toBeUndefined();
    return res.data!.ingest.results as { status?: string; profileId?: string; code?: string; message?: string }[];
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = new WebhookReceiver();
    await receiver.up();
    hub = await startFullHub(db, { DB_POOL_SIZE: '4' });
  });
  afterAll(async () => {
    await ws?.dispose();
    await hub?.stop();
    await receiver?.down();
    await db?.destroy();
  });

  it('erases everything, tells every recipient, and holds the person when a system sends them again', async () => {
    const subscribed = await graphql(
      hub.url,
      `
        mutation ($input: CreateWebhookSubscriptionInput!) {
          createWebhookSubscription(input: $input) {
            ... on WebhookSubscriptionCreated {
              subscription {
                id
              }
            }
          }
        }
      `,
      { input: { url: receiver.url } },
    );
    expect(subscribed.errors).toBeUndefined();

    // Someone else, who must come through untouched.
    const [bob] = await ingest('salesforce', [
      {
        externalId: '0035f00002BOBxAAA',
        updatedAt: '2026-11-01T08:00:00Z',
        attributes: {
          email: 'bogdan.nowicki@example.net',
          phone: '+48512000111',
          firstName: 'Bogdan',
          lastName: 'Nowicki',
        },
      },
    ]);
    // MA lead by the other email and the phone; an MA lead by the CRM email; then the CRM contact, which holds
    // both the email and the phone, bridges the two into one profile (a merge).
    const [hubspot] = await ingest('hubspot', [
      {
        externalId: '901',
        updatedAt: '2026-11-01T09:00:00Z',
        attributes: {
          email: ANN.otherEmail,
          phone: '+48 601 234 567',
          firstName: ANN.firstName,
          lastName: ANN.lastName,
        },
        events: [
          {
            id: 'hs-ev-1',
            type: 'form_submitted',
            occurredAt: '2026-11-01T09:00:00Z',
            properties: { name: ANN.firstName },
          },
        ],
      },
    ]);
    await ingest('marketo', [
      {
        externalId: '7001',
        updatedAt: '2026-11-01T09:30:00Z',
        attributes: { email: ANN.email, firstName: ANN.firstName, lastName: ANN.lastName, jobTitle: 'Buyer' },
        events: [
          { id: 'mk-ev-1', type: 'email_clicked', occurredAt: '2026-11-01T09:31:00Z', properties: { to: ANN.email } },
        ],
      },
    ]);
    const [crm] = await ingest('salesforce', [crmContact('2026-11-01T10:00:00Z')]);
    expect(crm.status).toBe('CREATED');
    // A record that failed validation, holding the person's email: a dead letter tied to them.
    const [bad] = await ingest('hubspot', [
      { externalId: '902', attributes: { email: ANN.email, birthDate: 'someday', lastName: ANN.lastName } },
    ]);
    expect(bad.code).toBe('INVALID_DATE');
    // Someone else's dead letter stays.
    const [otherBad] = await ingest('hubspot', [{ externalId: '903', attributes: { email: 'x@@nowhere' } }]);
    expect(otherBad.code).toBe('INVALID_EMAIL');

    const ids = await db.dataSource.query(
      `SELECT DISTINCT profile_id FROM source_record WHERE external_id IN ('901', '7001', '0035f00002ANNxAAA')`,
    );
    expect(ids).toHaveLength(1);
    const survivorId: string = ids[0].profile_id;
    const [{ count: tombstones }] = await db.dataSource.query(
      `SELECT count(*)::int AS count FROM golden_profile WHERE merged_into_id = $1`,
      [survivorId],
    );
    expect(tombstones).toBeGreaterThanOrEqual(1);
    const absorbed = await db.dataSource.query(`SELECT id FROM golden_profile WHERE merged_into_id = $1`, [survivorId]);
    const pinned = await graphql(
      hub.url,
      `
        mutation ($id: ID!) {
          pinAttribute(profileId: $id, field: "company", value: "Zielinska-Kowalska Consulting") {
            __typename
          }
        }
      `,
      { id: survivorId },
    );
    expect(pinned.errors).toBeUndefined();
    const exported = await graphql(hub.url, EXPORT, { id: hubspot.profileId });
    expect(exported.data!.exportProfile.__typename).toBe('ProfileExport');

    // Golden changes with their values reach the webhook receiver before the erasure.
    await eventually(() => receiver.delivered().some((b) => JSON.stringify(b).includes(ANN.email)), {
      what: 'a delivery carrying the email',
    });

    ws = createClient({
      url: hub.url.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: () => authHeader(),
    });
    const pushed: { type: string; profileId: string }[] = [];
    ws.subscribe(
      {
        query: `subscription($id: ID!) { profileChanged(profileId: $id) { type profileId } }`,
        variables: { id: survivorId },
      },
      {
        next: (message) => void pushed.push(message.data!.profileChanged as { type: string; profileId: string }),
        error: () => undefined,
        complete: () => undefined,
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Erase by the id of the absorbed profile: the whole person goes.
    const erased = await graphql(hub.url, ERASE, { id: absorbed[0].id, reason: 'DATA_SUBJECT_REQUEST' });
    expect(erased.errors).toBeUndefined();
    const result = erased.data!.eraseProfile;
    expect(result.__typename).toBe('ProfileErased');
    expect(result.sourceRecords).toBe(3);
    expect(result.absorbedProfileIds).toHaveLength(tombstones);
    expect(result.suppressionEntries).toBeGreaterThanOrEqual(6);

    // Every text, varchar, jsonb (and array) column of every table.
    const columns: { table_name: string; column_name: string }[] = await db.dataSource.query(
      `SELECT c.table_name, c.column_name FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
          AND c.data_type IN ('text', 'character varying', 'character', 'jsonb', 'json', 'ARRAY')`,
    );
    expect(columns.length).toBeGreaterThan(50);
    const patterns = PII.map((value) => `%${value.toLowerCase()}%`);
    const found: string[] = [];
    for (const { table_name: table, column_name: column } of columns) {
      const [{ count }] = await db.dataSource.query(
        `SELECT count(*)::int AS count FROM "${table}" WHERE lower("${column}"::text) LIKE ANY ($1::text[])`,
        [patterns],
      );
      if (count > 0) found.push(`${table}.${column}: ${count}`);
    }
    expect(found).toEqual([]);

    // The survivor and the absorbed profiles remain as non-personal tombstones.
    const rows = await db.dataSource.query(
      `SELECT status, email, first_name, lineage, custom, erased_at FROM golden_profile WHERE id = ANY($1::uuid[])`,
      [[survivorId, ...absorbed.map((a: { id: string }) => a.id)]],
    );
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'erased', email: null, first_name: null, lineage: {}, custom: {} });
      expect(row.erased_at).toBeInstanceOf(Date);
    }

    // Replaying the feed from its start: no personal data, and the erasure is in it.
    // (The feed shows a transaction's events once every older transaction on the shared server has ended.)
    let feed = await readChangeEvents(db.dataSource.manager, { after: null, limit: 10_000 });
    for (let i = 0; i < 300 && !feed.events.some((e) => e.type === 'profile.erased'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      feed = await readChangeEvents(db.dataSource.manager, { after: null, limit: 10_000 });
    }
    const text = JSON.stringify(feed.events).toLowerCase();
    for (const value of PII) expect(text).not.toContain(value.toLowerCase());
    const erasure = feed.events.find((e) => e.type === 'profile.erased');
    expect(erasure).toMatchObject({
      profileId: survivorId,
      payload: { profileId: survivorId, reason: 'data_subject_request' },
    });

    // Subscribers and webhook receivers are told.
    await eventually(() => pushed.some((p) => p.type === 'profile.erased'), { what: 'the profile.erased push' });
    await eventually(() => receiver.delivered().some((b) => b.type === 'profile.erased'), {
      what: 'the profile.erased webhook',
    });

    // The request is in the audit trail, without personal data.
    const audit = await db.dataSource.query(`SELECT actor, details FROM audit_entry WHERE action = 'profile.erase'`);
    expect(audit).toEqual([
      {
        actor: expect.any(String),
        details: expect.objectContaining({ reason: 'data_subject_request', sourceRecords: 3 }),
      },
    ]);

    // Someone else's data is untouched.
    const [{ count: bobRecords }] = await db.dataSource.query(
      `SELECT count(*)::int AS count FROM source_record WHERE profile_id = $1`,
      [
        await db.dataSource
          .query(`SELECT profile_id FROM source_record WHERE external_id = '0035f00002BOBxAAA'`)
          .then((r) => r[0].profile_id),
      ],
    );
    expect(bobRecords).toBe(1);
    expect(await db.dataSource.query(`SELECT error_code FROM dead_letter`)).toEqual([{ error_code: 'INVALID_EMAIL' }]);

    // The CRM sends the person again: held as a coded dead letter, no profile created.
    const [{ count: profilesBefore }] = await db.dataSource.query(`SELECT count(*)::int AS count FROM golden_profile`);
    const [again] = await ingest('salesforce', [crmContact('2026-11-05T10:00:00Z')]);
    expect(again).toMatchObject({ code: 'SUPPRESSED' });
    expect(again.message).not.toContain(ANN.email);
    // Any source, any of the identifiers: an MA platform's new record with only the phone is held too.
    const [byPhone] = await ingest('mailchimp', [{ externalId: 'mc-1', attributes: { phone: ANN.phone } }]);
    expect(byPhone).toMatchObject({ code: 'SUPPRESSED' });
    const [{ count: profilesAfter }] = await db.dataSource.query(`SELECT count(*)::int AS count FROM golden_profile`);
    expect(profilesAfter).toBe(profilesBefore);
    const held = await db.dataSource.query(
      `SELECT source, error_code FROM dead_letter WHERE error_code = 'SUPPRESSED' ORDER BY created_at`,
    );
    expect(held).toEqual([
      { source: 'salesforce', error_code: 'SUPPRESSED' },
      { source: 'mailchimp', error_code: 'SUPPRESSED' },
    ]);

    // The suppression list does not catch other people.
    const [bobAgain] = await ingest('salesforce', [
      {
        externalId: '0035f00002BOBxAAA',
        updatedAt: '2026-11-06T08:00:00Z',
        attributes: { email: 'bogdan.nowicki@example.net', jobTitle: 'Buyer' },
      },
    ]);
    expect(bobAgain).toMatchObject({ status: 'UPDATED', profileId: bob.profileId });
    const [carol] = await ingest('marketo', [
      { externalId: '7002', attributes: { email: 'carol@example.com', firstName: ANN.firstName, lastName: 'Smith' } },
    ]);
    expect(carol.status).toBe('CREATED');
  });

  it('refuses to erase an unknown or an already erased profile, with a code', async () => {
    const unknown = await graphql(hub.url, ERASE, {
      id: '00000000-0000-4000-8000-000000000000',
      reason: 'OTHER',
    });
    expect(unknown.data!.eraseProfile).toMatchObject({ __typename: 'ActionRefused', code: 'NOT_FOUND' });
    const [{ id }] = await db.dataSource.query(`SELECT id FROM golden_profile WHERE status = 'erased' LIMIT 1`);
    const again = await graphql(hub.url, ERASE, { id, reason: 'OTHER' });
    expect(again.data!.eraseProfile).toMatchObject({ __typename: 'ActionRefused', code: 'ALREADY_ERASED' });
    const bad = await graphql(hub.url, ERASE, { id: 'not-an-id', reason: 'OTHER' });
    expect(bad.errors?.[0].extensions?.code).toBe('INVALID_ID');
  });
});
