import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { validateCanonicalRecord } from '../../canonical-record';
import { AdapterError, type AdapterSettings, type InboundRequest } from '../adapter';
import { countryCode, hubSpotDate } from './map';
import { hubspotAdapter } from './hubspot.adapter';
import { signedUri } from './verify';

const SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
const SETTINGS: AdapterSettings = { secrets: { HUBSPOT_CLIENT_SECRET: SECRET } };
const PUBLIC_URL = 'https://hub.example.com/webhooks/hubspot';
const NOW = new Date('2025-11-01T12:30:00.000Z');

const fixture = (name: string): Buffer => readFileSync(join(__dirname, 'fixtures', name));

function sign(method: string, uri: string, body: string | Buffer, timestamp: string, secret = SECRET): string {
  return createHmac('sha256', secret).update(`${method}${uri}${body.toString()}${timestamp}`).digest('base64');
}

function request(body: string | Buffer, overrides: Partial<InboundRequest> = {}): InboundRequest {
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const timestamp = String(NOW.getTime() - 1000);
  return {
    method: 'POST',
    url: '/webhooks/hubspot',
    publicUrl: PUBLIC_URL,
    headers: {
      'content-type': 'application/json',
      'x-hubspot-signature-v3': sign('POST', PUBLIC_URL, rawBody, timestamp),
      'x-hubspot-request-timestamp': timestamp,
    },
    query: {},
    rawBody,
    receivedAt: NOW,
    ...overrides,
  };
}

function refusal(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof AdapterError) return error.code;
    throw error;
  }
  return 'ACCEPTED';
}

const toRecords = (body: string | Buffer, settings: AdapterSettings = SETTINGS) =>
  hubspotAdapter.toRecords(request(body), settings);

