import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateCanonicalRecord } from '../../canonical-record';
import { AdapterError, type AdapterSettings, type InboundRequest } from '../adapter';
import { countryCode } from './map';
import { marketoAdapter } from './marketo.adapter';

const NOW = new Date('2026-03-06T12:00:00Z');
const TOKEN = 'relay-token-for-tests-0123456789';
const settings: AdapterSettings = { secrets: { MARKETO_WEBHOOK_TOKEN: TOKEN } };

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name));

function request(
  body: Buffer | string | object,
  headers: Record<string, string> = { 'x-hub-token': TOKEN },
  query: Record<string, string> = {},
): InboundRequest {
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return {
    method: 'POST',
    url: '/webhooks/marketo',
    publicUrl: 'https://hub.example.com/webhooks/marketo',
    headers: { 'content-type': 'application/json', ...headers },
    query,
    rawBody,
    receivedAt: NOW,
  };
}

function refusal(fn: () => unknown): AdapterError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AdapterError) return error;
    throw error;
  }
  throw new Error('expected an AdapterError');
}

const run = (body: Buffer | string | object, extra: Partial<AdapterSettings> = {}) =>
  marketoAdapter.toRecords(request(body), { ...settings, ...extra });

function expectValid(records: Record<string, unknown>[]) {
  for (const record of records) expect(validateCanonicalRecord(record, 'marketo', NOW)).toMatchObject({ ok: true });
}

describe('marketo adapter: shared token', () => {
  it('accepts the token in the x-hub-token header or the token query parameter', () => {
    expect(() => marketoAdapter.verify(request({}), settings)).not.toThrow();
    expect(() => marketoAdapter.verify(request({}, {}, { token: TOKEN }), settings)).not.toThrow();
  });

  it('refuses a request without a token (MISSING_SIGNATURE) or with a wrong one (INVALID_SIGNATURE)', () => {
    expect(refusal(() => marketoAdapter.verify(request({}, {}), settings))).toMatchObject({
      code: 'MISSING_SIGNATURE',
      status: 401,
    });
    expect(refusal(() => marketoAdapter.verify(request({}, { 'x-hub-token': `${TOKEN}x` }), settings))).toMatchObject({
      code: 'INVALID_SIGNATURE',
      status: 401,
    });
    expect(refusal(() => marketoAdapter.verify(request({}, {}, { token: 'guess' }), settings)).code).toBe(
      'INVALID_SIGNATURE',
    );
  });

  it('accepts nothing while MARKETO_WEBHOOK_TOKEN is unset (NOT_CONFIGURED)', () => {
    expect(refusal(() => marketoAdapter.verify(request({}), { secrets: {} }))).toMatchObject({
      code: 'NOT_CONFIGURED',
      status: 503,
    });
    expect(marketoAdapter.secretNames).toEqual(['MARKETO_WEBHOOK_TOKEN']);
  });
});

