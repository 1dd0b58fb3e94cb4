import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateCanonicalRecord } from '../../canonical-record';
import { AdapterError, type AdapterSettings, type InboundRequest } from '../adapter';
import { countryCode } from './map';
import { OUTBOUND_MESSAGE_ACK, salesforceAdapter } from './salesforce.adapter';
import { sameOrganization } from './verify';

const TOKEN = 'f3b1c9e2-hub-token';
const ORG_ID = '00D5f000000KvQpEAK';
const settings: AdapterSettings = {
  secrets: { SALESFORCE_WEBHOOK_TOKEN: TOKEN, SALESFORCE_ORGANIZATION_ID: ORG_ID },
};
const NOW = new Date('2026-11-10T12:00:00Z');

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
const json = (name: string) => JSON.parse(fixture(name)) as Record<string, any>;

function request(
  body: string,
  options: { contentType?: string; query?: Record<string, string>; headers?: Record<string, string> } = {},
): InboundRequest {
  const query = options.query ?? { token: TOKEN };
  const search = new URLSearchParams(query).toString();
  return {
    method: 'POST',
    url: `/webhooks/salesforce${search ? `?${search}` : ''}`,
    publicUrl: `https://hub.example.com/webhooks/salesforce${search ? `?${search}` : ''}`,
    headers: { 'content-type': options.contentType ?? 'application/json', ...(options.headers ?? {}) },
    query,
    rawBody: Buffer.from(body),
    receivedAt: NOW,
  };
}

const soap = (body: string, options: Parameters<typeof request>[1] = {}) =>
  request(body, { contentType: 'text/xml; charset=utf-8', ...options });

function refusal(fn: () => unknown): AdapterError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AdapterError) return error;
    throw error;
  }
  throw new Error('expected an AdapterError');
}

function recordsOf(body: unknown, extra: Partial<AdapterSettings> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return salesforceAdapter.toRecords(request(text), { ...settings, ...extra });
}

/** Every record an adapter emits must pass the pipeline's own validation. */
function expectValid(records: Record<string, unknown>[]) {
  for (const record of records) {
    const result = validateCanonicalRecord(record, 'salesforce', NOW);
    expect(result).toMatchObject({ ok: true });
  }
}