describe('hubspot adapter: v3 signature', () => {
  it('accepts a request signed over method + URL + body + timestamp with the client secret', () => {
    expect(refusal(() => hubspotAdapter.verify(request(fixture('contact-events.json')), SETTINGS))).toBe('ACCEPTED');
  });

  it('signs the URL with the listed percent-escapes decoded, as HubSpot does', () => {
    const publicUrl = 'https://hub.example.com/webhooks/hubspot?next=%2Fhome%3Fa%3A1&tag=%40team%2C%20b';
    expect(signedUri(publicUrl)).toBe('https://hub.example.com/webhooks/hubspot?next=/home?a:1&tag=@team,%20b');
    const body = fixture('contact-events.json');
    const timestamp = String(NOW.getTime());
    const decoded = sign('POST', signedUri(publicUrl), body, timestamp);
    const encoded = sign('POST', publicUrl, body, timestamp);
    const headers = (signature: string) => ({
      'x-hubspot-signature-v3': signature,
      'x-hubspot-request-timestamp': timestamp,
    });
    expect(
      refusal(() => hubspotAdapter.verify(request(body, { publicUrl, headers: headers(decoded) }), SETTINGS)),
    ).toBe('ACCEPTED');
    expect(
      refusal(() => hubspotAdapter.verify(request(body, { publicUrl, headers: headers(encoded) }), SETTINGS)),
    ).toBe('INVALID_SIGNATURE');
  });

  it('refuses a request without the signature or the timestamp header', () => {
    const signed = request('[]');
    expect(refusal(() => hubspotAdapter.verify({ ...signed, headers: {} }, SETTINGS))).toBe('MISSING_SIGNATURE');
    const onlyTimestamp = { 'x-hubspot-request-timestamp': signed.headers['x-hubspot-request-timestamp'] };
    expect(refusal(() => hubspotAdapter.verify({ ...signed, headers: onlyTimestamp }, SETTINGS))).toBe(
      'MISSING_SIGNATURE',
    );
    const onlySignature = { 'x-hubspot-signature-v3': signed.headers['x-hubspot-signature-v3'] };
    expect(refusal(() => hubspotAdapter.verify({ ...signed, headers: onlySignature }, SETTINGS))).toBe(
      'MISSING_SIGNATURE',
    );
  });

  it('refuses a wrong secret, a changed body, method or URL, and a timestamp that is not epoch ms', () => {
    const body = fixture('contact-events.json');
    const timestamp = String(NOW.getTime());
    const withSignature = (signature: string, ts = timestamp) => ({
      'x-hubspot-signature-v3': signature,
      'x-hubspot-request-timestamp': ts,
    });
    const wrongSecret = sign('POST', PUBLIC_URL, body, timestamp, 'another-secret');
    expect(refusal(() => hubspotAdapter.verify(request(body, { headers: withSignature(wrongSecret) }), SETTINGS))).toBe(
      'INVALID_SIGNATURE',
    );
    const signed = request(body);
    const tampered = Buffer.from(body.toString().replace('Ann', 'Eve'));
    expect(refusal(() => hubspotAdapter.verify({ ...signed, rawBody: tampered }, SETTINGS))).toBe('INVALID_SIGNATURE');
    expect(refusal(() => hubspotAdapter.verify({ ...signed, method: 'PUT' }, SETTINGS))).toBe('INVALID_SIGNATURE');
    expect(refusal(() => hubspotAdapter.verify({ ...signed, publicUrl: `${PUBLIC_URL}?x=1` }, SETTINGS))).toBe(
      'INVALID_SIGNATURE',
    );
    const notEpoch = withSignature(sign('POST', PUBLIC_URL, body, 'yesterday'), 'yesterday');
    expect(refusal(() => hubspotAdapter.verify(request(body, { headers: notEpoch }), SETTINGS))).toBe(
      'INVALID_SIGNATURE',
    );
  });

  it('refuses a correctly signed request whose timestamp is more than five minutes from receipt', () => {
    const body = fixture('contact-events.json');
    const at = (offsetMs: number) => {
      const timestamp = String(NOW.getTime() + offsetMs);
      const headers = {
        'x-hubspot-signature-v3': sign('POST', PUBLIC_URL, body, timestamp),
        'x-hubspot-request-timestamp': timestamp,
      };
      return refusal(() => hubspotAdapter.verify(request(body, { headers }), SETTINGS));
    };
    expect(at(-5 * 60 * 1000)).toBe('ACCEPTED');
    expect(at(-5 * 60 * 1000 - 1)).toBe('STALE_SIGNATURE');
    expect(at(-24 * 60 * 60 * 1000)).toBe('STALE_SIGNATURE');
    expect(at(10 * 60 * 1000)).toBe('STALE_SIGNATURE');
  });

  it('accepts nothing while HUBSPOT_CLIENT_SECRET is not set', () => {
    expect(hubspotAdapter.secretNames).toEqual(['HUBSPOT_CLIENT_SECRET']);
    expect(refusal(() => hubspotAdapter.verify(request('[]'), { secrets: {} }))).toBe('NOT_CONFIGURED');
    expect(refusal(() => hubspotAdapter.verify(request('[]'), { secrets: { HUBSPOT_CLIENT_SECRET: '' } }))).toBe(
      'NOT_CONFIGURED',
    );
  });
});