describe('marketo adapter: leads', () => {
  const output = run(fixture('leads.json'));
  const [ann, bob] = output.records as any[];

  it('maps each lead to a valid attribute patch keyed by the lead id', () => {
    expect(output.rejected).toEqual([]);
    expectValid(output.records);
    expect(ann).toMatchObject({
      source: 'marketo',
      externalId: '318581',
      objectType: 'lead',
      updatedAt: '2026-03-02T09:15:00.000Z',
      attributes: {
        email: 'Ann.Example@example.com',
        firstName: 'Ann',
        lastName: 'Example',
        phone: '+48 12 345 67 89',
        jobTitle: 'Head of Procurement',
        company: 'Example Industries',
        birthDate: '1985-04-12',
        address: {
          line1: 'ul. Przykładowa 1',
          city: 'Kraków',
          postalCode: '30-001',
          region: 'Małopolskie',
          country: 'PL',
        },
        custom: { 'marketo.leadScore': 42, 'marketo.leadSource': 'Webinar', 'marketo.unsubscribed': false },
      },
    });
    expect(ann.consents).toBeUndefined();
    expect(ann.deleted).toBeUndefined();
  });

  it('sends only the fields Marketo returned: nothing absent is cleared', () => {
    expect(Object.keys(bob.attributes).sort()).toEqual([
      'address',
      'company',
      'custom',
      'email',
      'firstName',
      'lastName',
    ]);
    expect(bob.attributes.address).toEqual({ country: 'US' });
    expect(JSON.stringify(output.records)).not.toContain('null');
  });

  it('clears a field only when the response says null', () => {
    const out = run({ result: [{ id: 5, updatedAt: '2026-03-02T09:15:00Z', title: null }], success: true });
    expect((out.records[0] as any).attributes).toEqual({ jobTitle: null });
  });

  it('records unsubscribed: true as a withdrawn email-marketing consent', () => {
    expect(bob.consents).toEqual([
      {
        purpose: 'email_marketing',
        channel: 'email',
        status: 'withdrawn',
        capturedAt: '2026-03-02T10:20:51.000Z',
        contactPoint: 'bob.example@example.org',
        evidence: { field: 'unsubscribed', reason: 'Unsubscribed via email link' },
      },
    ]);
  });

  it('gives a re-delivered lead the same eventId and a different field set a different one', () => {
    const again = run(fixture('leads.json'));
    expect(again.records.map((r) => r.eventId)).toEqual(output.records.map((r) => r.eventId));
    const item = { id: 318581, updatedAt: '2026-03-02T09:15:00Z', email: 'ann.example@example.com' };
    const a = run({ result: [item], success: true }).records[0].eventId;
    const b = run({ result: [{ ...item, title: 'CPO' }], success: true }).records[0].eventId;
    expect(a).toMatch(/^lead:318581:/);
    expect(b).not.toBe(a);
  });

  it('keeps a country it cannot name in ISO form under custom instead of rejecting the lead', () => {
    const out = run({ result: [{ id: 7, updatedAt: '2026-03-02T09:15:00Z', country: 'Atlantis' }], success: true });
    expect((out.records[0] as any).attributes).toEqual({
      address: {},
      custom: { 'marketo.country': 'Atlantis' },
    });
    expectValid(out.records);
  });

  it('names countries in ISO 3166 alpha-2', () => {
    expect(countryCode('Poland')).toBe('PL');
    expect(countryCode('pl')).toBe('PL');
    expect(countryCode('United States of America')).toBe('US');
    expect(countryCode('USA')).toBe('US');
    expect(countryCode('UK')).toBe('GB');
    expect(countryCode('Deutschland')).toBeUndefined();
    expect(countryCode('Germany')).toBe('DE');
    expect(countryCode('Côte d’Ivoire')).toBe('CI');
  });

  it('rejects a lead whose date does not fit, naming the field', () => {
    const out = run({
      result: [{ id: 8, updatedAt: '2026-03-02T09:15:00Z', dateOfBirth: '12/04/1985' }],
      success: true,
    });
    expect(out.records).toEqual([]);
    expect(out.rejected).toEqual([
      {
        index: 0,
        code: 'INVALID_DATE',
        message: expect.stringContaining('dateOfBirth'),
        path: '$.result[0].dateOfBirth',
      },
    ]);
  });
});