describe('salesforce adapter: authenticity', () => {
  it('accepts a relay presenting the token as ?token= or as x-hub-token', () => {
    expect(() => salesforceAdapter.verify(request('{}'), settings)).not.toThrow();
    expect(() =>
      salesforceAdapter.verify(request('{}', { query: {}, headers: { 'x-hub-token': TOKEN } }), settings),
    ).not.toThrow();
  });

  it('refuses a relay without the token, with a wrong one, and accepts nothing when unconfigured', () => {
    expect(refusal(() => salesforceAdapter.verify(request('{}', { query: {} }), settings)).code).toBe(
      'MISSING_SIGNATURE',
    );
    expect(refusal(() => salesforceAdapter.verify(request('{}', { query: { token: 'guess' } }), settings)).code).toBe(
      'INVALID_SIGNATURE',
    );
    expect(refusal(() => salesforceAdapter.verify(request('{}'), { secrets: {} })).code).toBe('NOT_CONFIGURED');
  });

  it('accepts an Outbound Message from the configured organisation (15- or 18-character id)', () => {
    const body = fixture('outbound-message-contacts.xml');
    expect(() => salesforceAdapter.verify(soap(body), settings)).not.toThrow();
    const shortId = { secrets: { ...settings.secrets, SALESFORCE_ORGANIZATION_ID: ORG_ID.slice(0, 15) } };
    expect(() => salesforceAdapter.verify(soap(body), shortId)).not.toThrow();
  });

  it('refuses an Outbound Message from another organisation, or with the id in another case', () => {
    const body = fixture('outbound-message-contacts.xml');
    const other = body.replace(ORG_ID, '00D5f000000XyZaEAC');
    expect(refusal(() => salesforceAdapter.verify(soap(other), settings)).code).toBe('INVALID_SIGNATURE');
    const lower = body.replace(ORG_ID, ORG_ID.toLowerCase());
    expect(refusal(() => salesforceAdapter.verify(soap(lower), settings)).code).toBe('INVALID_SIGNATURE');
    const none = body.replace(/<OrganizationId>.*<\/OrganizationId>/, '');
    expect(refusal(() => salesforceAdapter.verify(soap(none), settings)).code).toBe('MISSING_SIGNATURE');
  });

  it('wants the URL token on Outbound Messages too, and both secrets configured', () => {
    const body = fixture('outbound-message-contacts.xml');
    expect(refusal(() => salesforceAdapter.verify(soap(body, { query: {} }), settings)).code).toBe('MISSING_SIGNATURE');
    expect(refusal(() => salesforceAdapter.verify(soap(body, { query: { token: 'x' } }), settings)).code).toBe(
      'INVALID_SIGNATURE',
    );
    const tokenOnly = { secrets: { SALESFORCE_WEBHOOK_TOKEN: TOKEN } };
    expect(refusal(() => salesforceAdapter.verify(soap(body), tokenOnly)).code).toBe('NOT_CONFIGURED');
    // The same deployment still takes relayed JSON.
    expect(() => salesforceAdapter.verify(request('{}'), tokenOnly)).not.toThrow();
  });

  it('checks the token before it reads the XML, so unauthenticated garbage is a 401, not a 400', () => {
    expect(refusal(() => salesforceAdapter.verify(soap('<oops', { query: {} }), settings)).code).toBe(
      'MISSING_SIGNATURE',
    );
    expect(refusal(() => salesforceAdapter.verify(soap('<oops'), settings)).code).toBe('MALFORMED_PAYLOAD');
  });

  it('has no timestamp that could go stale: Salesforce signs nothing, an old message verifies like a new one', () => {
    const old = fixture('outbound-message-contacts.xml').replace(/2026-11-04/g, '2019-01-01');
    expect(() => salesforceAdapter.verify(soap(old), settings)).not.toThrow();
  });

  it('compares organisation ids by their case-sensitive 15-character prefix', () => {
    expect(sameOrganization('00D5f000000KvQpEAK', '00D5f000000KvQp')).toBe(true);
    expect(sameOrganization('00D5f000000KvQp', '00D5f000000KvQpEAK')).toBe(true);
    expect(sameOrganization('00D5f000000KvQpAAA', '00D5f000000KvQpEAK')).toBe(true);
    expect(sameOrganization('00D5f000000kvqp', '00D5f000000KvQp')).toBe(false);
    expect(sameOrganization('00D5f000000KvQq', '00D5f000000KvQp')).toBe(false);
  });
});

