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
        eventId: undefined,
        deleted: false,
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
  ])('rejects %j with %s at %s', (raw, source, code, path) => {
    const result = validateCanonicalRecord(raw, source as string | undefined, at);
    expect(result).toMatchObject({ ok: false, code, path });
    expect(result.ok === false && result.message.length).toBeGreaterThan(0);
  });
});