describe('marketo adapter: activities', () => {
  const output = run(fixture('activities.json'));
  const byGuid = (guid: string) => output.records.find((r) => r.eventId === `activity:${guid}`) as any;

  it('maps the activity types the hub uses to timeline events on the lead, and skips the rest', () => {
    expect(output.rejected).toEqual([]);
    expectValid(output.records);
    const types = Object.fromEntries(output.records.map((r: any) => [r.eventId, r.events[0].type]));
    expect(types).toEqual({
      'activity:102988': 'web_visit',
      'activity:102989': 'form_submitted',
      'activity:102990': 'email_sent',
      'activity:102991': 'email_delivered',
      'activity:102992': 'email_opened',
      'activity:102993': 'email_clicked',
      'activity:102994': 'email_bounced',
      'activity:102995': 'unsubscribed',
      'activity:102996': 'field_changed',
    });
    expect(output.skipped).toEqual([{ index: 9, reason: 'activity type 12 is not used by the hub' }]);
  });

  it('puts the event on the lead at the activity date, ordered by the activity id', () => {
    expect(byGuid('102993')).toEqual({
      source: 'marketo',
      externalId: '318581',
      objectType: 'lead',
      updatedAt: '2026-03-03T08:13:02.000Z',
      eventId: 'activity:102993',
      sequence: '102993',
      events: [
        {
          id: '102993',
          type: 'email_clicked',
          occurredAt: '2026-03-03T08:13:02.000Z',
          properties: {
            activityTypeId: 11,
            primaryAttributeValueId: 1190,
            primaryAttributeValue: 'Spring Newsletter.Newsletter Email',
            campaignRunId: 5301,
            link: 'https://www.example.com/spring-offer',
            isMobileDevice: false,
          },
        },
      ],
    });
  });

  it('leaves the typed form fields off the timeline', () => {
    const form = byGuid('102989').events[0].properties;
    expect(form).toMatchObject({ primaryAttributeValue: 'Contact Us Form', webpageId: 75 });
    expect(form).not.toHaveProperty('formFields');
    expect(JSON.stringify(form)).not.toContain('Ann.Example');
  });

  it('records Unsubscribe Email as a withdrawn consent, and a bounce as an event only', () => {
    expect(byGuid('102995').consents).toEqual([
      {
        purpose: 'email_marketing',
        channel: 'email',
        status: 'withdrawn',
        capturedAt: '2026-03-03T09:30:00.000Z',
        evidence: { activity: 'Unsubscribe Email', marketoGUID: '102995' },
      },
    ]);
    expect(byGuid('102994').consents).toBeUndefined();
    expect(byGuid('102994').attributes).toBeUndefined();
  });

  it('turns a Change Data Value of a mapped field into a field_changed event and a patch at the activity date', () => {
    expect(byGuid('102996')).toMatchObject({
      externalId: '318581',
      updatedAt: '2026-03-04T11:45:00.000Z',
      sequence: '102996',
      attributes: { jobTitle: 'Chief Procurement Officer' },
      events: [
        {
          id: '102996',
          type: 'field_changed',
          properties: {
            field: 'title',
            newValue: 'Chief Procurement Officer',
            oldValue: 'Head of Procurement',
            reason: 'Form fill-out',
          },
        },
      ],
    });
  });
});