describe('salesforce adapter: Change Data Capture', () => {
  it('maps a CREATE with every non-null field, compound Name and MailingAddress flattened', () => {
    const out = recordsOf(json('cdc-contact-create.json'));
    expect(out.rejected).toBeUndefined();
    expect(out.records).toEqual([
      {
        source: 'salesforce',
        externalId: '0035f00002EztxDAAR',
        objectType: 'contact',
        updatedAt: '2026-11-01T10:00:00.000Z',
        eventId: 'cdc:00006bec-ce66-0611-9018-30a98446c9f2:1:0035f00002EztxDAAR',
        sequence: '1100670838951',
        attributes: {
          email: 'anna.kowalska@example.com',
          firstName: 'Anna',
          lastName: 'Kowalska',
          phone: '+48 600 700 800',
          jobTitle: 'Head of Procurement',
          birthDate: '1980-02-01',
          address: {
            line1: 'ul. Floriańska 1',
            line2: 'lok. 4',
            city: 'Kraków',
            region: 'Małopolskie',
            postalCode: '31-019',
            country: 'PL',
          },
          custom: {
            'salesforce.AccountId': '0015f00002JUX1JAAX',
            'salesforce.Salutation': 'Ms.',
            'salesforce.Department': 'Procurement',
            'salesforce.LeadSource': 'Web',
            'salesforce.HasOptedOutOfEmail': false,
            'salesforce.HasOptedOutOfFax': false,
            'salesforce.DoNotCall': false,
          },
        },
      },
    ]);
    expectValid(out.records);
  });

  it('maps an UPDATE as a patch: changed fields only, nulledFields cleared, unchanged nulls never sent', () => {
    const out = recordsOf(json('cdc-contact-update.json'));
    expect(out.records).toHaveLength(1);
    expect(out.records[0]).toEqual({
      source: 'salesforce',
      externalId: '0035f00002EztxDAAR',
      objectType: 'contact',
      updatedAt: '2026-11-02T09:30:00.000Z',
      eventId: 'cdc:0001a2b3-7c1d-4e9f-a1b2-c3d4e5f60718:1:0035f00002EztxDAAR',
      sequence: '1100670912004',
      attributes: { lastName: 'Nowak', jobTitle: 'Procurement Director', phone: null, address: { city: 'Warszawa' } },
    });
    expectValid(out.records);
  });

  it('unwraps a CometD message and keeps a commitNumber beyond 2^53 exact', () => {
    const out = recordsOf(fixture('cdc-contact-update-cometd.json'));
    expect(out.records[0]).toMatchObject({
      externalId: '0035f00002EztxDAAR',
      updatedAt: '2026-11-03T08:00:00.000Z',
      sequence: '18446744073709551615',
      // MobilePhone changed but Phone was not touched: no fallback in an update.
      attributes: { email: 'anna.nowak@example.com', custom: { 'salesforce.MobilePhone': '+48 601 234 567' } },
    });
    expect((out.records[0].attributes as Record<string, unknown>).phone).toBeUndefined();
    expectValid(out.records);
  });

  it('unwraps the channel envelope and a Pub/Sub client event { replayId, payload }', () => {
    const event = json('cdc-contact-update.json');
    const viaChannel = recordsOf({ channel: '/data/ContactChangeEvent', data: { schema: 'x', payload: event } });
    const viaPubSub = recordsOf({ replayId: 18098167, payload: event });
    expect(viaChannel.records).toEqual(recordsOf(event).records);
    expect(viaPubSub.records).toEqual(recordsOf(event).records);
  });

  it('makes one record per id of a multi-record event, each with its own event id', () => {
    const out = recordsOf(json('cdc-contact-multi-record-update.json'));
    expect(out.records.map((r) => r.externalId)).toEqual(['0035f00002EztyBAAR', '0035f00002EztzQAAR']);
    expect(new Set(out.records.map((r) => r.eventId)).size).toBe(2);
    for (const record of out.records) {
      expect(record).toMatchObject({
        updatedAt: '2026-11-04T12:00:00.000Z',
        attributes: { custom: { 'salesforce.HasOptedOutOfEmail': true } },
        consents: [
          {
            purpose: 'email_marketing',
            channel: 'email',
            status: 'withdrawn',
            capturedAt: '2026-11-04T12:00:00.000Z',
            evidence: { object: 'Contact', field: 'HasOptedOutOfEmail', value: true, via: 'change_event' },
          },
        ],
      });
      expect(Object.keys(record.attributes as object)).toEqual(['custom']);
    }
    expectValid(out.records);
  });

  it('maps a lead: Address compound, Company, country name to code, MobilePhone standing in for an empty Phone', () => {
    const out = recordsOf(json('cdc-lead-create.json'));
    expect(out.records[0]).toMatchObject({
      externalId: '00Q5f00000Ab1CdEAJ',
      objectType: 'lead',
      attributes: {
        firstName: 'Jonas',
        lastName: 'Becker',
        company: 'Becker Logistik GmbH',
        jobTitle: 'Operations Manager',
        phone: '+49 1512 3456789',
        address: { line1: 'Hauptstraße 12', line2: null, city: 'Berlin', postalCode: '10115', country: 'DE' },
        custom: {
          'salesforce.MobilePhone': '+49 1512 3456789',
          'salesforce.Status': 'Open - Not Contacted',
          'salesforce.IsConverted': false,
        },
      },
    });
    expectValid(out.records);
  });

  it('links a converted lead to its contact with a lead_converted event; skips the Account', () => {
    const out = recordsOf(json('cdc-lead-conversion.json'));
    expect(out.skipped).toEqual([{ index: 0, reason: expect.stringContaining('Account') }]);
    expect(out.records.map((r) => [r.objectType, r.externalId])).toEqual([
      ['contact', '0035f00002Ezu1AAAR'],
      ['lead', '00Q5f00000Ab1CdEAJ'],
    ]);
    const lead = out.records[1];
    expect(lead).toMatchObject({
      // The conversion's lead update has no LastModifiedDate: the commit time stands in.
      updatedAt: '2026-11-05T15:00:00.000Z',
      eventId: 'cdc:0005e6f7-a8b9-4c0d-9e1f-2a3b4c5d6e7f:3:00Q5f00000Ab1CdEAJ',
      links: [{ source: 'salesforce', externalId: '0035f00002Ezu1AAAR' }],
      events: [
        {
          id: 'lead_converted:00Q5f00000Ab1CdEAJ',
          type: 'lead_converted',
          occurredAt: '2026-11-05T15:00:00.000Z',
          properties: {
            leadId: '00Q5f00000Ab1CdEAJ',
            convertedContactId: '0035f00002Ezu1AAAR',
            convertedAccountId: '0015f00002JUX9ZAAX',
            convertedDate: '2026-11-05',
            status: 'Closed - Converted',
          },
        },
      ],
    });
    expect(lead.attributes).toEqual({
      custom: {
        'salesforce.Status': 'Closed - Converted',
        'salesforce.IsConverted': true,
        'salesforce.ConvertedDate': '2026-11-05',
      },
    });
    expectValid(out.records);
  });

  it('turns a DELETE into a tombstone and an UNDELETE into a revival dated by its commit', () => {
    const deleted = recordsOf(json('cdc-contact-delete.json')).records;
    expect(deleted).toEqual([
      {
        source: 'salesforce',
        externalId: '0035f00002EztxDAAR',
        objectType: 'contact',
        updatedAt: '2026-11-04T12:00:00.000Z',
        eventId: 'cdc:0006b7c8-d9e0-4f1a-8b2c-3d4e5f6a7b8c:1:0035f00002EztxDAAR',
        sequence: '1100671003990',
        deleted: true,
        deleteReason: 'deleted',
      },
    ]);
    const revived = recordsOf(json('cdc-contact-undelete.json')).records;
    expect(revived[0]).toMatchObject({
      deleted: false,
      // Not the body's LastModifiedDate (2026-11-03), which predates the delete.
      updatedAt: '2026-11-06T10:15:00.000Z',
      attributes: { email: 'anna.nowak@example.com', lastName: 'Nowak', birthDate: '1980-02-01' },
    });
    expectValid([...deleted, ...revived]);
  });

  it('skips gap and overflow events with a reason instead of guessing', () => {
    const out = recordsOf(json('cdc-gap-events.json'));
    expect(out.records).toEqual([]);
    expect(out.rejected).toBeUndefined();
    expect(out.skipped).toEqual([
      { index: 0, reason: expect.stringMatching(/^GAP_UPDATE: .*0035f00002EztxDAAR.*REST API/) },
      { index: 1, reason: expect.stringMatching(/^GAP_OVERFLOW: /) },
    ]);
  });

  it('gives the same event id to a re-delivery and different ids to different changes', () => {
    const event = json('cdc-contact-update.json');
    expect(recordsOf(event).records).toEqual(recordsOf(event).records);
    const next = structuredClone(event);
    next.ChangeEventHeader.transactionKey = '0001a2b3-7c1d-4e9f-a1b2-c3d4e5f60719';
    expect(recordsOf(next).records[0].eventId).not.toBe(recordsOf(event).records[0].eventId);
    const sameTransactionNextChange = structuredClone(event);
    sameTransactionNextChange.ChangeEventHeader.sequenceNumber = 2;
    expect(recordsOf(sameTransactionNextChange).records[0].eventId).not.toBe(recordsOf(event).records[0].eventId);
  });

  it('expands a compound field named whole and clears a nulled component', () => {
    const event = json('cdc-contact-update.json');
    event.ChangeEventHeader.changedFields = ['LastModifiedDate', 'MailingAddress', 'Name.FirstName'];
    event.ChangeEventHeader.nulledFields = ['Name.FirstName'];
    event.MailingAddress = { Street: 'ul. Długa 5', City: 'Gdańsk', State: null, PostalCode: '80-831', Country: 'PL' };
    const { records } = recordsOf(event);
    expect(records[0].attributes).toEqual({
      firstName: null,
      address: { line1: 'ul. Długa 5', line2: null, city: 'Gdańsk', region: null, postalCode: '80-831', country: 'PL' },
    });
  });

  it('clears every part of a compound field nulled whole', () => {
    const event = json('cdc-contact-update.json');
    event.ChangeEventHeader.changedFields = ['LastModifiedDate', 'MailingAddress'];
    event.ChangeEventHeader.nulledFields = ['MailingAddress'];
    event.MailingAddress = null;
    expect(recordsOf(event).records[0].attributes).toEqual({
      address: { line1: null, line2: null, city: null, region: null, postalCode: null, country: null },
      custom: { 'salesforce.MailingStateCode': null },
    });
  });

  it('never takes a diffFields value (a diff of a long text, not the text)', () => {
    const event = json('cdc-contact-update.json');
    event.ChangeEventHeader.changedFields = ['LastModifiedDate', 'Description'];
    event.ChangeEventHeader.nulledFields = [];
    event.ChangeEventHeader.diffFields = ['Description'];
    event.Description = '@@ -1,3 +1,4 @@';
    expect(recordsOf(event).records[0].attributes).toBeUndefined();
  });

  it('without changedFields (an old CometD relay) takes only non-null values', () => {
    const event = json('cdc-contact-update.json');
    delete event.ChangeEventHeader.changedFields;
    delete event.ChangeEventHeader.nulledFields;
    delete event.ChangeEventHeader.diffFields;
    expect(recordsOf(event).records[0].attributes).toEqual({
      lastName: 'Nowak',
      jobTitle: 'Procurement Director',
      address: { city: 'Warszawa' },
    });
  });

  it('rejects an event it cannot read while the others in the body go through', () => {
    const bad = json('cdc-contact-update.json');
    delete bad.ChangeEventHeader.entityName;
    const bitmap = json('cdc-contact-update.json');
    bitmap.ChangeEventHeader.changedFields = ['0x650004E0', '4-0x10'];
    const noKey = json('cdc-contact-update.json');
    delete noKey.ChangeEventHeader.transactionKey;
    const out = recordsOf([bad, json('cdc-contact-create.json'), bitmap, noKey]);
    expect(out.records).toHaveLength(1);
    expect(out.rejected).toEqual([
      { index: 0, code: 'INVALID_RECORD', message: expect.any(String), path: '$[0].ChangeEventHeader.entityName' },
      { index: 2, code: 'INVALID_RECORD', message: expect.stringContaining('bitmap'), path: expect.any(String) },
      {
        index: 3,
        code: 'INVALID_RECORD',
        message: expect.any(String),
        path: '$[3].ChangeEventHeader.transactionKey',
      },
    ]);
  });

  it('skips a wildcard record id and a change event of another object', () => {
    const wildcard = json('cdc-contact-update.json');
    wildcard.ChangeEventHeader.recordIds = ['003*'];
    const account = json('cdc-contact-update.json');
    account.ChangeEventHeader.entityName = 'Opportunity';
    const out = recordsOf([wildcard, account]);
    expect(out.records).toEqual([]);
    expect(out.skipped).toEqual([
      { index: 0, reason: expect.stringContaining('003*') },
      { index: 1, reason: expect.stringContaining('Opportunity') },
    ]);
  });

  it('property: an UPDATE patch holds exactly the changed fields, whatever else the body carries', () => {
    const fields = ['Email', 'Title', 'Phone', 'Department', 'Name.FirstName', 'Name.LastName', 'MailingAddress.City'];
    const paths: Record<string, string> = {
      Email: 'email',
      Title: 'jobTitle',
      Phone: 'phone',
      Department: 'custom.salesforce.Department',
      'Name.FirstName': 'firstName',
      'Name.LastName': 'lastName',
      'MailingAddress.City': 'address.city',
    };
    const value = (field: string) => (field === 'Email' ? 'x@example.com' : field === 'Phone' ? '+48600700800' : 'v');
    fc.assert(
      fc.property(fc.subarray(fields), fc.subarray(fields), fc.boolean(), (changed, nulled, noise) => {
        const event: Record<string, any> = {
          ChangeEventHeader: {
            ...json('cdc-contact-update.json').ChangeEventHeader,
            changedFields: ['LastModifiedDate', ...changed],
            nulledFields: nulled,
          },
          Name: { FirstName: null, LastName: null },
          MailingAddress: { City: null },
        };
        for (const field of fields) {
          const set = changed.includes(field) && !nulled.includes(field);
          const v = set || noise ? value(field) : null;
          if (field.startsWith('Name.')) event.Name[field.slice(5)] = set ? v : null;
          else if (field.startsWith('MailingAddress.')) event.MailingAddress.City = set ? v : null;
          else event[field] = set ? v : noise && !changed.includes(field) ? null : v;
        }
        const attributes = (recordsOf(event).records[0].attributes ?? {}) as Record<string, any>;
        const flat: Record<string, unknown> = {};
        for (const [key, v] of Object.entries(attributes)) {
          if (key === 'address' || key === 'custom') {
            for (const [sub, subValue] of Object.entries(v)) flat[`${key}.${sub}`] = subValue;
          } else flat[key] = v;
        }
        const expected = new Set([...changed, ...nulled].map((f) => paths[f]));
        expect(new Set(Object.keys(flat))).toEqual(expected);
        for (const field of nulled) expect(flat[paths[field]]).toBeNull();
      }),
      { numRuns: 200 },
    );
  });
});

