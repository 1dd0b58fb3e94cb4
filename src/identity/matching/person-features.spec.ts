import fc from 'fast-check';
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

describe('featuresFromAttributes: white space and phones', () => {
  // Text is trimmed and its white space collapsed; values that need neither skip the regular expressions. Either
  // way the outcome must be the regular expressions' own.
  const spaces = [' ', '  ', '\t', '\n', '\u00a0', '\u2003', '\u3000', '\ufeff', '\u0001'];
  const piece = fc.oneof(fc.constantFrom(...spaces), fc.constantFrom('a', 'Ł', 'é', '日本', '-', "'", '0'));
  const textOf = fc.array(piece, { maxLength: 8 }).map((parts) => parts.join(''));

  it('reads names, cities and postal codes as trimmed and collapsed by \\s', () => {
    fc.assert(
      fc.property(textOf, (value) => {
        const expected = value.trim().replace(/\s+/g, ' ') || undefined;
        const features = featuresFromAttributes({ firstName: value, 'address.city': value });
        expect(features.firstName).toBe(expected);
        expect(features.address?.city).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps only + and digits of a phone, E.164 or not', () => {
    const phone = fc
      .array(fc.constantFrom('+', '1', '2', '9', ' ', '-', '(', ')', 'x', '\t'), { maxLength: 12 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(phone, (value) => {
        const trimmed = value.trim().replace(/\s+/g, ' ');
        const digits = trimmed.replace(/(?!^\+)[^\d]/g, '');
        const expected = trimmed !== '' && /\d/.test(digits) ? digits : undefined;
        expect(featuresFromAttributes({ phone: value }).phone).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