describe('marketo adapter: lead changes and deleted leads', () => {
  it('patches mapped fields from Get Lead Changes and keeps unmapped ones on the timeline only', () => {
    const out = run(fixture('lead-changes.json'));
    expect(out.rejected).toEqual([]);
    expectValid(out.records);
    const [firstName, score, phone] = out.records as any[];
    expect(firstName).toMatchObject({
      updatedAt: '2026-03-05T14:00:00.000Z',
      attributes: { firstName: 'Anna' },
      events: [{ type: 'field_changed', properties: { field: 'firstName', newValue: 'Anna', oldValue: 'Ann' } }],
    });
    expect(score.attributes).toBeUndefined();
    expect(score.events[0].properties).toMatchObject({ field: 'leadScore', newValue: '57' });
    expect(phone.attributes).toEqual({ phone: null });
  });

  it("patches a field the deployment's mapping adds", () => {
    const out = run(fixture('lead-changes.json'), { mapping: { fields: { leadScore: 'custom.score' } } });
    expect((out.records[1] as any).attributes).toEqual({ custom: { score: '57' } });
  });

  it('records unsubscribed changed to true as a withdrawn consent', () => {
    const out = run({
      result: [
        {
          id: 9,
          marketoGUID: '9',
          leadId: 5,
          activityDate: '2026-03-05T14:00:00Z',
          activityTypeId: 13,
          primaryAttributeValue: 'Unsubscribed',
          attributes: [
            { name: 'New Value', value: 'true' },
            { name: 'Old Value', value: 'false' },
          ],
        },
      ],
    });
    expect(out.records[0]).toMatchObject({
      consents: [{ purpose: 'email_marketing', status: 'withdrawn', capturedAt: '2026-03-05T14:00:00.000Z' }],
    });
  });

  it('turns Get Deleted Leads into tombstones', () => {
    const out = run(fixture('deleted-leads.json'));
    expectValid(out.records);
    expect(out.records).toEqual([
      {
        source: 'marketo',
        externalId: '318592',
        objectType: 'lead',
        updatedAt: '2026-03-06T06:56:35.000Z',
        eventId: 'activity:103050',
        sequence: '103050',
        deleted: true,
        deleteReason: 'deleted',
      },
    ]);
  });

  it('takes several responses in one post', () => {
    const body = `[${fixture('leads.json')},${fixture('deleted-leads.json')}]`;
    const out = run(body);
    expect(out.records.map((r) => r.externalId)).toEqual(['318581', '318592', '318592']);
  });
});

describe('marketo adapter: bodies it cannot use', () => {
  it('refuses a body that is not JSON (MALFORMED_PAYLOAD)', () => {
    for (const body of ['{"result": [', 'leads', '']) {
      expect(refusal(() => run(body))).toMatchObject({ code: 'MALFORMED_PAYLOAD', status: 400 });
    }
  });

  it('refuses JSON that is not a Marketo response, or a failed one (UNSUPPORTED_PAYLOAD)', () => {
    expect(refusal(() => run({ leads: [] }))).toMatchObject({ code: 'UNSUPPORTED_PAYLOAD', status: 422 });
    expect(refusal(() => run([{ result: [] }, 42])).code).toBe('UNSUPPORTED_PAYLOAD');
    const failed = refusal(() =>
      run({
        requestId: 'e42b#14272d07d78',
        success: false,
        errors: [{ code: '601', message: 'Access token invalid' }],
      }),
    );
    expect(failed.code).toBe('UNSUPPORTED_PAYLOAD');
    expect(failed.message).toContain('601 Access token invalid');
  });

  it('rejects result items it cannot read, naming where', () => {
    const out = run({
      result: [
        'lead',
        { email: 'x@example.com' },
        { marketoGUID: '1', activityTypeId: 10, activityDate: '2026-03-05T14:00:00Z' },
        { marketoGUID: '2', leadId: 5, activityTypeId: 10, activityDate: 'yesterday' },
        { leadId: 5, activityTypeId: 10, activityDate: '2026-03-05T14:00:00Z' },
        { marketoGUID: '3', leadId: 5, activityTypeId: 'open', activityDate: '2026-03-05T14:00:00Z' },
      ],
      success: true,
    });
    expect(out.records).toEqual([]);
    expect(out.rejected!.map((r) => [r.index, r.code, r.path])).toEqual([
      [0, 'INVALID_TYPE', '$.result[0]'],
      [1, 'UNSUPPORTED_ITEM', '$.result[1]'],
      [2, 'MISSING_EXTERNAL_ID', '$.result[2].leadId'],
      [3, 'INVALID_DATE', '$.result[3].activityDate'],
      [4, 'INVALID_RECORD', '$.result[4].marketoGUID'],
      [5, 'INVALID_TYPE', '$.result[5].activityTypeId'],
    ]);
  });

  it('accepts an empty result as nothing to do', () => {
    expect(run({ requestId: 'x', result: [], success: true })).toEqual({ records: [], skipped: [], rejected: [] });
  });
});