describe('salesforce adapter: REST sObjects', () => {
  it('maps a retrieved contact: +0000 timestamp, opt-out as a withdrawn consent, compound copies dropped', () => {
    const out = recordsOf(json('rest-contact.json'));
    expect(out.records).toHaveLength(1);
    const record = out.records[0];
    expect(record).toMatchObject({
      externalId: '0035f00002EztyBAAR',
      objectType: 'contact',
      updatedAt: '2026-11-01T10:00:00.000Z',
      eventId: expect.stringMatching(/^rest:Contact:0035f00002EztyBAAR:[\w-]{22}$/),
      attributes: {
        email: 'piotr.zielinski@example.com',
        firstName: 'Piotr',
        lastName: 'Zieliński',
        // Phone is null in the snapshot: MobilePhone stands in.
        phone: '+48 600 700 801',
        jobTitle: 'Buyer',
        birthDate: '1975-06-15',
        address: {
          line1: 'ul. Piotrkowska 100',
          line2: null,
          city: 'Łódź',
          region: null,
          postalCode: '90-004',
          country: 'PL',
        },
      },
      consents: [
        {
          purpose: 'email_marketing',
          channel: 'email',
          status: 'withdrawn',
          capturedAt: '2026-11-01T10:00:00.000Z',
          evidence: { object: 'Contact', field: 'HasOptedOutOfEmail', value: true, via: 'rest' },
        },
      ],
    });
    const custom = (record.attributes as any).custom;
    // A snapshot's null is a fact (the field is empty in Salesforce), so it clears.
    expect(custom).toMatchObject({ 'salesforce.Fax': null, 'salesforce.Department': 'Procurement' });
    for (const key of ['MailingAddress', 'OtherAddress', 'Name', 'OwnerId', 'SystemModstamp', 'attributes', 'Id']) {
      expect(custom).not.toHaveProperty(`salesforce.${key}`);
    }
    expect(record).not.toHaveProperty('deleted');
    expectValid(out.records);
  });

  it('invents no grant when HasOptedOutOfEmail is false', () => {
    const contact = json('rest-contact.json');
    contact.HasOptedOutOfEmail = false;
    expect(recordsOf(contact).records[0]).not.toHaveProperty('consents');
  });

  it('maps a query result: Account.Name as company, country names in any language, an unknown one kept aside', () => {
    const out = recordsOf(json('rest-query-result.json'));
    expect(out.records).toHaveLength(2);
    expect(out.records[0]).toMatchObject({
      externalId: '0035f00002EztzQAAR',
      updatedAt: '2026-11-01T11:30:00.000Z',
      attributes: { company: 'Wisła Foods S.A.', phone: '+48 22 123 45 67', address: { country: 'PL' } },
    });
    const second = out.records[1].attributes as any;
    expect(second.company).toBeNull();
    expect(second.phone).toBe('+48 600 700 802');
    expect(second.address).toEqual({ line1: null, line2: null, city: 'Gdańsk', postalCode: null });
    expect(second.custom['salesforce.MailingCountry']).toBe('Kingdom of Ruritania');
    expectValid(out.records);
  });

  it('marks a record deleted by a merge as merged, linked to the surviving record', () => {
    const out = recordsOf(json('rest-deleted-contact-merged.json'));
    expect(out.records).toEqual([
      {
        source: 'salesforce',
        externalId: '0035f00002Ezu2CAAR',
        objectType: 'contact',
        updatedAt: '2026-11-02T07:15:00.000Z',
        eventId: expect.stringMatching(/^rest:Contact:0035f00002Ezu2CAAR:/),
        deleted: true,
        deleteReason: 'merged',
        links: [{ source: 'salesforce', externalId: '0035f00002EztzQAAR' }],
      },
    ]);
    expectValid(out.records);
  });

  it('links a converted lead fetched over REST with the same event id as its change event', () => {
    const lead = {
      attributes: { type: 'Lead', url: '/services/data/v60.0/sobjects/Lead/00Q5f00000Ab1CdEAJ' },
      Id: '00Q5f00000Ab1CdEAJ',
      IsConverted: true,
      ConvertedContactId: '0035f00002Ezu1AAAR',
      ConvertedDate: '2026-11-05',
      LastModifiedDate: '2026-11-05T15:00:00.000+0000',
    };
    const record = recordsOf(lead).records[0];
    expect(record.links).toEqual([{ source: 'salesforce', externalId: '0035f00002Ezu1AAAR' }]);
    expect((record.events as any[])[0].id).toBe('lead_converted:00Q5f00000Ab1CdEAJ');
  });

  it('gives a snapshot a stable event id that changes with its content', () => {
    const contact = json('rest-contact.json');
    const first = recordsOf(contact).records[0].eventId;
    expect(recordsOf(contact).records[0].eventId).toBe(first);
    expect(recordsOf({ ...contact, Title: 'Senior Buyer' }).records[0].eventId).not.toBe(first);
  });

  it('skips other objects and rejects an sObject without an Id', () => {
    const account = { attributes: { type: 'Account' }, Id: '0015f00002JUX1JAAX', Name: 'Wisła Foods S.A.' };
    const noId = { attributes: { type: 'Contact' }, LastName: 'Nowak' };
    const out = recordsOf([account, noId]);
    expect(out.records).toEqual([]);
    expect(out.skipped).toEqual([{ index: 0, reason: expect.stringContaining('Account') }]);
    expect(out.rejected).toEqual([
      { index: 1, code: 'MISSING_EXTERNAL_ID', message: expect.any(String), path: '$[1].Id' },
    ]);
  });

  it("applies a deployment's mapping on top of the default", () => {
    const out = recordsOf(json('rest-contact.json'), {
      mapping: { fields: { Department: 'custom.department', MobilePhone: 'custom.mobile' } },
    });
    const attributes = out.records[0].attributes as any;
    expect(attributes.custom.department).toBe('Procurement');
    expect(attributes.custom.mobile).toBe('+48 600 700 801');
    // MobilePhone has a rule of its own now: it no longer stands in for the empty Phone.
    expect(attributes.phone).toBeNull();
  });
});

