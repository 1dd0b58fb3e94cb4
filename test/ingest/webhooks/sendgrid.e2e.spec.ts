import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { graphql, startTestHub, type TestHub } from '../../support/test-hub';
import { authHeader } from '../../support/test-auth';

const FIXTURES = join(__dirname, '../../../src/ingest/adapters/sendgrid/fixtures');
const EVENTS = readFileSync(join(FIXTURES, 'events.json'), 'utf8');

// The test plays SendGrid: its own P-256 key pair, the public half configured as the verification key.
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const VERIFICATION_KEY = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;

const PROFILE = `
  query Profile($id: ID!) {
    profile(id: $id) {
      email firstName company
      sourceRecords { source externalId objectType attributes deleted }
    }
  }`;

describe('POST /webhooks/sendgrid (real server, real PostgreSQL)', () => {
  let hub: TestHub;
  let base: string;
  const query = <T = Record<string, any>>(sql: string, params: unknown[] = []) =>
    hub.db.dataSource.query(sql, params) as Promise<T[]>;
  const count = async (table: string) => Number((await query(`SELECT count(*) AS n FROM ${table}`))[0].n);

  /** Posts a body signed the way SendGrid signs it: ECDSA over the timestamp header followed by the raw body. */
  async function post(body: string, options: { timestamp?: number; key?: typeof privateKey; unsigned?: boolean } = {}) {
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const signature = sign('sha256', Buffer.from(timestamp + body), options.key ?? privateKey).toString('base64');
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'SendGrid Event API' };
    if (!options.unsigned) {
      headers['X-Twilio-Email-Event-Webhook-Signature'] = signature;
      headers['X-Twilio-Email-Event-Webhook-Timestamp'] = timestamp;
    }
    const res = await fetch(`${base}/webhooks/sendgrid`, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as any };
  }

  const profileIdOf = async (email: string): Promise<string> => {
    const [row] = await query(`SELECT profile_id FROM source_record WHERE source = 'sendgrid' AND external_id = $1`, [
      email,
    ]);
    return row.profile_id;
  };
  const deadLetter = async (id: string) =>
    (
      await query(
        `SELECT source, transport, raw_payload, record_index, error_code, error_path FROM dead_letter WHERE id = $1`,
        [id],
      )
    )[0];

  beforeAll(async () => {
    hub = await startTestHub({ SENDGRID_VERIFICATION_KEY: VERIFICATION_KEY });
    base = hub.url.replace('/graphql', '');
  });
  afterAll(async () => {
    await hub.stop();
  });

  it('puts SendGrid events on the profile of the CRM contact with the same email', async () => {
    const crm = await fetch(`${base}/ingest/crm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader()) },
      body: JSON.stringify({
        externalId: 'C-1042',
        updatedAt: '2025-12-01T10:00:00Z',
        attributes: { email: 'ann.example@example.com', firstName: 'Ann', company: 'Example Industries' },
      }),
    });
    expect(crm.status).toBe(200);

    const res = await post(EVENTS);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 11, rejected: 0, itemErrors: [], skipped: [] });

    const annId = await profileIdOf('ann.example@example.com');
    const { data, errors } = await graphql(hub.url, PROFILE, { id: annId });
    expect(errors).toBeUndefined();
    expect(data!.profile).toMatchObject({ email: 'ann.example@example.com', firstName: 'Ann' });
    expect(data!.profile.sourceRecords).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: 'crm', externalId: 'C-1042' }),
        expect.objectContaining({
          source: 'sendgrid',
          externalId: 'ann.example@example.com',
          objectType: 'recipient',
          attributes: { email: 'ann.example@example.com' },
          deleted: false,
        }),
      ]),
    );
    const timeline = await query(
      `SELECT type, source, external_event_id, occurred_at FROM engagement_event WHERE profile_id = $1
        ORDER BY occurred_at`,
      [annId],
    );
    expect(timeline.map((e) => e.type)).toEqual([
      'email_sent',
      'email_deferred',
      'email_delivered',
      'email_opened',
      'email_clicked',
    ]);
    expect(timeline[0]).toEqual({
      type: 'email_sent',
      source: 'sendgrid',
      external_event_id: 'rbtnWrG1DVDGGGFHFyun0A==',
      occurred_at: new Date('2026-01-01T10:00:00Z'),
    });
    const [click] = await query(`SELECT properties FROM engagement_event WHERE external_event_id = $1`, [
      'kCAi1KttyQdEKHhdC-nuEA==',
    ]);
    expect(click.properties).toMatchObject({ url: 'https://www.example.com/offers/january', category: 'newsletter' });
  });

  it('records opt-outs as consent statements and bounces as events only', async () => {
    const statements = await query(
      `SELECT r.external_id, c.purpose, c.channel, c.contact_point, c.status, c.legal_basis, c.captured_at, c.evidence
         FROM consent_statement c JOIN source_record r ON r.id = c.source_record_id
        WHERE c.source = 'sendgrid' ORDER BY c.captured_at`,
    );
    expect(statements).toEqual([
      expect.objectContaining({
        external_id: 'carl.example@example.net',
        purpose: 'email_marketing',
        channel: 'email',
        contact_point: 'carl.example@example.net',
        status: 'withdrawn',
        captured_at: new Date('2026-01-01T12:00:00Z'),
        evidence: expect.objectContaining({ reason: 'spam_report' }),
      }),
      expect.objectContaining({ external_id: 'dana.example@example.net', status: 'withdrawn' }),
      expect.objectContaining({
        external_id: 'erin.example@example.net',
        status: 'withdrawn',
        evidence: expect.objectContaining({ asmGroupId: 10 }),
      }),
      expect.objectContaining({
        external_id: 'erin.example@example.net',
        status: 'granted',
        legal_basis: 'consent',
        evidence: expect.objectContaining({ asmGroupId: 10 }),
      }),
    ]);
    const bounced = await profileIdOf('bounce.example@example.org');
    expect(await query(`SELECT 1 FROM consent_statement WHERE profile_id = $1`, [bounced])).toEqual([]);
    const events = await query(`SELECT type FROM engagement_event WHERE profile_id = $1 ORDER BY occurred_at`, [
      bounced,
    ]);
    expect(events.map((e) => e.type)).toEqual(['email_bounced', 'email_dropped']);
  });

  it('treats a re-delivered batch as replays that change nothing', async () => {
    const before = {
      changes: await count('change_event'),
      consents: await count('consent_statement'),
      events: await count('engagement_event'),
      records: await count('source_record'),
    };
    const res = await post(EVENTS);
    expect(res.status).toBe(200);
    expect(new Set(res.body.results.map((r: { status: string }) => r.status))).toEqual(new Set(['DUPLICATE']));
    expect({
      changes: await count('change_event'),
      consents: await count('consent_statement'),
      events: await count('engagement_event'),
      records: await count('source_record'),
    }).toEqual(before);
  });

  it('refuses a wrong signature with 401 and keeps the raw body as a dead letter', async () => {
    const body = EVENTS.replace('Ann.Example', 'Eve.Example');
    const res = await post(body, { key: other });
    expect(res.status).toBe(401);
    const [error] = res.body.errors;
    expect(error.extensions.code).toBe('INVALID_SIGNATURE');
    expect(await deadLetter(error.extensions.deadLetterId)).toEqual({
      source: 'sendgrid',
      transport: 'webhook',
      raw_payload: body,
      record_index: null,
      error_code: 'INVALID_SIGNATURE',
      error_path: null,
    });
    expect(await query(`SELECT 1 FROM source_record WHERE external_id = 'eve.example@example.com'`)).toEqual([]);
  });

  it('refuses unsigned and stale requests with 401', async () => {
    const unsigned = await post(EVENTS, { unsigned: true });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.errors[0].extensions.code).toBe('MISSING_SIGNATURE');
    const stale = await post(EVENTS, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(401);
    expect(stale.body.errors[0].extensions.code).toBe('STALE_SIGNATURE');
    expect((await deadLetter(stale.body.errors[0].extensions.deadLetterId)).raw_payload).toBe(EVENTS);
  });

  it('answers a malformed body with 400 and a dead letter', async () => {
    const body = '{"email":"x@example.com","event":"open"';
    const res = await post(body);
    expect(res.status).toBe(400);
    const [error] = res.body.errors;
    expect(error.extensions.code).toBe('MALFORMED_PAYLOAD');
    expect(await deadLetter(error.extensions.deadLetterId)).toMatchObject({
      raw_payload: body,
      error_code: 'MALFORMED_PAYLOAD',
    });
  });

  it('dead-letters an event it cannot read and takes the rest of the batch', async () => {
    const body = JSON.stringify([
      { timestamp: 1767261600, event: 'open', sg_event_id: 'no-email-1' },
      { email: 'fred.example@example.com', timestamp: 1767261600, event: 'delivered', sg_event_id: 'fred-1' },
      { email: 'fred.example@example.com', timestamp: 1767261600, event: 'account_status_change', sg_event_id: 'x' },
    ]);
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      accepted: 1,
      rejected: 1,
      itemErrors: [{ index: 0, code: 'MISSING_EXTERNAL_ID', path: '$[0].email' }],
      skipped: [{ index: 2 }],
    });
    const [letter] = await query(
      `SELECT raw_payload, record_index, error_code, error_path FROM dead_letter WHERE error_code = 'MISSING_EXTERNAL_ID'`,
    );
    expect(letter).toEqual({
      raw_payload: body,
      record_index: 0,
      error_code: 'MISSING_EXTERNAL_ID',
      error_path: '$[0].email',
    });
    expect(await profileIdOf('fred.example@example.com')).toEqual(expect.any(String));
  });
});
