import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { graphql, startTestHub, type TestHub } from '../../support/test-hub';

const KEY = 'dynamics-e2e-webhook-key-3f9a';
const FIXTURES = join(__dirname, '../../../src/ingest/adapters/dynamics/fixtures');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

const CONTACT = '6d81597f-0f9f-e711-8122-000d3aa2331c';
const LEAD = 'b1a2c3d4-0f9f-e711-8122-000d3aa2331c';
const SUBORDINATE = '8e92608a-0f9f-e711-8122-000d3aa2331c';

const PROFILE = `
  query Profile($id: ID!) {
    profile(id: $id) {
      email firstName lastName phone birthDate company jobTitle custom
      address { line1 line2 city postalCode region country }
      sourceRecords { source externalId objectType deleted }
    }
  }`;

describe('POST /webhooks/dynamics (real server, real PostgreSQL)', () => {
  let hub: TestHub;
  let base: string;
  const query = <T = Record<string, any>>(sql: string, params: unknown[] = []) =>
    hub.db.dataSource.query(sql, params) as Promise<T[]>;
  const count = async (table: string) => Number((await query(`SELECT count(*) AS n FROM ${table}`))[0].n);

  /**
   * Posts a RemoteExecutionContext the way Dataverse does; the key goes as WebhookKey (`?code=`) or, with
   * HttpHeader authentication, as the `x-hub-token` header.
   */
  async function post(body: string, auth: { code?: string; header?: string } = { code: KEY }) {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-ms-dynamics-organization': 'exampleorg.crm4.dynamics.com',
      'x-ms-dynamics-entity-name': 'contact',
    };
    if (auth.header) headers['x-hub-token'] = auth.header;
    const url = `${base}/webhooks/dynamics${auth.code ? `?code=${encodeURIComponent(auth.code)}` : ''}`;
    const res = await fetch(url, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as any };
  }

  const recordOf = async (id: string) =>
    (
      await query(
        `SELECT id, profile_id, object_type, attributes, deleted, delete_reason FROM source_record
          WHERE source = 'dynamics' AND external_id = $1`,
        [id],
      )
    )[0];
  const profileOf = async (id: string) => {
    const { profile_id: profileId } = await recordOf(id);
    const res = await graphql(hub.url, PROFILE, { id: profileId });
    expect(res.errors).toBeUndefined();
    return { ...res.data!.profile, uuid: profileId as string };
  };

  beforeAll(async () => {
    hub = await startTestHub({ DYNAMICS_WEBHOOK_KEY: KEY });
    base = hub.url.replace('/graphql', '');
  });
  afterAll(async () => {
    await hub.stop();
  });

  it('creates the golden profile from a contact Create', async () => {
    const res = await post(fixture('contact-create.json'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 1, rejected: 0, itemErrors: [], skipped: [] });
    expect(await profileOf(CONTACT)).toMatchObject({
      email: 'ann.example@example.com',
      firstName: 'Ann',
      lastName: 'Example',
      phone: '+442079460958',
      birthDate: '1985-04-12',
      company: 'Example Industries Ltd',
      jobTitle: 'Head of Procurement',
      address: {
        line1: '1 Example Street',
        line2: 'Floor 2',
        city: 'London',
        postalCode: 'EC1A 1BB',
        region: 'Greater London',
        country: 'GB',
      },
      custom: expect.objectContaining({ 'dynamics.creditlimit': 25000, 'dynamics.preferredcontactmethodcode': 2 }),
    });
    const { id } = await recordOf(CONTACT);
    expect(
      await query(`SELECT to_source, to_external_id FROM source_record_link WHERE from_source_record_id = $1`, [id]),
    ).toEqual([{ to_source: 'dynamics', to_external_id: LEAD }]);
  });

  it('joins the qualified lead to the same person and puts lead_converted on the timeline', async () => {
    const res = await post(fixture('lead-qualify.json'), { header: KEY });
    expect(res.status).toBe(200);
    const lead = await recordOf(LEAD);
    const contact = await recordOf(CONTACT);
    expect(lead).toMatchObject({ object_type: 'lead', profile_id: contact.profile_id });
    expect(
      await query(`SELECT type, occurred_at, properties FROM engagement_event WHERE profile_id = $1`, [
        lead.profile_id,
      ]),
    ).toEqual([
      { type: 'lead_converted', occurred_at: new Date('2026-04-03T08:00:00Z'), properties: { statuscode: 3 } },
    ]);
  });

  it('patches an Update without clearing untouched columns, and withdraws consent on donotbulkemail', async () => {
    const res = await post(fixture('contact-update.json'));
    expect(res.status).toBe(200);
    const profile = await profileOf(CONTACT);
    expect(profile).toMatchObject({
      jobTitle: 'Chief Procurement Officer',
      firstName: 'Ann',
      phone: '+442079460958',
      address: { line1: '1 Example Street', line2: null, city: 'London' },
    });
    expect(
      await query(
        `SELECT purpose, channel, contact_point, status, source, captured_at, evidence FROM consent_statement
          WHERE profile_id = $1`,
        [profile.uuid],
      ),
    ).toEqual([
      {
        purpose: 'email_marketing',
        channel: 'email',
        contact_point: 'ann.example@example.com',
        status: 'withdrawn',
        source: 'dynamics',
        captured_at: new Date('2026-04-02T14:05:00Z'),
        evidence: { donotbulkemail: true },
      },
    ]);
  });

  it('treats a re-delivered Update as a replay that changes nothing', async () => {
    const before = { changes: await count('change_event'), consents: await count('consent_statement') };
    const res = await post(fixture('contact-update.json'));
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([expect.objectContaining({ status: 'DUPLICATE' })]);
    expect({ changes: await count('change_event'), consents: await count('consent_statement') }).toEqual(before);
  });

  it('records a Merge as the subordinate deleted with reason merged, and a Delete as a tombstone', async () => {
    expect((await post(fixture('contact-merge.json'))).status).toBe(200);
    expect(await recordOf(SUBORDINATE)).toMatchObject({ deleted: true, delete_reason: 'merged' });
    expect((await post(fixture('contact-delete.json'))).status).toBe(200);
    expect(await recordOf(CONTACT)).toMatchObject({ deleted: true, delete_reason: 'deleted' });
  });

  it('answers a message it does not use with 200 and the reason it was skipped', async () => {
    const assign = fixture('contact-update.json').replace('"MessageName": "Update"', '"MessageName": "Assign"');
    const res = await post(assign);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 0, rejected: 0, skipped: [{ index: 0, reason: expect.any(String) }] });
  });

  it('refuses a missing or wrong key with 401 and keeps the raw body as a dead letter', async () => {
    const missing = await post(fixture('contact-create.json'), {});
    expect(missing.status).toBe(401);
    expect(missing.body.errors[0].extensions.code).toBe('MISSING_SIGNATURE');
    const wrong = await post(fixture('contact-create.json'), { code: 'not-the-key' });
    expect(wrong.status).toBe(401);
    const { code, deadLetterId } = wrong.body.errors[0].extensions;
    expect(code).toBe('INVALID_SIGNATURE');
    const [letter] = await query(`SELECT source, raw_payload, error_code FROM dead_letter WHERE id = $1`, [
      deadLetterId,
    ]);
    expect(letter).toEqual({
      source: 'dynamics',
      raw_payload: fixture('contact-create.json'),
      error_code: 'INVALID_SIGNATURE',
    });
  });

  it('answers a malformed body with 400 and a dead letter', async () => {
    const res = await post('{"MessageName":"Update","PrimaryEntityName":');
    expect(res.status).toBe(400);
    const { code, deadLetterId } = res.body.errors[0].extensions;
    expect(code).toBe('MALFORMED_PAYLOAD');
    const [letter] = await query(`SELECT raw_payload FROM dead_letter WHERE id = $1`, [deadLetterId]);
    expect(letter.raw_payload).toBe('{"MessageName":"Update","PrimaryEntityName":');
  });
});