describe('salesforce adapter: Outbound Messages', () => {
  it('maps every notification, nil fields cleared, and answers with the SOAP Ack', () => {
    const request = soap(fixture('outbound-message-contacts.xml'));
    const out = salesforceAdapter.toRecords(request, settings);
    expect(out.records).toHaveLength(2);
    expect(out.records[0]).toEqual({
      source: 'salesforce',
      externalId: '0035f00002Ezu3DAAR',
      objectType: 'contact',
      updatedAt: '2026-11-04T09:00:00.000Z',
      eventId: expect.stringMatching(/^om:04l5f00000LmNoPAAV:0035f00002Ezu3DAAR:[\w-]{22}$/),
      attributes: {
        email: 'ewa.kaminska@example.com',
        firstName: 'Ewa',
        lastName: 'Kamińska',
        phone: null,
        jobTitle: 'Marketing Lead',
        birthDate: '1988-03-21',
        address: { city: 'Poznań', country: 'PL' },
        custom: { 'salesforce.AccountId': '0015f00002JUX1JAAX', 'salesforce.HasOptedOutOfEmail': false },
      },
    });
    expect(out.records[1]).toMatchObject({
      externalId: '0035f00002Ezu4EAAR',
      attributes: { birthDate: null, jobTitle: null, phone: '+48 71 123 45 67', address: { country: 'PL' } },
      consents: [{ status: 'withdrawn', evidence: { via: 'outbound_message' } }],
    });
    expectValid(out.records);
    const answer = salesforceAdapter.respond!(request, { accepted: 2, rejected: 0 })!;
    expect(answer).toEqual({ status: 200, contentType: 'text/xml; charset=utf-8', body: OUTBOUND_MESSAGE_ACK });
    expect(answer.body).toContain(
      '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">\n      <Ack>true</Ack>',
    );
  });

  it('gives a re-delivered notification the same event id', () => {
    const body = fixture('outbound-message-contacts.xml');
    const ids = (text: string) => salesforceAdapter.toRecords(soap(text), settings).records.map((r) => r.eventId);
    expect(ids(body)).toEqual(ids(body));
    // A retry that Salesforce refilled with newer values is a new change, not a replay.
    expect(ids(body.replace('Marketing Lead', 'Head of Marketing'))[0]).not.toBe(ids(body)[0]);
  });

  it('skips notifications of other objects and rejects unreadable ones', () => {
    const body = fixture('outbound-message-contacts.xml')
      .replace('xsi:type="sf:Contact"', 'xsi:type="sf:Opportunity"')
      .replace('<sf:FirstName>Jan</sf:FirstName>', '<sf:FirstName>Jan</sf:FirstName><sf:FirstName>J.</sf:FirstName>');
    const out = salesforceAdapter.toRecords(soap(body), settings);
    expect(out.records).toEqual([]);
    expect(out.skipped).toEqual([{ index: 0, reason: expect.stringContaining('Opportunity') }]);
    expect(out.rejected).toEqual([
      {
        index: 1,
        code: 'INVALID_RECORD',
        message: expect.stringContaining('FirstName'),
        path: '$.notifications.Notification[1]',
      },
    ]);
  });

  it('answers a refusal of an Outbound Message with a SOAP fault, and a relay with a JSON error', () => {
    const error = new AdapterError('INVALID_SIGNATURE', 'the Outbound Message comes from <another> organisation');
    const fault = salesforceAdapter.respondError!(soap('<x/>'), error)!;
    expect(fault.status).toBe(401);
    expect(fault.contentType).toBe('text/xml; charset=utf-8');
    expect(fault.body).toContain('<faultcode>soapenv:Client</faultcode>');
    expect(fault.body).toContain(
      '<faultstring>INVALID_SIGNATURE: the Outbound Message comes from &lt;another&gt; organisation</faultstring>',
    );
    const server = salesforceAdapter.respondError!(soap('<x/>'), new AdapterError('NOT_CONFIGURED', 'set it'));
    expect(server).toMatchObject({ status: 503, body: expect.stringContaining('soapenv:Server') });
    // A JSON relay gets the hub's default answers (with per-record results and dead-letter ids).
    expect(salesforceAdapter.respondError!(request('{}'), error)).toBeUndefined();
    expect(salesforceAdapter.respond!(request('{}'), { accepted: 1, rejected: 0 })).toBeUndefined();
  });

  it('never keeps the session id of an Outbound Message in a stored body', () => {
    const body = fixture('outbound-message-contacts.xml').replace(
      '<SessionId xsi:nil="true"/>',
      '<SessionId>00D5f000000Jb9S!AQ4AQFwLiveSessionToken</SessionId>',
    );
    expect(body).toContain('LiveSessionToken');
    const stored = salesforceAdapter.redact!(body);
    expect(stored).toContain('<SessionId>[redacted]</SessionId>');
    expect(stored).not.toContain('LiveSessionToken');
  });
});

