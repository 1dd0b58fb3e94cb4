import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { graphql, startTestHub, type TestHub } from '../../support/test-hub';

const TOKEN = 'marketo-e2e-relay-token-7c2e';
const FIXTURES = join(__dirname, '../../../src/ingest/adapters/marketo/fixtures');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

const PROFILE = `
  query Profile($id: ID!) {
    profile(id: $id) {
      email firstName lastName phone birthDate company jobTitle custom
      address { line1 city postalCode region country }
      lineage { name value source updatedAt }
      sourceRecords { source externalId objectType deleted }
    }
  }`;

describe('POST /webhooks/marketo (real server, real PostgreSQL)', () => {
  let hub: TestHub;
  let base: string;
  const query = <T = Record<string, any>>(sql: string, params: unknown[] = []) =>
    hub.db.dataSource.query(sql, params) as Promise<T[]>;
  const count = async (table: string) => Number((await query(`SELECT count(*) AS n FROM ${table}`))[0].n);

  /** Posts a Marketo REST response the way the relay does, with the shared token in x-hub-token. */
  async function post(body: string, token: string | null = TOKEN) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== null) headers['x-hub-token'] = token;
    const res = await fetch(`${base}/webhooks/marketo`, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as any };
  }

  const recordOf = async (leadId: string) =>
    (
      await query(
        `SELECT id, profile_id, attributes, deleted, delete_reason FROM source_record
          WHERE source = 'marketo' AND external_id = $1`,
        [leadId],
      )
    )[0];
  const profileOf = async (leadId: string) => {
    const { profile_id: id } = await recordOf(leadId);
    const res = await graphql(hub.url, PROFILE, { id });
    expect(res.errors).toBeUndefined();
    return { ...res.data!.profile, uuid: id as string };
  };
  const deadLetter = async (id: string) =>
    (await query(`SELECT source, raw_payload, error_code FROM dead_letter WHERE id = $1`, [id]))[0];

  beforeAll(async () => {
    hub = await startTestHub({ MARKETO_WEBHOOK_TOKEN: TOKEN });
    base = hub.url.replace('/graphql', '');
  });
  afterAll(async () => {
    await hub.stop();
  });

  it('builds golden profiles from a Get Leads response', async () => {
    const res = await post(fixture('leads.json'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 2, rejected: 0, itemErrors: [], skipped: [] });

    expect(await profileOf('318581')).toMatchObject({
      email: 'ann.example@example.com',
      firstName: 'Ann',
      lastName: 'Example',
      phone: '+48123456789',
      birthDate: '1985-04-12',
      company: 'Example Industries',
      jobTitle: 'Head of Procurement',
      address: {
        line1: 'ul. Przykładowa 1',
        city: 'Kraków',
        postalCode: '30-001',
        region: 'Małopolskie',
        country: 'PL',
      },
      custom: expect.objectContaining({ 'marketo.leadScore': 42 }),
      sourceRecords: [{ source: 'marketo', externalId: '318581', objectType: 'lead', deleted: false }],
    });
    const bob = await profileOf('318592');
    expect(bob).toMatchObject({ email: 'bob.example@example.org', address: { country: 'US' } });
    expect(
      await query(
        `SELECT purpose, channel, contact_point, status, captured_at FROM consent_statement WHERE profile_id = $1`,
        [bob.uuid],
      ),
    ).toEqual([
      {
        purpose: 'email_marketing',
        channel: 'email',
        contact_point: 'bob.example@example.org',
        status: 'withdrawn',
        captured_at: new Date('2026-03-02T10:20:51Z'),
      },
    ]);
  });

  it('puts activities on the timeline and applies a Change Data Value of a mapped field', async () => {
    const res = await post(fixture('activities.json'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 9, rejected: 0, skipped: [{ index: 9 }] });

    const ann = await profileOf('318581');
    expect(ann.jobTitle).toBe('Chief Procurement Officer');
    expect(ann.lineage).toEqual(
      expect.arrayContaining([
        {
          name: 'jobTitle',
          value: 'Chief Procurement Officer',
          source: 'marketo',
          updatedAt: '2026-03-04T11:45:00.000Z',
        },
      ]),
    );
    const timeline = await query(
      `SELECT type, external_event_id, occurred_at FROM engagement_event WHERE profile_id = $1 ORDER BY occurred_at`,
      [ann.uuid],
    );
    expect(timeline.map((e) => e.type)).toEqual([
      'web_visit',
      'form_submitted',
      'email_sent',
      'email_delivered',
      'email_opened',
      'email_clicked',
      'field_changed',
    ]);
    const bob = await profileOf('318592');
    const bobEvents = await query(`SELECT type FROM engagement_event WHERE profile_id = $1 ORDER BY occurred_at`, [
      bob.uuid,
    ]);
    expect(bobEvents.map((e) => e.type)).toEqual(['email_bounced', 'unsubscribed']);
    const statuses = await query(`SELECT status, captured_at FROM consent_statement WHERE profile_id = $1 ORDER BY 2`, [
      bob.uuid,
    ]);
    expect(statuses).toEqual([
      { status: 'withdrawn', captured_at: new Date('2026-03-02T10:20:51Z') },
      { status: 'withdrawn', captured_at: new Date('2026-03-03T09:30:00Z') },
    ]);
  });

  it('does not let an older lead snapshot undo a newer change', async () => {
    const res = await post(fixture('leads.json'));
    expect(res.status).toBe(200);
    expect((await profileOf('318581')).jobTitle).toBe('Chief Procurement Officer');
  });

  it('patches from Get Lead Changes and keeps unmapped changes on the timeline only', async () => {
    const res = await post(fixture('lead-changes.json'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 3, rejected: 0 });
    const ann = await profileOf('318581');
    expect(ann.firstName).toBe('Anna');
    expect(ann.custom['marketo.leadScore']).toBe(42);
    const [score] = await query(`SELECT type, properties FROM engagement_event WHERE external_event_id = '103011'`);
    expect(score).toEqual({
      type: 'field_changed',
      properties: expect.objectContaining({ field: 'leadScore', newValue: '57', oldValue: '42' }),
    });
  });

  it('treats a re-posted response as replays that change nothing', async () => {
    const before = { changes: await count('change_event'), events: await count('engagement_event') };
    const res = await post(fixture('activities.json'));
    expect(res.status).toBe(200);
    expect(new Set(res.body.results.map((r: { status: string }) => r.status))).toEqual(new Set(['DUPLICATE']));
    expect({ changes: await count('change_event'), events: await count('engagement_event') }).toEqual(before);
  });

  it('turns Get Deleted Leads into a tombstone', async () => {
    const res = await post(fixture('deleted-leads.json'));
    expect(res.status).toBe(200);
    expect(await recordOf('318592')).toMatchObject({ deleted: true, delete_reason: 'deleted' });
  });

  it('refuses a missing or wrong token with 401 and a dead letter', async () => {
    const missing = await post(fixture('leads.json'), null);
    expect(missing.status).toBe(401);
    expect(missing.body.errors[0].extensions.code).toBe('MISSING_SIGNATURE');
    const wrong = await post(fixture('leads.json'), 'guessed-token');
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors[0].extensions.code).toBe('INVALID_SIGNATURE');
    expect(await deadLetter(wrong.body.errors[0].extensions.deadLetterId)).toEqual({
      source: 'marketo',
      raw_payload: fixture('leads.json'),
      error_code: 'INVALID_SIGNATURE',
    });
  });

  it('answers a malformed body with 400 and a failed Marketo response with 422, both dead-lettered', async () => {
    const malformed = await post('{"result": [');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].extensions.code).toBe('MALFORMED_PAYLOAD');
    const failedBody = JSON.stringify({
      requestId: 'e42b#14272d07d78',
      success: false,
      errors: [{ code: '606', message: 'Max rate limit exceeded' }],
    });
    const failed = await post(failedBody);
    expect(failed.status).toBe(422);
    expect(failed.body.errors[0]).toMatchObject({
      message: expect.stringContaining('606'),
      extensions: { code: 'UNSUPPORTED_PAYLOAD' },
    });
    expect(await deadLetter(failed.body.errors[0].extensions.deadLetterId)).toMatchObject({ raw_payload: failedBody });
  });
});
