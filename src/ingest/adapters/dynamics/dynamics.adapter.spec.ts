import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateCanonicalRecord } from '../../canonical-record';
import { AdapterError, type AdapterSettings, type InboundRequest } from '../adapter';
import { dynamicsAdapter } from './dynamics.adapter';
import { parseJsonExact } from './parse';

const NOW = new Date('2026-04-03T12:00:00Z');
const KEY = 'dataverse-webhook-key-for-tests-42';
const settings: AdapterSettings = { secrets: { DYNAMICS_WEBHOOK_KEY: KEY } };
const CONTACT = '6d81597f-0f9f-e711-8122-000d3aa2331c';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name));
const fixtureJson = (name: string) => JSON.parse(fixture(name).toString()) as Record<string, any>;

function request(
  body: Buffer | string | object,
  headers: Record<string, string> = {},
  query: Record<string, string> = { code: KEY },
): InboundRequest {
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return {
    method: 'POST',
    url: '/webhooks/dynamics',
    publicUrl: 'https://hub.example.com/webhooks/dynamics',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-ms-dynamics-organization': 'exampleorg.crm.dynamics.com',
      ...headers,
    },
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
  dynamicsAdapter.toRecords(request(body), { ...settings, ...extra });

function only(body: Buffer | string | object, extra: Partial<AdapterSettings> = {}): any {
  const out = run(body, extra);
  expect(out.rejected ?? []).toEqual([]);
  expect(out.records).toHaveLength(1);
  expect(validateCanonicalRecord(out.records[0], 'dynamics', NOW)).toMatchObject({ ok: true });
  return out.records[0];
}

/** A fixture with Target attributes changed: `undefined` removes one. */
function withTarget(name: string, changes: Record<string, unknown>): Record<string, any> {
  const body = fixtureJson(name);
  const target = body.InputParameters[0].value;
  for (const [key, value] of Object.entries(changes)) {
    target.Attributes = target.Attributes.filter((a: { key: string }) => a.key !== key);
    if (value !== undefined) target.Attributes.push({ key, value });
  }
  return body;
}

describe('dynamics adapter: webhook key', () => {
  it('accepts the key as the WebhookKey query parameter (?code=) or the x-hub-token header', () => {
    expect(() => dynamicsAdapter.verify(request({}), settings)).not.toThrow();
    expect(() => dynamicsAdapter.verify(request({}, { 'x-hub-token': KEY }, {}), settings)).not.toThrow();
  });

  it('refuses a request without a key (MISSING_SIGNATURE) or with a wrong one (INVALID_SIGNATURE)', () => {
    expect(refusal(() => dynamicsAdapter.verify(request({}, {}, {}), settings))).toMatchObject({
      code: 'MISSING_SIGNATURE',
      status: 401,
    });
    expect(refusal(() => dynamicsAdapter.verify(request({}, {}, { code: 'nope' }), settings))).toMatchObject({
      code: 'INVALID_SIGNATURE',
      status: 401,
    });
    // The header wins: a right code does not excuse a wrong header.
    expect(refusal(() => dynamicsAdapter.verify(request({}, { 'x-hub-token': 'nope' }), settings)).code).toBe(
      'INVALID_SIGNATURE',
    );
    // verifySharedToken's ?token= is not a Dataverse option and is not accepted here.
    expect(refusal(() => dynamicsAdapter.verify(request({}, {}, { token: KEY }), settings)).code).toBe(
      'MISSING_SIGNATURE',
    );
  });

  it('accepts nothing while DYNAMICS_WEBHOOK_KEY is unset (NOT_CONFIGURED)', () => {
    expect(refusal(() => dynamicsAdapter.verify(request({}), { secrets: {} }))).toMatchObject({
      code: 'NOT_CONFIGURED',
      status: 503,
    });
    expect(dynamicsAdapter.secretNames).toEqual(['DYNAMICS_WEBHOOK_KEY']);
  });
});

describe('dynamics adapter: Create and Update', () => {
  it('maps a created contact to a patch of the columns it carries', () => {
    const record = only(fixture('contact-create.json'));
    expect(record).toEqual({
      source: 'dynamics',
      externalId: CONTACT,
      objectType: 'contact',
      updatedAt: '2026-04-01T09:30:00.000Z',
      sequence: '4893471',
      eventId: `c2a0d7e4-91f3-4b8e-a5d6-3e7f0b1c2d4a:Create:${CONTACT}`,
      attributes: {
        firstName: 'Ann',
        lastName: 'Example',
        email: 'Ann.Example@example.com',
        phone: '+44 20 7946 0958',
        jobTitle: 'Head of Procurement',
        birthDate: '1985-04-12',
        company: 'Example Industries Ltd',
        address: {
          line1: '1 Example Street',
          line2: 'Floor 2',
          city: 'London',
          postalCode: 'EC1A 1BB',
          region: 'Greater London',
          country: 'GB',
        },
        custom: {
          'dynamics.mobilephone': '+44 7911 123456',
          'dynamics.donotbulkemail': false,
          'dynamics.donotemail': false,
          'dynamics.preferredcontactmethodcode': 2,
          'dynamics.creditlimit': 25000,
          'dynamics.statecode': 0,
        },
      },
      links: [{ source: 'dynamics', externalId: 'b1a2c3d4-0f9f-e711-8122-000d3aa2331c' }],
    });
  });

  it('patches only what an Update carries, clears what it sets to null, and withdraws consent on donotbulkemail', () => {
    const record = only(fixture('contact-update.json'));
    expect(record).toMatchObject({
      externalId: CONTACT,
      updatedAt: '2026-04-02T14:05:00.000Z',
      sequence: '4893502',
      // No RequestId on this async step: the OperationId keys it.
      eventId: `op.5bf20748-4ea2-e711-8122-000d3aa2331c:Update:${CONTACT}`,
    });
    expect(record.attributes).toEqual({
      email: 'Ann.Example@example.com',
      jobTitle: 'Chief Procurement Officer',
      address: { line2: null },
      custom: { 'dynamics.donotbulkemail': true },
    });
    expect(record.consents).toEqual([
      {
        purpose: 'email_marketing',
        channel: 'email',
        status: 'withdrawn',
        capturedAt: '2026-04-02T14:05:00.000Z',
        contactPoint: 'Ann.Example@example.com',
        evidence: { donotbulkemail: true },
      },
    ]);
  });

  it('does not withdraw consent for donotbulkemail false, nor repeat a withdrawal found only in the post image', () => {
    expect(only(fixture('contact-create.json')).consents).toBeUndefined();
    const body = fixtureJson('contact-update.json');
    body.InputParameters[0].value.Attributes = body.InputParameters[0].value.Attributes.filter(
      (a: { key: string }) => a.key !== 'donotbulkemail',
    );
    body.PostEntityImages[0].value.Attributes.push({ key: 'donotbulkemail', value: true });
    expect(only(body).consents).toBeUndefined();
    expect(only(withTarget('contact-update.json', { donotemail: true })).consents).toEqual([
      expect.objectContaining({ status: 'withdrawn', evidence: { donotbulkemail: true, donotemail: true } }),
    ]);
  });

  it('uses the mobile number as phone only where telephone1 is known to be empty', () => {
    const noLandline = withTarget('contact-create.json', { telephone1: undefined });
    expect(only(noLandline).attributes.phone).toBe('+44 7911 123456');
    const cleared = withTarget('contact-update.json', { telephone1: null, mobilephone: '+44 7911 123456' });
    expect(only(cleared).attributes.phone).toBe('+44 7911 123456');
    const unknown = withTarget('contact-update.json', { mobilephone: '+44 7911 123456' });
    expect(only(unknown).attributes).not.toHaveProperty('phone');
    expect(only(unknown).attributes.custom).toMatchObject({ 'dynamics.mobilephone': '+44 7911 123456' });
  });

  it('leaves company alone when the lookup comes without its name, and clears it when the lookup is removed', () => {
    const nameless = withTarget('contact-update.json', {
      parentcustomerid: {
        __type: 'EntityReference:http://schemas.microsoft.com/xrm/2011/Contracts',
        Id: '4f3b1a2c-0f9f-e711-8122-000d3aa2331c',
        LogicalName: 'account',
        Name: null,
      },
    });
    expect(only(nameless).attributes).not.toHaveProperty('company');
    expect(only(withTarget('contact-update.json', { parentcustomerid: null })).attributes.company).toBeNull();
  });

  it('reads a user-local birthdate stored as local midnight in UTC as the intended day', () => {
    // 1990-07-05 00:00 in UTC+2 is 1990-07-04T22:00Z.
    const record = only(withTarget('contact-create.json', { birthdate: '/Date(647128800000)/' }));
    expect(record.attributes.birthDate).toBe('1990-07-05');
  });

  it('keeps a row version beyond 2^53 exact as the sequence', () => {
    const text = fixture('contact-update.json').toString().replace('4893502', '9223372036854775801');
    expect(only(text).sequence).toBe('9223372036854775801');
  });

  it('adds a lead_converted event when a lead is qualified, with its post image as the patch', () => {
    const record = only(fixture('lead-qualify.json'));
    expect(record).toMatchObject({
      externalId: 'b1a2c3d4-0f9f-e711-8122-000d3aa2331c',
      objectType: 'lead',
      updatedAt: '2026-04-03T08:00:00.000Z',
      attributes: {
        email: 'ann.example@example.com',
        firstName: 'Ann',
        lastName: 'Example',
        company: 'Example Industries Ltd',
        custom: { 'dynamics.statecode': 1, 'dynamics.statuscode': 3 },
      },
      events: [
        {
          id: `f4c2a9b6-13d5-4eaf-87f8-5a9b2c3d4e6f:Update:b1a2c3d4-0f9f-e711-8122-000d3aa2331c`,
          type: 'lead_converted',
          occurredAt: '2026-04-03T08:00:00.000Z',
          properties: { statuscode: 3 },
        },
      ],
    });
  });

  it("applies the deployment's mapping on top of the default", () => {
    const record = only(fixture('contact-create.json'), {
      mapping: { fields: { creditlimit: 'custom.creditLimit', mobilephone: 'identifiers.mobile' } },
    });
    expect(record.attributes.custom).toMatchObject({ creditLimit: 25000 });
    expect(record.identifiers).toEqual([{ type: 'mobile', value: '+44 7911 123456' }]);
  });

  it('gives a re-delivery the same eventId and another message on the record another one', () => {
    expect(only(fixture('contact-create.json')).eventId).toBe(only(fixture('contact-create.json')).eventId);
    const noIds = fixtureJson('contact-create.json');
    noIds.RequestId = null;
    noIds.OperationId = '00000000-0000-0000-0000-000000000000';
    const hashed = only(noIds).eventId;
    expect(hashed).toMatch(/^sha256\.[0-9a-f]{32}:Create:/);
    expect(only(noIds).eventId).toBe(hashed);
    const changed = withTarget('contact-create.json', { firstname: 'Anna' });
    changed.RequestId = null;
    changed.OperationId = null;
    expect(only(changed).eventId).not.toBe(hashed);
  });
});

describe('dynamics adapter: Delete, Merge and what it skips', () => {
  it('turns Delete into a tombstone', () => {
    expect(only(fixture('contact-delete.json'))).toEqual({
      source: 'dynamics',
      externalId: CONTACT,
      objectType: 'contact',
      updatedAt: '2026-04-03T10:00:00.000Z',
      eventId: `e3b1f8a5-02c4-4d9f-b6e7-4f8a1c2d3e5b:Delete:${CONTACT}`,
      deleted: true,
      deleteReason: 'deleted',
    });
  });

  it('turns Merge into a tombstone of the subordinate, linked to the surviving contact', () => {
    expect(only(fixture('contact-merge.json'))).toEqual({
      source: 'dynamics',
      externalId: '8e92608a-0f9f-e711-8122-000d3aa2331c',
      objectType: 'contact',
      updatedAt: '2026-04-03T10:00:00.000Z',
      eventId: 'a5d3b0c7-24e6-4fb0-98a9-6b0c3d4e5f70:Merge:8e92608a-0f9f-e711-8122-000d3aa2331c',
      deleted: true,
      deleteReason: 'merged',
      links: [{ source: 'dynamics', externalId: CONTACT }],
    });
  });

  it('skips other tables, other messages, and payloads Dataverse stripped for size', () => {
    const account = { ...fixtureJson('contact-create.json'), PrimaryEntityName: 'account' };
    expect(run(account)).toEqual({ records: [], skipped: [{ index: 0, reason: expect.stringContaining('account') }] });
    const assign = { ...fixtureJson('contact-update.json'), MessageName: 'Assign' };
    expect(run(assign).skipped).toEqual([{ index: 0, reason: expect.stringContaining('Assign') }]);
    const stripped = fixtureJson('contact-update.json');
    delete stripped.InputParameters;
    delete stripped.PostEntityImages;
    expect(run(stripped).skipped).toEqual([{ index: 0, reason: expect.stringContaining('256 KB') }]);
  });

  it('refuses a body that is not a RemoteExecutionContext (MALFORMED_PAYLOAD)', () => {
    for (const body of ['{"MessageName":', 'contact updated', '[]', '{}', '{"MessageName":"Update"}']) {
      expect(refusal(() => run(body))).toMatchObject({ code: 'MALFORMED_PAYLOAD', status: 400 });
    }
    const badId = { ...fixtureJson('contact-update.json'), PrimaryEntityId: 'not-a-guid' };
    expect(refusal(() => run(badId)).code).toBe('MALFORMED_PAYLOAD');
  });

  it('keeps an address country it cannot name in ISO form under custom instead of rejecting the change', () => {
    const out = run(withTarget('contact-update.json', { address1_country: 'Atlantis' }));
    expect(out.records[0]).toMatchObject({
      attributes: { address: {}, custom: { 'dynamics.country': 'Atlantis' } },
    });
  });

  it("rejects a change whose value does not fit the deployment's format hint, naming the column", () => {
    const out = run(withTarget('contact-update.json', { new_membersince: '2026-13-45' }), {
      mapping: { fields: { new_membersince: { path: 'custom.memberSince', format: 'date:YYYY-MM-DD' } } },
    });
    expect(out.records).toEqual([]);
    expect(out.rejected).toEqual([
      {
        index: 0,
        code: 'INVALID_DATE',
        message: expect.stringContaining('new_membersince'),
        path: '$.new_membersince',
      },
    ]);
  });
});

describe('parseJsonExact', () => {
  it('keeps big integers as decimal strings and leaves everything else as JSON.parse does', () => {
    expect(
      parseJsonExact('{"a":9223372036854775807,"b":-9007199254740993,"c":12,"d":"9223372036854775807","e":1.5e300}'),
    ).toEqual({ a: '9223372036854775807', b: '-9007199254740993', c: 12, d: '9223372036854775807', e: 1.5e300 });
    expect(parseJsonExact('["\\"123456789012345678\\"", 9007199254740991]')).toEqual([
      '"123456789012345678"',
      9007199254740991,
    ]);
  });
});