describe('salesforce adapter: unreadable bodies', () => {
  it.each([
    ['an empty body', '', 'application/json', 'MALFORMED_PAYLOAD'],
    ['broken JSON', '{"ChangeEventHeader": ', 'application/json', 'MALFORMED_PAYLOAD'],
    ['JSON that is not Salesforce', '{"hello": "world"}', 'application/json', 'UNSUPPORTED_PAYLOAD'],
    ['XML that is not well-formed', '<soapenv:Envelope><a></soapenv:Envelope>', 'text/xml', 'MALFORMED_PAYLOAD'],
    ['XML with a DTD', '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', 'text/xml', 'MALFORMED_PAYLOAD'],
    [
      'XML that is not an Outbound Message',
      '<Envelope><Body><other/></Body></Envelope>',
      'text/xml',
      'UNSUPPORTED_PAYLOAD',
    ],
  ])('refuses %s with %s', (_name, body, contentType, code) => {
    expect(refusal(() => salesforceAdapter.toRecords(request(body, { contentType }), settings)).code).toBe(code);
  });

  it('takes an empty query result as nothing to do', () => {
    expect(recordsOf({ totalSize: 0, done: true, records: [] })).toEqual({ records: [] });
  });
});

describe('countryCode', () => {
  it.each([
    ['Poland', 'PL'],
    ['polska', 'PL'],
    ['PL', 'PL'],
    ['pl', 'PL'],
    ['Deutschland', 'DE'],
    ['Germany', 'DE'],
    ['United States', 'US'],
    ['USA', 'US'],
    ['U.S.A.', 'US'],
    ['United Kingdom', 'GB'],
    ['UK', 'GB'],
    ['Turkey', 'TR'],
    ['Türkiye', 'TR'],
    ["Cote d'Ivoire", 'CI'],
    ['Czech Republic', 'CZ'],
    ['Myanmar', 'MM'],
    ['Burma', 'MM'],
  ])('%s → %s', (name, code) => {
    expect(countryCode(name)).toBe(code);
  });

  it.each(['Kingdom of Ruritania', 'XX', 'ZZ', 'EU', '', '  '])('%p → nothing', (name) => {
    expect(countryCode(name)).toBeUndefined();
  });
});
