import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { graphql, startTestHub, type TestHub } from '../../support/test-hub';

const SECRET = 'hubspot-e2e-client-secret';
const FIXTURES = join(__dirname, '../../../src/ingest/adapters/hubspot/fixtures');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

const PROFILE = `
  query Profile($id: ID!) {
    profile(id: $id) {
      id email phone firstName lastName birthDate jobTitle company custom
      address { line1 city postalCode region country }
      lineage { name value source }
      sourceRecords { source externalId attributes deleted }
    }
  }`;

interface Signing {
  timestamp?: number;
  secret?: string;
  headers?: Record<string, string>;
}

describe('POST /webhooks/hubspot (real server, real PostgreSQL)', () => {
  let hub: TestHub;
  let base: string;
  const query = <T = Record<string, any>>(sql: string, params: unknown[] = []) =>
    hub.db.dataSource.query(sql, params) as Promise<T[]>;

  /** Posts a body signed the way HubSpot signs it: v3 over method + the URL it called + body + timestamp. */
  async function post(body: string, { timestamp = Date.now(), secret = SECRET, headers }: Signing = {}) {
    const url = `${base}/webhooks/hubspot`;
    const signature = createHmac('sha256', secret).update(`POST${url}${body}${timestamp}`).digest('base64');
    const res = await fetch(url, {
      method: 'POST',
      headers: headers ?? {
        'content-type': 'application/json',
        'x-hubspot-signature-v3': signature,
        'x-hubspot-request-timestamp': String(timestamp),
      },
      body,
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  const profileOf = async (externalId: string) => {
    const [row] = await query<{ profile_id: string }>(
      `SELECT profile_id FROM source_record WHERE source = 'hubspot' AND external_id = $1`,
      [externalId],
    );
    const res = await graphql(hub.url, PROFILE, { id: row.profile_id });
    expect(res.errors).toBeUndefined();
    return { ...res.data!.profile, uuid: row.profile_id };
  };
  const changeEvents = async () => Number((await query(`SELECT count(*) AS n FROM change_event`))[0].n);

  beforeAll(async () => {
    hub = await startTestHub({ HUBSPOT_CLIENT_SECRET: SECRET, HUB_PHONE_REGION: 'PL' });
    base = hub.url.replace('/graphql', '');
  });
  afterAll(async () => {
    await hub.stop();
  });

  it('builds the golden profile from a signed batch of contact events', async () => {
    const res = await post(fixture('contact-events.json'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 7, rejected: 0, itemErrors: [], skipped: [] });

    const profile = await profileOf('1246978');
    expect(profile).toMatchObject({
      email: 'ann.example@example.com',
      firstName: 'Ann',
      lastName: 'Example',
      birthDate: '1980-02-01',
      address: { country: 'PL' },
      custom: { 'hubspot.lifecyclestage': 'subscriber' },
    });
    expect(profile.lineage).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'firstName', value: 'Ann', source: 'hubspot' })]),
    );
  });

  it('treats a retried delivery (higher attemptNumber) as a replay that changes nothing', async () => {
    const before = await changeEvents();
    const retried = JSON.stringify(
      (JSON.parse(fixture('contact-events.json')) as Record<string, unknown>[]).map((e) => ({
        ...e,
        attemptNumber: 1,
      })),
    );
    const res = await post(retried);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(Array(7).fill('DUPLICATE'));
    expect(await changeEvents()).toBe(before);
  });

  it('clears a property the user emptied and leaves the others as they were', async () => {
    const setTitle = JSON.stringify([
      {
        objectId: 1246978,
        propertyName: 'jobtitle',
        propertyValue: 'Buyer',
        changeSource: 'CRM_UI',
        eventId: 3816280009,
        subscriptionId: 31,
        portalId: 62515,
        appId: 54321,
        occurredAt: 1762003500000,
        subscriptionType: 'contact.propertyChange',
        attemptNumber: 0,
      },
    ]);
    expect((await post(setTitle)).status).toBe(200);
    expect((await profileOf('1246978')).jobTitle).toBe('Buyer');

    expect((await post(fixture('contact-property-clear.json'))).status).toBe(200);
    const profile = await profileOf('1246978');
    expect(profile).toMatchObject({ jobTitle: null, firstName: 'Ann', address: { city: 'Kraków', country: 'PL' } });
    const [record] = await query(
      `SELECT attributes FROM source_record WHERE source = 'hubspot' AND external_id = '1246978'`,
    );
    expect(record.attributes).toMatchObject({ jobTitle: null, 'address.city': 'Kraków', firstName: 'Ann' });
  });

  it('stores an email opt-out as a withdrawn consent statement', async () => {
    expect((await post(fixture('contact-optout.json'))).status).toBe(200);
    const profile = await profileOf('1246978');
    const statements = await query(
      `SELECT purpose, channel, status, source, captured_at, evidence FROM consent_statement
        WHERE profile_id = $1 ORDER BY id`,
      [profile.uuid],
    );
    // Both opt-outs (all email, and one subscription type) say the same thing at the same instant for the
    // hub's purpose × channel × contact point: one statement.
    expect(statements).toEqual([
      {
        purpose: 'email_marketing',
        channel: 'email',
        status: 'withdrawn',
        source: 'hubspot',
        captured_at: new Date('2025-11-01T16:26:40.000Z'),
        evidence: { property: 'hs_email_optout', changeSource: 'EMAIL', portalId: '62515' },
      },
    ]);
    expect(profile.custom).toMatchObject({
      'hubspot.hs_email_optout': 'true',
      'hubspot.hs_email_optout_6125111': 'true',
    });
  });

  it('links a merge survivor to the merged contact and tombstones the merged one', async () => {
    const mergedAway = JSON.stringify([
      {
        objectId: 1247011,
        propertyName: 'email',
        propertyValue: 'ann.old@example.com',
        changeSource: 'IMPORT',
        eventId: 3816290001,
        subscriptionId: 24,
        portalId: 62515,
        appId: 54321,
        occurredAt: 1762005000000,
        subscriptionType: 'contact.propertyChange',
        attemptNumber: 0,
      },
    ]);
    expect((await post(mergedAway)).status).toBe(200);
    const res = await post(fixture('contact-merge.json'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 2, rejected: 0 });

    const records = await query(
      `SELECT external_id, deleted, delete_reason FROM source_record
        WHERE source = 'hubspot' AND external_id IN ('1246978', '1247011') ORDER BY external_id`,
    );
    expect(records).toEqual([
      { external_id: '1246978', deleted: false, delete_reason: null },
      { external_id: '1247011', deleted: true, delete_reason: 'merged' },
    ]);
    const links = await query(
      `SELECT s.external_id AS from_id, l.to_external_id AS to_id, l.to_source_record_id IS NOT NULL AS resolved
         FROM source_record_link l JOIN source_record s ON s.id = l.from_source_record_id
        WHERE s.source = 'hubspot' ORDER BY 1`,
    );
    expect(links).toEqual([
      { from_id: '1246978', to_id: '1247011', resolved: true },
      { from_id: '1247011', to_id: '1246978', resolved: true },
    ]);
    expect((await profileOf('1246978')).email).toBe('ann.example@example.com');
  });

  it('tombstones deleted and GDPR-deleted contacts and reports skipped events', async () => {
    const res = await post(fixture('contact-deletions.json'));
    expect(res.status).toBe(200);
    expect(res.body.skipped).toEqual([
      { index: 2, reason: expect.stringContaining('association') },
      { index: 3, reason: expect.stringContaining('company.propertyChange') },
    ]);
    const records = await query(
      `SELECT external_id, deleted, delete_reason FROM source_record
        WHERE source = 'hubspot' AND external_id IN ('1247020', '1247021') ORDER BY external_id`,
    );
    expect(records).toEqual([
      { external_id: '1247020', deleted: true, delete_reason: 'deleted' },
      { external_id: '1247021', deleted: true, delete_reason: 'privacy_deletion' },
    ]);
  });

  it('takes CRM contact objects a relay posts, with the same mapping', async () => {
    const res = await post(fixture('crm-contacts-page.json'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 2, rejected: 0 });
    const profile = await profileOf('1247101');
    expect(profile).toMatchObject({
      email: 'bo.sample@example.org',
      firstName: 'Bo',
      address: null,
      custom: { 'hubspot.country': 'Atlantis', 'hubspot.hs_email_optout': 'true' },
    });
    const [consent] = await query(`SELECT status, contact_point FROM consent_statement WHERE profile_id = $1`, [
      profile.uuid,
    ]);
    expect(consent).toEqual({ status: 'withdrawn', contact_point: 'bo.sample@example.org' });
    const [archived] = await query(
      `SELECT deleted, delete_reason FROM source_record WHERE source = 'hubspot' AND external_id = '1247102'`,
    );
    expect(archived).toEqual({ deleted: true, delete_reason: 'deleted' });

    const contact = await post(fixture('crm-contact.json'));
    expect(contact.status).toBe(200);
    expect((await profileOf('1246978')).phone).toBe('+48123456789');
  });

  it('refuses unsigned, wrongly signed and stale requests with 401 and keeps them as dead letters', async () => {
    const body = fixture('contact-events.json').replace('"Ann"', '"Mallory"');
    const cases = [
      { signing: { secret: 'not-the-secret' }, code: 'INVALID_SIGNATURE' },
      { signing: { timestamp: Date.now() - 6 * 60 * 1000 }, code: 'STALE_SIGNATURE' },
      { signing: { headers: { 'content-type': 'application/json' } }, code: 'MISSING_SIGNATURE' },
    ];
    for (const { signing, code } of cases) {
      const res = await post(body, signing);
      expect(res.status).toBe(401);
      const error = res.body.errors[0];
      expect(error.extensions).toEqual({ code, deadLetterId: expect.any(String) });
      const [letter] = await query(`SELECT source, transport, raw_payload, error_code FROM dead_letter WHERE id = $1`, [
        error.extensions.deadLetterId,
      ]);
      expect(letter).toEqual({ source: 'hubspot', transport: 'webhook', raw_payload: body, error_code: code });
    }
    expect((await profileOf('1246978')).firstName).toBe('Ann');
  });

  it('answers a body that is not JSON with 400 and a dead letter', async () => {
    const res = await post('[{"eventId": 1,');
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('MALFORMED_PAYLOAD');
    const [letter] = await query(`SELECT raw_payload, error_code FROM dead_letter WHERE id = $1`, [
      res.body.errors[0].extensions.deadLetterId,
    ]);
    expect(letter).toEqual({ raw_payload: '[{"eventId": 1,', error_code: 'MALFORMED_PAYLOAD' });
  });
});

describe('POST /webhooks/hubspot without HUBSPOT_CLIENT_SECRET', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => {
    await hub.stop();
  });

  it('accepts nothing: 503 NOT_CONFIGURED', async () => {
    const res = await fetch(hub.url.replace('/graphql', '/webhooks/hubspot'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: fixture('contact-events.json'),
    });
    expect(res.status).toBe(503);
    const body: any = await res.json();
    expect(body.errors[0].extensions.code).toBe('NOT_CONFIGURED');
    const [{ n }] = await hub.db.dataSource.query(`SELECT count(*)::int AS n FROM source_record`);
    expect(n).toBe(0);
  });
});
