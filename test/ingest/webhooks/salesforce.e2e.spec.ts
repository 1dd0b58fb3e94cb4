import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { graphql, startTestHub, type TestHub } from '../../support/test-hub';

const TOKEN = 'sf-e2e-url-token-7c1d4e9f';
const ORG_ID = '00D5f000000KvQpEAK';
const FIXTURES = join(__dirname, '../../../src/ingest/adapters/salesforce/fixtures');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const json = (name: string) => JSON.parse(fixture(name)) as Record<string, any>;

const ANNA = '0035f00002EztxDAAR';

const PROFILE = `
  query Profile($id: ID!) {
    profile(id: $id) {
      id email phone firstName lastName birthDate jobTitle company custom
      address { line1 line2 city postalCode region country }
      lineage { name value source }
      sourceRecords { source externalId attributes deleted }
    }
  }`;

describe('POST /webhooks/salesforce (real server, real PostgreSQL)', () => {
  let hub: TestHub;
  let base: string;
  const query = <T = Record<string, any>>(sql: string, params: unknown[] = []) =>
    hub.db.dataSource.query(sql, params) as Promise<T[]>;

  async function post(
    body: string | object,
    { contentType = 'application/json', token = TOKEN }: { contentType?: string; token?: string | null } = {},
  ) {
    const url = `${base}/webhooks/salesforce${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const isJson = (res.headers.get('content-type') ?? '').includes('json');
    return {
      status: res.status,
      contentType: res.headers.get('content-type') ?? '',
      text,
      body: isJson ? JSON.parse(text) : text,
    };
  }
  const postSoap = (body: string, token: string | null = TOKEN) =>
    post(body, { contentType: 'text/xml; charset=utf-8', token });

  const sourceRecord = async (externalId: string) =>
    (
      await query(
        `SELECT id, profile_id, attributes, deleted, delete_reason, source_sequence::text AS source_sequence,
                source_updated_at
           FROM source_record WHERE source = 'salesforce' AND external_id = $1`,
        [externalId],
      )
    )[0];
  const profileOf = async (externalId: string) => {
    const row = await sourceRecord(externalId);
    const res = await graphql(hub.url, PROFILE, { id: row.profile_id });
    expect(res.errors).toBeUndefined();
    return { ...res.data!.profile, uuid: row.profile_id as string };
  };
  const changeEvents = async () => Number((await query(`SELECT count(*) AS n FROM change_event`))[0].n);
  const deadLetters = async () =>
    query(
      `SELECT error_code, raw_payload, content_type FROM dead_letter WHERE source = 'salesforce' ORDER BY created_at`,
    );

  beforeAll(async () => {
    hub = await startTestHub({
      SALESFORCE_WEBHOOK_TOKEN: TOKEN,
      SALESFORCE_ORGANIZATION_ID: ORG_ID,
      HUB_PHONE_REGION: 'PL',
    });
    base = hub.url.replace('/graphql', '');
  });
  afterAll(async () => {
    await hub.stop();
  });

  it('builds a profile from a CDC CREATE, then patches it with an UPDATE that nulls a field', async () => {
    const created = await post(fixture('cdc-contact-create.json'));
    expect(created).toMatchObject({ status: 200, body: { accepted: 1, rejected: 0 } });
    expect(await profileOf(ANNA)).toMatchObject({
      email: 'anna.kowalska@example.com',
      firstName: 'Anna',
      lastName: 'Kowalska',
      phone: '+48600700800',
      jobTitle: 'Head of Procurement',
      birthDate: '1980-02-01',
      address: { line1: 'ul. Floriańska 1', line2: 'lok. 4', city: 'Kraków', postalCode: '31-019', country: 'PL' },
    });

    const updated = await post(fixture('cdc-contact-update.json'));
    expect(updated).toMatchObject({ status: 200, body: { accepted: 1, rejected: 0 } });
    const profile = await profileOf(ANNA);
    expect(profile).toMatchObject({
      // Changed or nulled in the update:
      lastName: 'Nowak',
      jobTitle: 'Procurement Director',
      phone: null,
      address: { city: 'Warszawa', line1: 'ul. Floriańska 1', country: 'PL' },
      // Sent as null by the Pub/Sub API only because they did not change: untouched.
      email: 'anna.kowalska@example.com',
      firstName: 'Anna',
      birthDate: '1980-02-01',
    });
    const record = await sourceRecord(ANNA);
    expect(record.attributes).toMatchObject({ phone: null, lastName: 'Nowak', email: 'anna.kowalska@example.com' });
    expect(record.source_sequence).toBe('1100670912004');
  });

  it('treats a re-delivered change event as a replay that changes nothing', async () => {
    const before = await changeEvents();
    const again = await post(fixture('cdc-contact-update.json'));
    expect(again.status).toBe(200);
    expect(await changeEvents()).toBe(before);
  });

  it('stores a commitNumber beyond 2^53 exactly in source_record.source_sequence', async () => {
    const res = await post(fixture('cdc-contact-update-cometd.json'));
    expect(res).toMatchObject({ status: 200, body: { accepted: 1, rejected: 0 } });
    const record = await sourceRecord(ANNA);
    expect(record.source_sequence).toBe('18446744073709551615');
    expect((await profileOf(ANNA)).email).toBe('anna.nowak@example.com');
  });

  it('makes one source record per id of a multi-record event, each with its withdrawn consent', async () => {
    const listed = await post(fixture('rest-query-result.json'));
    expect(listed).toMatchObject({ status: 200, body: { accepted: 2, rejected: 0 } });
    const marta = await profileOf('0035f00002EztzQAAR');
    expect(marta).toMatchObject({ company: 'Wisła Foods S.A.', address: { country: 'PL' } });
    const tomasz = await profileOf('0035f00002Ezu0BAAR');
    // An unknown country name leaves the country empty and is kept aside, the record is not rejected.
    expect(tomasz.address.country).toBeNull();
    expect(tomasz.custom).toMatchObject({ 'salesforce.MailingCountry': 'Kingdom of Ruritania' });
    expect(tomasz.phone).toBe('+48600700802');

    const res = await post(fixture('cdc-contact-multi-record-update.json'));
    expect(res).toMatchObject({ status: 200, body: { accepted: 2, rejected: 0 } });
    for (const id of ['0035f00002EztyBAAR', '0035f00002EztzQAAR']) {
      const record = await sourceRecord(id);
      expect(record.attributes).toMatchObject({ 'custom.salesforce.HasOptedOutOfEmail': true });
      const statements = await query(
        `SELECT purpose, channel, status, source FROM consent_statement WHERE source_record_id = $1`,
        [record.id],
      );
      expect(statements).toEqual([
        { purpose: 'email_marketing', channel: 'email', status: 'withdrawn', source: 'salesforce' },
      ]);
    }
    // The update touched only the opt-out: Marta's other fields are as the query left them.
    expect(await profileOf('0035f00002EztzQAAR')).toMatchObject({
      company: 'Wisła Foods S.A.',
      lastName: 'Wiśniewska',
    });
  });

  it('links a converted lead to its new contact (source_record_link) with a lead_converted event', async () => {
    expect((await post(fixture('cdc-lead-create.json'))).status).toBe(200);
    const lead = await sourceRecord('00Q5f00000Ab1CdEAJ');
    expect(lead.attributes).toMatchObject({ company: 'Becker Logistik GmbH', 'address.country': 'DE' });

    const res = await post(fixture('cdc-lead-conversion.json'));
    // Account CREATE skipped; contact CREATE and lead UPDATE taken.
    expect(res).toMatchObject({ status: 200, body: { accepted: 2, rejected: 0 } });
    const contact = await sourceRecord('0035f00002Ezu1AAAR');
    const links = await query(
      `SELECT to_source, to_external_id, to_source_record_id FROM source_record_link WHERE from_source_record_id = $1`,
      [lead.id],
    );
    expect(links).toEqual([
      { to_source: 'salesforce', to_external_id: '0035f00002Ezu1AAAR', to_source_record_id: contact.id },
    ]);
    expect((await sourceRecord('00Q5f00000Ab1CdEAJ')).profile_id).toBe(contact.profile_id);
    const events = await query(
      `SELECT external_event_id, type, occurred_at, properties FROM engagement_event WHERE source = 'salesforce'`,
    );
    expect(events).toEqual([
      {
        external_event_id: 'lead_converted:00Q5f00000Ab1CdEAJ',
        type: 'lead_converted',
        occurred_at: new Date('2026-11-05T15:00:00Z'),
        properties: expect.objectContaining({ convertedContactId: '0035f00002Ezu1AAAR' }),
      },
    ]);
  });

  it('keeps a DELETE against a late UPDATE with an older commit, and an UNDELETE revives the record', async () => {
    expect((await post(fixture('cdc-contact-delete.json'))).status).toBe(200);
    expect(await sourceRecord(ANNA)).toMatchObject({ deleted: true, delete_reason: 'deleted' });

    const late = json('cdc-contact-update.json');
    late.ChangeEventHeader.transactionKey = '000aa1b2-c3d4-4e5f-9a0b-1c2d3e4f5a6b';
    late.ChangeEventHeader.commitTimestamp = Date.parse('2026-11-04T11:00:00Z');
    late.ChangeEventHeader.changedFields = ['LastModifiedDate', 'Title'];
    late.ChangeEventHeader.nulledFields = [];
    late.LastModifiedDate = Date.parse('2026-11-04T11:00:00Z');
    late.Title = 'Chief Procurement Officer';
    expect((await post(late)).status).toBe(200);
    const stillDeleted = await sourceRecord(ANNA);
    expect(stillDeleted.deleted).toBe(true);

    expect((await post(fixture('cdc-contact-undelete.json'))).status).toBe(200);
    const revived = await sourceRecord(ANNA);
    expect(revived).toMatchObject({ deleted: false });
    const profile = await profileOf(ANNA);
    expect(profile.sourceRecords).toEqual(
      expect.arrayContaining([expect.objectContaining({ externalId: ANNA, deleted: false })]),
    );
    expect(profile).toMatchObject({ email: 'anna.nowak@example.com', lastName: 'Nowak' });
  });

  it('takes an Outbound Message of 2 notifications and answers with the SOAP Ack', async () => {
    const body = fixture('outbound-message-contacts.xml');
    const res = await postSoap(body);
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/xml/);
    expect(res.text).toContain('<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">');
    expect(res.text).toMatch(/<Ack>true<\/Ack>/);
    expect(await profileOf('0035f00002Ezu3DAAR')).toMatchObject({
      email: 'ewa.kaminska@example.com',
      lastName: 'Kamińska',
      address: { city: 'Poznań', country: 'PL' },
    });
    const jan = await sourceRecord('0035f00002Ezu4EAAR');
    expect(jan.attributes).toMatchObject({ email: 'jan.wojcik@example.com', jobTitle: null });
    const consent = await query(`SELECT status FROM consent_statement WHERE source_record_id = $1`, [jan.id]);
    expect(consent).toEqual([{ status: 'withdrawn' }]);

    const before = await changeEvents();
    const again = await postSoap(body);
    expect(again.status).toBe(200);
    expect(again.text).toMatch(/<Ack>true<\/Ack>/);
    expect(await changeEvents()).toBe(before);
  });

  it('answers an Outbound Message from another organisation with a SOAP fault and dead-letters it', async () => {
    const body = fixture('outbound-message-contacts.xml').replace(ORG_ID, '00D5f000000XyZaEAC');
    const before = await deadLetters();
    const res = await postSoap(body);
    expect(res.status).toBe(401);
    expect(res.contentType).toMatch(/^text\/xml/);
    expect(res.text).toContain('<soapenv:Fault>');
    expect(res.text).toContain('<faultcode>soapenv:Client</faultcode>');
    expect(res.text).toContain('INVALID_SIGNATURE');
    const letters = await deadLetters();
    expect(letters).toHaveLength(before.length + 1);
    expect(letters[letters.length - 1]).toMatchObject({
      error_code: 'INVALID_SIGNATURE',
      raw_payload: body,
      content_type: 'text/xml; charset=utf-8',
    });
    expect(await sourceRecord('0035f00002Ezu3DAAR')).toBeDefined();
  });

  it('stores a REST sObject with HasOptedOutOfEmail true as a withdrawn consent statement', async () => {
    const res = await post(fixture('rest-contact.json'));
    expect(res).toMatchObject({ status: 200, body: { accepted: 1, rejected: 0 } });
    const profile = await profileOf('0035f00002EztyBAAR');
    expect(profile).toMatchObject({
      email: 'piotr.zielinski@example.com',
      phone: '+48600700801',
      address: { city: 'Łódź', country: 'PL' },
    });
    const statements = await query(
      `SELECT purpose, channel, status, source, captured_at, evidence FROM consent_statement
        WHERE profile_id = $1 AND captured_at = '2026-11-01T10:00:00Z'`,
      [profile.uuid],
    );
    expect(statements).toEqual([
      {
        purpose: 'email_marketing',
        channel: 'email',
        status: 'withdrawn',
        source: 'salesforce',
        captured_at: new Date('2026-11-01T10:00:00Z'),
        evidence: { object: 'Contact', field: 'HasOptedOutOfEmail', value: true, via: 'rest' },
      },
    ]);
  });

  it('refuses a relay without the right token (401) and a malformed body (400), keeping both raw', async () => {
    const before = (await deadLetters()).length;
    const body = fixture('cdc-contact-create.json');
    const wrong = await post(body, { token: 'guessed' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors[0].extensions.code).toBe('INVALID_SIGNATURE');
    const missing = await post(body, { token: null });
    expect(missing.status).toBe(401);
    expect(missing.body.errors[0].extensions.code).toBe('MISSING_SIGNATURE');
    const malformed = await post('{"ChangeEventHeader": {', { token: TOKEN });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].extensions.code).toBe('MALFORMED_PAYLOAD');
    const letters = (await deadLetters()).slice(before);
    expect(letters.map((l) => l.error_code)).toEqual(['INVALID_SIGNATURE', 'MISSING_SIGNATURE', 'MALFORMED_PAYLOAD']);
    expect(letters[0].raw_payload).toBe(body);
    expect(letters[2].raw_payload).toBe('{"ChangeEventHeader": {');
  });
});