describe('hubspot adapter: webhook events', () => {
  it('maps a batch to one record per event, in the order the changes happened', () => {
    const { records, skipped, rejected } = toRecords(fixture('contact-events.json'));
    expect(skipped).toEqual([]);
    expect(rejected).toEqual([]);
    expect(records.map((r) => r.updatedAt)).toEqual([
      '2025-11-01T12:26:40.000Z',
      '2025-11-01T12:26:40.400Z',
      '2025-11-01T12:26:40.500Z',
      '2025-11-01T12:26:40.600Z',
      '2025-11-01T12:26:40.700Z',
      '2025-11-01T12:26:40.800Z',
      '2025-11-01T12:26:40.900Z',
    ]);
    expect(
      records.every((r) => r.source === 'hubspot' && r.externalId === '1246978' && r.objectType === 'contact'),
    ).toBe(true);
    expect(records[0]).toEqual({
      source: 'hubspot',
      externalId: '1246978',
      objectType: 'contact',
      updatedAt: '2025-11-01T12:26:40.000Z',
      eventId: '62515:22:3816279340:1246978',
    });
    expect(records.slice(1).map((r) => r.attributes)).toEqual([
      { email: 'Ann.Example@Example.com' },
      { firstName: 'Ann' },
      { lastName: 'Example' },
      { address: { country: 'PL' } },
      { birthDate: '1980-02-01' },
      { custom: { 'hubspot.lifecyclestage': 'subscriber' } },
    ]);
  });

  it('patches only the property that changed and never sends null for an untouched field', () => {
    const { records } = toRecords(fixture('contact-events.json'));
    const firstName = records.find((r) => (r.attributes as any)?.firstName)!;
    expect(firstName.attributes).toEqual({ firstName: 'Ann' });
    for (const record of records) {
      expect(JSON.stringify(record.attributes ?? {})).not.toContain('null');
      expect(record).not.toHaveProperty('deleted');
    }
  });

  it('reads an empty propertyValue as the user clearing the property', () => {
    const { records } = toRecords(fixture('contact-property-clear.json'));
    expect(records.map((r) => r.attributes)).toEqual([{ jobTitle: null }, { address: { city: 'Kraków' } }]);
  });

  it('keeps eventId stable across retries and distinct across portals, subscriptions and objects', () => {
    const batch = JSON.parse(fixture('contact-events.json').toString()) as Record<string, unknown>[];
    const first = toRecords(JSON.stringify(batch)).records.map((r) => r.eventId);
    const retried = toRecords(JSON.stringify(batch.map((e) => ({ ...e, attemptNumber: 3 })))).records.map(
      (r) => r.eventId,
    );
    expect(retried).toEqual(first);
    expect(new Set(first).size).toBe(first.length);

    const same = batch[2];
    const variants = [
      same,
      { ...same, portalId: 99001 },
      { ...same, subscriptionId: 99 },
      { ...same, objectId: 1246979 },
    ];
    const ids = toRecords(JSON.stringify(variants)).records.map((r) => r.eventId);
    expect(new Set(ids).size).toBe(4);
  });

  it('orders any shuffle of a batch the same way (by occurredAt, stable for ties)', () => {
    const batch = JSON.parse(fixture('contact-events.json').toString()) as unknown[];
    const expected = toRecords(fixture('contact-events.json')).records;
    fc.assert(
      fc.property(fc.shuffledSubarray(batch, { minLength: batch.length }), (shuffled) => {
        expect(toRecords(JSON.stringify(shuffled)).records).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  it('links the surviving contact of a merge to each merged id and tombstones those', () => {
    const { records } = toRecords(fixture('contact-merge.json'));
    expect(records).toEqual([
      {
        source: 'hubspot',
        externalId: '1246978',
        objectType: 'contact',
        updatedAt: '2025-11-01T14:26:40.000Z',
        eventId: '62515:41:1984561223:1246978:1246978',
        links: [{ source: 'hubspot', externalId: '1247011' }],
      },
      {
        source: 'hubspot',
        externalId: '1247011',
        objectType: 'contact',
        updatedAt: '2025-11-01T14:26:40.000Z',
        eventId: '62515:41:1984561223:1246978:1247011',
        deleted: true,
        deleteReason: 'merged',
        links: [{ source: 'hubspot', externalId: '1246978' }],
      },
    ]);
  });

  it('makes a merge into a new contact merge away the primary too', () => {
    const [merge] = JSON.parse(fixture('contact-merge.json').toString());
    const { records } = toRecords(JSON.stringify([{ ...merge, objectId: 1250000, newObjectId: 1250000 }]));
    expect(records.map((r) => [r.externalId, r.deleted ?? false, r.links])).toEqual([
      [
        '1250000',
        false,
        [
          { source: 'hubspot', externalId: '1247011' },
          { source: 'hubspot', externalId: '1246978' },
        ],
      ],
      ['1247011', true, [{ source: 'hubspot', externalId: '1250000' }]],
      ['1246978', true, [{ source: 'hubspot', externalId: '1250000' }]],
    ]);
  });

  it('tombstones deletions and GDPR deletions and skips what is not contact data, with a reason', () => {
    const { records, skipped, rejected } = toRecords(fixture('contact-deletions.json'));
    expect(rejected).toEqual([]);
    expect(records.map((r) => [r.externalId, r.deleted, r.deleteReason])).toEqual([
      ['1247020', true, 'deleted'],
      ['1247021', true, 'privacy_deletion'],
    ]);
    expect(skipped).toEqual([
      { index: 2, reason: expect.stringContaining('association') },
      { index: 3, reason: expect.stringContaining('"company.propertyChange" is not a contact event') },
    ]);
  });

  it('undeletes a restored contact', () => {
    const [deletion] = JSON.parse(fixture('contact-deletions.json').toString());
    const { records } = toRecords(JSON.stringify([{ ...deletion, subscriptionType: 'contact.restore' }]));
    expect(records).toEqual([expect.objectContaining({ externalId: '1247020', deleted: false })]);
  });

  it('reads generic object.* webhooks for contacts (objectTypeId 0-1) like contact.* ones', () => {
    const [change] = JSON.parse(fixture('contact-events.json').toString());
    const generic = { ...change, subscriptionType: 'object.propertyChange', objectTypeId: '0-1' };
    const deal = { ...change, subscriptionType: 'object.propertyChange', objectTypeId: '0-3' };
    const { records, skipped } = toRecords(JSON.stringify([generic, deal]));
    expect(records.map((r) => r.attributes)).toEqual([{ firstName: 'Ann' }]);
    expect(skipped).toEqual([{ index: 1, reason: expect.any(String) }]);
  });

  it('turns an email opt-out into a withdrawn email-marketing consent and keeps the flag as source data', () => {
    const { records } = toRecords(fixture('contact-optout.json'));
    expect(records).toEqual([
      expect.objectContaining({
        attributes: { custom: { 'hubspot.hs_email_optout': 'true' } },
        consents: [
          {
            purpose: 'email_marketing',
            channel: 'email',
            status: 'withdrawn',
            capturedAt: '2025-11-01T16:26:40.000Z',
            evidence: { property: 'hs_email_optout', changeSource: 'EMAIL', portalId: '62515' },
          },
        ],
      }),
      expect.objectContaining({
        consents: [
          expect.objectContaining({
            status: 'withdrawn',
            evidence: expect.objectContaining({ property: 'hs_email_optout_6125111', subscriptionTypeId: '6125111' }),
          }),
        ],
      }),
    ]);
    const [optOut] = JSON.parse(fixture('contact-optout.json').toString());
    const resubscribe = toRecords(JSON.stringify([{ ...optOut, propertyValue: 'false' }])).records;
    expect(resubscribe[0]).not.toHaveProperty('consents');
  });

  it('rejects unreadable events on their own and maps the rest', () => {
    const batch = JSON.parse(fixture('contact-events.json').toString()) as Record<string, unknown>[];
    const { objectId: _objectId, ...noObject } = batch[0];
    const { eventId: _eventId, ...noEventId } = batch[2];
    const body = JSON.stringify([noObject, batch[1], noEventId, 'hello', { ...batch[3], occurredAt: 'soon' }]);
    const { records, rejected } = toRecords(body);
    expect(records).toHaveLength(1);
    expect(rejected).toEqual([
      { index: 0, code: 'INVALID_RECORD', message: 'objectId is missing', path: '$[0].objectId' },
      { index: 2, code: 'INVALID_RECORD', message: 'eventId is missing', path: '$[2].eventId' },
      { index: 3, code: 'INVALID_RECORD', message: expect.any(String), path: '$[3]' },
      { index: 4, code: 'INVALID_RECORD', message: expect.any(String), path: '$[4].occurredAt' },
    ]);
  });

  it('keeps ids beyond 2^53 exact', () => {
    const body =
      '[{"eventId":98765432109876543210,"subscriptionId":25,"portalId":62515,"occurredAt":1762000000000,' +
      '"subscriptionType":"contact.propertyChange","objectId":12345678901234567890,"propertyName":"firstname",' +
      '"propertyValue":"Ann 12345678901234567890","attemptNumber":0}]';
    const { records } = toRecords(body);
    expect(records[0]).toMatchObject({
      externalId: '12345678901234567890',
      eventId: '62515:25:98765432109876543210:12345678901234567890',
      attributes: { firstName: 'Ann 12345678901234567890' },
    });
  });

  it('applies the deployment mapping on top of the default one', () => {
    const [change] = JSON.parse(fixture('contact-events.json').toString());
    const mobile = { ...change, propertyName: 'mobilephone', propertyValue: '+48 601 234 567' };
    const stage = { ...change, eventId: 1, propertyName: 'lifecyclestage', propertyValue: 'lead' };
    const birth = { ...change, eventId: 2, propertyName: 'date_of_birth', propertyValue: '31.12.1980' };
    const body = JSON.stringify([mobile, stage, birth]);
    expect(toRecords(body).records.map((r) => r.attributes)).toEqual([
      { custom: { mobilePhone: '+48 601 234 567' } },
      { custom: { 'hubspot.lifecyclestage': 'lead' } },
      { birthDate: '31.12.1980' },
    ]);
    const settings: AdapterSettings = {
      ...SETTINGS,
      mapping: {
        fields: { mobilephone: 'phone', date_of_birth: { path: 'birthDate', format: 'date:YYYY-MM-DD' } },
        unmapped: 'drop',
      },
    };
    const remapped = toRecords(body, settings);
    expect(remapped.records.map((r) => r.attributes)).toEqual([{ phone: '+48 601 234 567' }]);
    expect(remapped.skipped).toEqual([{ index: 1, reason: expect.stringContaining('not mapped') }]);
    expect(remapped.rejected).toEqual([
      { index: 2, code: 'INVALID_DATE', message: expect.stringContaining('date_of_birth'), path: '$[2].propertyValue' },
    ]);
  });
});

describe('hubspot adapter: CRM contact objects', () => {
  it('maps a contact object with the default mapping, leaving unset properties alone', () => {
    const { records, rejected } = toRecords(fixture('crm-contact.json'));
    expect(rejected).toEqual([]);
    expect(records).toEqual([
      {
        source: 'hubspot',
        externalId: '1246978',
        objectType: 'contact',
        updatedAt: '2025-11-02T08:00:00.000Z',
        eventId: 'crm:1246978:2025-11-02T08:00:00.000Z',
        deleted: false,
        attributes: {
          email: 'ann.example@example.com',
          firstName: 'Ann',
          lastName: 'Example',
          phone: '+48 12 345 67 89',
          jobTitle: 'Procurement Lead',
          company: 'Example Sp. z o.o.',
          address: {
            line1: 'ul. Przykładowa 1',
            city: 'Kraków',
            postalCode: '30-001',
            region: 'Małopolskie',
            country: 'PL',
          },
          birthDate: '1980-02-01',
          custom: {
            mobilePhone: '+48 601 234 567',
            'hubspot.lifecyclestage': 'customer',
            'hubspot.hs_email_optout': 'false',
          },
        },
      },
    ]);
  });

  it('maps a results page: archived contacts are tombstones, opt-outs are consents for the email', () => {
    const { records } = toRecords(fixture('crm-contacts-page.json'));
    expect(records.map((r) => r.externalId)).toEqual(['1247101', '1247102']);
    expect(records[0]).toMatchObject({
      deleted: false,
      attributes: { custom: { 'hubspot.country': 'Atlantis' } },
      consents: [
        {
          purpose: 'email_marketing',
          channel: 'email',
          status: 'withdrawn',
          capturedAt: '2025-11-03T10:15:00.000Z',
          contactPoint: 'bo.sample@example.org',
        },
      ],
    });
    expect(records[0].attributes).not.toHaveProperty('address');
    expect(records[1]).toMatchObject({
      updatedAt: '2025-11-04T16:30:00.000Z',
      eventId: 'crm:1247102:2025-11-04T16:30:00.000Z:archived',
      deleted: true,
      deleteReason: 'deleted',
    });
  });

  it('gives the same snapshot the same eventId and a newer one another', () => {
    const contact = JSON.parse(fixture('crm-contact.json').toString());
    const first = toRecords(JSON.stringify(contact)).records[0].eventId;
    expect(toRecords(JSON.stringify(contact)).records[0].eventId).toBe(first);
    const newer = { ...contact, updatedAt: '2025-11-02T08:00:00.001Z' };
    expect(toRecords(JSON.stringify(newer)).records[0].eventId).not.toBe(first);
  });

  it('rejects a contact without a change time', () => {
    const contact = JSON.parse(fixture('crm-contact.json').toString());
    delete contact.updatedAt;
    delete contact.properties.lastmodifieddate;
    const { records, rejected } = toRecords(JSON.stringify({ results: [contact] }));
    expect(records).toEqual([]);
    expect(rejected).toEqual([
      { index: 0, code: 'INVALID_DATE', message: expect.any(String), path: '$.results[0].updatedAt' },
    ]);
  });
});

describe('hubspot adapter: bodies', () => {
  it('refuses a body that is not JSON and one of another shape', () => {
    expect(refusal(() => toRecords('[{"eventId": 1,'))).toBe('MALFORMED_PAYLOAD');
    expect(refusal(() => toRecords(''))).toBe('MALFORMED_PAYLOAD');
    expect(refusal(() => toRecords('{"vid": 1246978}'))).toBe('UNSUPPORTED_PAYLOAD');
    expect(refusal(() => toRecords('"contact.creation"'))).toBe('UNSUPPORTED_PAYLOAD');
  });

  it('produces records the canonical validator accepts, for every fixture', () => {
    const fixtures = [
      'contact-events.json',
      'contact-property-clear.json',
      'contact-merge.json',
      'contact-deletions.json',
      'contact-optout.json',
      'crm-contact.json',
      'crm-contacts-page.json',
    ];
    for (const name of fixtures) {
      for (const record of toRecords(fixture(name)).records) {
        const result = validateCanonicalRecord(record, 'hubspot', NOW, { phoneRegion: 'PL' });
        expect({ name, result }).toEqual({ name, result: expect.objectContaining({ ok: true }) });
      }
    }
  });

  it('normalises HubSpot country names and date spellings', () => {
    expect(countryCode('Poland')).toBe('PL');
    expect(countryCode(' united   kingdom ')).toBe('GB');
    expect(countryCode('USA')).toBe('US');
    expect(countryCode('de')).toBe('DE');
    expect(countryCode('UK')).toBe('GB');
    expect(countryCode('European Union')).toBeUndefined();
    expect(countryCode('Atlantis')).toBeUndefined();
    expect(hubSpotDate('318211200000')).toBe('1980-02-01');
    expect(hubSpotDate('1980-02-01T00:00:00.000Z')).toBe('1980-02-01');
    expect(hubSpotDate('1980-02-01')).toBe('1980-02-01');
    expect(hubSpotDate('02/01/1980')).toBe('02/01/1980');
  });
});
