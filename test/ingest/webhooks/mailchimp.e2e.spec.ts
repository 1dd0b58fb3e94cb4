import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { graphql, startTestHub, type TestHub } from '../../support/test-hub';

const TOKEN = 'mailchimp-e2e-token-5b1d';
const FIXTURES = join(__dirname, '../../../src/ingest/adapters/mailchimp/fixtures');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

const LIST = 'a6b5da1054';
const ANN = `${LIST}:ann.example@example.com`;
const ANN_NEW = `${LIST}:ann.new@example.com`;

const PROFILE = `
  query Profile($id: ID!) {
    profile(id: $id) {
      email firstName lastName custom
      sourceRecords { source externalId deleted }
    }
  }`;

describe('POST /webhooks/mailchimp (real server, real PostgreSQL)', () => {
  let hub: TestHub;
  let base: string;
  const query = <T = Record<string, any>>(sql: string, params: unknown[] = []) =>
    hub.db.dataSource.query(sql, params) as Promise<T[]>;

  /** Posts a form body the way Mailchimp does, to the URL it was given (with the secret token). */
  async function post(body: string, token: string | null = TOKEN, contentType = 'application/x-www-form-urlencoded') {
    const url = `${base}/webhooks/mailchimp${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentType, 'user-agent': 'MailChimp' },
      body,
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  const recordOf = async (externalId: string) => {
    const [row] = await query(
      `SELECT profile_id, attributes, deleted, delete_reason FROM source_record
        WHERE source = 'mailchimp' AND external_id = $1`,
      [externalId],
    );
    return row;
  };
  const profileOf = async (externalId: string) => {
    const { profile_id: id } = await recordOf(externalId);
    const res = await graphql(hub.url, PROFILE, { id });
    expect(res.errors).toBeUndefined();
    return { ...res.data!.profile, uuid: id as string };
  };
  const count = async (table: string) => Number((await query(`SELECT count(*) AS n FROM ${table}`))[0].n);

  beforeAll(async () => {
    hub = await startTestHub({ MAILCHIMP_WEBHOOK_SECRET: TOKEN });
    base = hub.url.replace('/graphql', '');
  });
  afterAll(async () => {
    await hub.stop();
  });

  it('creates the member and a granted consent with its opt-in evidence from a subscribe', async () => {
    const res = await post(fixture('subscribe.txt'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 2, rejected: 0, itemErrors: [], skipped: [] });

    const profile = await profileOf(ANN);
    expect(profile).toMatchObject({
      email: 'ann.example@example.com',
      firstName: 'Ann',
      lastName: 'Example',
      custom: { 'mailchimp.INTERESTS': 'Group1,Group2' },
    });
    const statements = await query(
      `SELECT purpose, channel, contact_point, status, legal_basis, source, captured_at, evidence
         FROM consent_statement WHERE profile_id = $1`,
      [profile.uuid],
    );
    expect(statements).toEqual([
      {
        purpose: 'email_marketing',
        channel: 'email',
        contact_point: 'ann.example@example.com',
        status: 'granted',
        legal_basis: 'consent',
        source: 'mailchimp',
        captured_at: new Date('2025-11-01T12:35:57.000Z'),
        evidence: { listId: LIST, memberId: '8a25ff1d98', ipOpt: '10.20.10.30', ipSignup: '10.20.10.30' },
      },
    ]);
  });

  it('treats a re-sent webhook as a replay that changes nothing', async () => {
    const before = { changes: await count('change_event'), consents: await count('consent_statement') };
    const res = await post(fixture('subscribe.txt'));
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['DUPLICATE', 'DUPLICATE']);
    expect({ changes: await count('change_event'), consents: await count('consent_statement') }).toEqual(before);
  });

  it('patches the profile from a profile update without clearing the empty merge fields', async () => {
    expect((await post(fixture('profile.txt'))).status).toBe(200);
    expect(await profileOf(ANN)).toMatchObject({
      firstName: 'Anna',
      lastName: 'Example',
      custom: { 'mailchimp.INTERESTS': 'Group1' },
    });
  });

  it('withdraws consent on an abuse unsubscribe and puts the spam complaint on the timeline', async () => {
    expect((await post(fixture('unsubscribe-abuse.txt'))).status).toBe(200);
    const profile = await profileOf(ANN);
    const [latest] = await query(
      `SELECT status, evidence FROM consent_statement WHERE profile_id = $1 ORDER BY captured_at DESC LIMIT 1`,
      [profile.uuid],
    );
    expect(latest).toEqual({ status: 'withdrawn', evidence: expect.objectContaining({ reason: 'abuse' }) });
    const events = await query(
      `SELECT type, source, occurred_at, properties FROM engagement_event WHERE profile_id = $1`,
      [profile.uuid],
    );
    expect(events).toEqual([
      {
        type: 'email_spam_report',
        source: 'mailchimp',
        occurred_at: new Date('2025-11-03T09:41:12.000Z'),
        properties: { listId: LIST, campaignId: 'cb398d21d2', action: 'unsub', reason: 'abuse' },
      },
    ]);
  });

  it('moves the same person to the new address on upemail, keeping what Mailchimp knew of them', async () => {
    const before = await profileOf(ANN);
    const res = await post(fixture('upemail.txt'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 1, rejected: 0 });

    expect((await recordOf(ANN_NEW)).profile_id).toBe(before.uuid);
    const profile = await profileOf(ANN_NEW);
    expect(profile).toMatchObject({ email: 'ann.new@example.com', firstName: 'Anna', lastName: 'Example' });
    expect(profile.sourceRecords).toEqual(
      expect.arrayContaining([
        { source: 'mailchimp', externalId: ANN, deleted: false },
        { source: 'mailchimp', externalId: ANN_NEW, deleted: false },
      ]),
    );
    expect(await count('golden_profile')).toBe(1);
  });

  it('records a cleaned address as a bounce event, not as an opt-out', async () => {
    const consents = await count('consent_statement');
    expect((await post(fixture('cleaned.txt'))).status).toBe(200);
    const profile = await profileOf(`${LIST}:bo.sample@example.org`);
    expect(profile.email).toBe('bo.sample@example.org');
    const events = await query(`SELECT type, properties FROM engagement_event WHERE profile_id = $1`, [profile.uuid]);
    expect(events).toEqual([
      { type: 'email_bounced', properties: { listId: LIST, reason: 'hard', campaignId: '4fjk2ma9xd' } },
    ]);
    expect(await count('consent_statement')).toBe(consents);
  });

  it('answers campaign events with 200 and says why they were skipped', async () => {
    const res = await post(fixture('campaign.txt'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 0, rejected: 0, skipped: [{ index: 0, reason: expect.any(String) }] });
  });

  it('refuses a missing or wrong token with 401 and keeps the body as a dead letter', async () => {
    const body = fixture('subscribe.txt').replace('FNAME%5D=Ann', 'FNAME%5D=Mallory');
    for (const [token, code] of [
      [null, 'MISSING_SIGNATURE'],
      ['guess', 'INVALID_SIGNATURE'],
    ] as const) {
      const res = await post(body, token);
      expect(res.status).toBe(401);
      const error = res.body.errors[0];
      expect(error.extensions).toEqual({ code, deadLetterId: expect.any(String) });
      const [letter] = await query(
        `SELECT source, transport, content_type, raw_payload, error_code FROM dead_letter WHERE id = $1`,
        [error.extensions.deadLetterId],
      );
      expect(letter).toEqual({
        source: 'mailchimp',
        transport: 'webhook',
        content_type: 'application/x-www-form-urlencoded',
        raw_payload: body,
        error_code: code,
      });
    }
    expect((await profileOf(ANN_NEW)).firstName).toBe('Anna');
  });

  it('answers a body that is not a Mailchimp form with 400 and a dead letter', async () => {
    const res = await post('{"type":"subscribe"}', TOKEN, 'application/json');
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('MALFORMED_PAYLOAD');
    const [letter] = await query(`SELECT raw_payload, error_code FROM dead_letter WHERE id = $1`, [
      res.body.errors[0].extensions.deadLetterId,
    ]);
    expect(letter).toEqual({ raw_payload: '{"type":"subscribe"}', error_code: 'MALFORMED_PAYLOAD' });
  });
});
