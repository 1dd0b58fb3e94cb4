import { featuresFromAttributes } from './person-features';

describe('featuresFromAttributes', () => {
  it('reads the flat attribute paths', () => {
    expect(
      featuresFromAttributes({
        email: ' Ann@Example.com ',
        firstName: ' Ann ',
        lastName: 'Example',
        birthDate: '1985-04-12',
        phone: '+48123456789',
        company: 'Example Industries',
        'address.line1': 'ul. Przykładowa 1',
        'address.city': 'Kraków',
        'address.postalCode': '30-001',
        'address.country': 'pl',
        'address.region': 'Małopolskie',
        'custom.x': 1,
      }),
    ).toEqual({
      email: 'ann@example.com',
      firstName: 'Ann',
      lastName: 'Example',
      birthDate: '1985-04-12',
      phone: '+48123456789',
      address: { line1: 'ul. Przykładowa 1', city: 'Kraków', postalCode: '30-001', country: 'PL' },
    });
  });

  it('leaves out null, empty and non-text values, and has no address without one', () => {
    expect(
      featuresFromAttributes({ email: null, firstName: '  ', lastName: 42, phone: true, 'address.city': null }),
    ).toEqual({ lastName: '42' });
    expect(featuresFromAttributes({})).toEqual({});
  });

  it('keeps only real dates, the date part of a timestamp, and drops placeholders', () => {
    expect(featuresFromAttributes({ birthDate: '1980-02-30' }).birthDate).toBeUndefined();
    expect(featuresFromAttributes({ birthDate: '1900-01-01' }).birthDate).toBeUndefined();
    expect(featuresFromAttributes({ birthDate: 'yesterday' }).birthDate).toBeUndefined();
    expect(featuresFromAttributes({ birthDate: '1980-02-01T00:00:00Z' }).birthDate).toBe('1980-02-01');
  });

  it('keeps only + and digits of a phone, and reads a nested address too', () => {
    expect(featuresFromAttributes({ phone: '+48 (601) 234-567' }).phone).toBe('+48601234567');
    expect(featuresFromAttributes({ address: { city: 'Gdańsk', postalCode: '80-001' } })).toEqual({
      address: { city: 'Gdańsk', postalCode: '80-001' },
    });
  });
});
