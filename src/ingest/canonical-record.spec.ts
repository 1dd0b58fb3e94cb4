import { setFlagsFromString } from 'node:v8';
import { validateCanonicalRecord } from './canonical-record';

const at = new Date('2026-11-27T12:00:00Z');

describe('validateCanonicalRecord', () => {
  it('normalises a CRM contact into flat attributes', () => {
    const result = validateCanonicalRecord(
      {
        source: 'salesforce',
        externalId: '0035f00002EztxDAAR',
        updatedAt: '2026-11-01T12:00:00+02:00',
        attributes: {
          email: ' Ann@Example.COM ',
          firstName: '  Ann   Marie ',
          lastName: 'McDonald',
          birthDate: '1980-02-01',
          address: { city: ' Kraków ', country: 'pl' },
          custom: { score: 5, tags: ['a'] },
        },
        identifiers: [{ type: 'customerNumber', value: ' C-1 ' }],
      },
      undefined,
      at,
    );
    expect(result).toEqual({
      ok: true,
      record: {
        source: 'salesforce',
        externalId: '0035f00002EztxDAAR',
        objectType: 'contact',
        updatedAt: '2026-11-01T10:00:00.000Z',
        attributes: {
          email: 'ann@example.com',
          firstName: 'Ann Marie',
          lastName: 'McDonald',
          birthDate: '1980-02-01',
          'address.city': 'Kraków',
          'address.country': 'PL',
          'custom.score': 5,
          'custom.tags': ['a'],
        },
        identifiers: [{ type: 'customerNumber', value: 'C-1' }],
        links: [],
        consents: [],
        events: [],
      },
    });
  });

  it('holds only the optional fields given, in the fields’ order, as an object with fast properties', () => {
    // V8's own test of an object's layout: a record in dictionary mode costs a hash look-up per field read.
    setFlagsFromString('--allow-natives-syntax');
    const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
    const plain = validateCanonicalRecord(
      { externalId: '1', eventId: 'e-1', attributes: { lastName: 'Nowak' } },
      'crm',
    );
    const tombstone = validateCanonicalRecord({ externalId: '2', deleted: true, sequence: 7 }, 'crm', at);
    const bare = validateCanonicalRecord({ externalId: '3' }, 'crm', at);
    if (!plain.ok || !tombstone.ok || !bare.ok) throw new Error('expected valid records');
    const common = ['attributes', 'identifiers', 'links', 'consents', 'events'];
    const head = ['source', 'externalId', 'objectType', 'updatedAt'];
    expect(Object.keys(plain.record)).toEqual([...head, 'eventId', ...common]);
    expect(Object.keys(tombstone.record)).toEqual([...head, 'deleted', 'deleteReason', 'sequence', ...common]);
    expect(Object.keys(bare.record)).toEqual([...head, ...common]);
    for (const { record } of [plain, tombstone, bare]) expect(hasFastProperties(record)).toBe(true);
  });

  it('writes phones in E.164, using the configured region for national numbers', () => {
    const national = validateCanonicalRecord({ externalId: '1', attributes: { phone: '600 700 800' } }, 'crm', at, {
      phoneRegion: 'PL',
    });
    expect(national.ok && national.record.attributes.phone).toBe('+48600700800');
    const international = validateCanonicalRecord(
      { externalId: '1', attributes: { phone: '+1 (415) 555-2671' } },
      'crm',
    );
    expect(international.ok && international.record.attributes.phone).toBe('+14155552671');
    const noRegion = validateCanonicalRecord({ externalId: '1', attributes: { phone: '600 700 800' } }, 'crm');
    expect(noRegion).toMatchObject({ ok: false, code: 'INVALID_PHONE', path: '$.attributes.phone' });
  });

  it('turns internationalised email domains into their ASCII form', () => {
    const result = validateCanonicalRecord({ externalId: '1', attributes: { email: 'Jürgen@Bücher.DE' } }, 'crm');
    expect(result.ok && result.record.attributes.email).toBe('jürgen@xn--bcher-kva.de');
  });

  it('keeps consents, events, the delete reason and a sequence beyond 2^53 exactly', () => {
    const result = validateCanonicalRecord(
      {
        externalId: '1',
        updatedAt: '2026-11-01T10:00:00Z',
        deleted: true,
        deleteReason: 'privacy_deletion',
        sequence: '18446744073709551615',
        consents: [{ purpose: 'email_marketing', channel: 'email', status: 'withdrawn', contactPoint: 'A@X.IO' }],
        events: [
          { id: 'e1', type: 'email_clicked', occurredAt: '2026-11-01T09:00:00Z', properties: { url: 'https://x.io' } },
        ],
      },
      'crm',
      at,
    );
    expect(result).toMatchObject({
      ok: true,
      record: {
        deleted: true,
        deleteReason: 'privacy_deletion',
        sequence: '18446744073709551615',
        consents: [
          {
            purpose: 'email_marketing',
            channel: 'email',
            status: 'withdrawn',
            contactPoint: 'a@x.io',
            capturedAt: '2026-11-01T10:00:00.000Z',
            evidence: {},
          },
        ],
        events: [
          {
            id: 'e1',
            type: 'email_clicked',
            occurredAt: '2026-11-01T09:00:00.000Z',
            properties: { url: 'https://x.io' },
          },
        ],
      },
    });
  });

  it('keeps null as "clear this field" and absent as "unchanged"', () => {
    const result = validateCanonicalRecord(
      { externalId: '1', attributes: { phone: null, address: null } },
      'hubspot',
      at,
    );
    expect(result.ok && result.record.attributes).toEqual({
      phone: null,
      'address.line1': null,
      'address.line2': null,
      'address.city': null,
      'address.postalCode': null,
      'address.region': null,
      'address.country': null,
    });
    expect(result.ok && result.record.updatedAt).toBe(at.toISOString());
  });

  it.each([
    [{ externalId: '1' }, undefined, 'MISSING_SOURCE', '$.source'],
    [{ source: 'Sales Force', externalId: '1' }, undefined, 'INVALID_SOURCE', '$.source'],
    [{ source: 'hubspot', externalId: '1' }, 'salesforce', 'SOURCE_MISMATCH', '$.source'],
    [{ source: 'hubspot' }, undefined, 'MISSING_EXTERNAL_ID', '$.externalId'],
    [{ source: 'hubspot', externalId: '  ' }, undefined, 'INVALID_RECORD', '$.externalId'],
    [
      { source: 'hubspot', externalId: '1', attributes: { email: 'ann@' } },
      undefined,
      'INVALID_EMAIL',
      '$.attributes.email',
    ],
    [
      { source: 'hubspot', externalId: '1', attributes: { email: 'a b@x.com' } },
      undefined,
      'INVALID_EMAIL',
      '$.attributes.email',
    ],
    [
      { source: 'hubspot', externalId: '1', attributes: { firstName: 42 } },
      undefined,
      'INVALID_TYPE',
      '$.attributes.firstName',
    ],
    [
      { source: 'hubspot', externalId: '1', attributes: { shoeSize: 42 } },
      undefined,
      'UNKNOWN_ATTRIBUTE',
      '$.attributes.shoeSize',
    ],
    [
      { source: 'hubspot', externalId: '1', attributes: { address: { planet: 'Mars' } } },
      undefined,
      'UNKNOWN_ATTRIBUTE',
      '$.attributes.address.planet',
    ],
    [
      { source: 'hubspot', externalId: '1', attributes: { address: { country: 'Poland' } } },
      undefined,
      'INVALID_COUNTRY',
      '$.attributes.address.country',
    ],
    [
      { source: 'hubspot', externalId: '1', attributes: { birthDate: '1980-02-30' } },
      undefined,
      'INVALID_DATE',
      '$.attributes.birthDate',
    ],
    [{ source: 'hubspot', externalId: '1', updatedAt: 'yesterday' }, undefined, 'INVALID_DATE', '$.updatedAt'],
    [{ source: 'hubspot', externalId: '1', deleted: 'yes' }, undefined, 'INVALID_TYPE', '$.deleted'],
    [{ source: 'hubspot', externalId: '1', colour: 'red' }, undefined, 'UNKNOWN_FIELD', '$.colour'],
    ['just a string', undefined, 'INVALID_TYPE', '$'],
    [{ source: 'crm', externalId: '1', sequence: '12abc' }, undefined, 'INVALID_TYPE', '$.sequence'],
    [
      { source: 'crm', externalId: '1', consents: [{ purpose: 'email_marketing', channel: 'email', status: 'maybe' }] },
      undefined,
      'INVALID_RECORD',
      '$.consents[0].status',
    ],
    [
      { source: 'crm', externalId: '1', events: [{ id: 'e', type: 'email_opened', occurredAt: 'now' }] },
      undefined,
      'INVALID_DATE',
      '$.events[0].occurredAt',
    ],
  ])('rejects %j with %s at %s', (raw, source, code, path) => {
    const result = validateCanonicalRecord(raw, source as string | undefined, at);
    expect(result).toMatchObject({ ok: false, code, path });
    expect(result.ok === false && result.message.length).toBeGreaterThan(0);
  });
});
