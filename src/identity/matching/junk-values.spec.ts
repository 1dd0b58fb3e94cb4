import { isJunkIdentifier, isJunkLocalPart } from './junk-values';

describe('isJunkIdentifier', () => {
  it.each([
    'test@test.com',
    'test@gmail.com',
    'TEST+1@acme.pl',
    'noreply@acme.pl',
    'no-reply@acme.pl',
    'donotreply@acme.pl',
    'unknown@acme.pl',
    'none@acme.pl',
    'n/a@acme.pl',
    'null@acme.pl',
    'asdf@acme.pl',
    'xxxx@acme.pl',
    'aaaaaa@acme.pl',
    'jan@test.com',
    'jan@shop.test',
    'jan@nowhere.invalid',
    'info@acme.pl',
    'sales@acme.pl',
    'support@acme.pl',
    'admin@acme.pl',
    'office@acme.pl',
    'contact@acme.pl',
    'hello@acme.pl',
    'marketing@acme.pl',
    'billing@acme.pl',
    'kontakt@acme.pl',
    'biuro@acme.pl',
    '',
    '   ',
  ])('email %j is junk', (email) => {
    expect(isJunkIdentifier('email', email)).toBe(true);
  });

  it.each([
    'jan.kowalski@example.com',
    'ann.example@example.com',
    'bob.example@example.org',
    'j@acme.pl',
    'tester.jan@acme.pl',
    'informatyka.jan@acme.pl',
  ])('email %j is not junk (example.com is the fixtures’ domain)', (email) => {
    expect(isJunkIdentifier('email', email)).toBe(false);
  });

  it.each([
    '0000000',
    '1234567',
    '+10000000000',
    '+48 111 111 111',
    '+48123456789',
    '+49 987 654 321',
    '+353 1234 5678',
    '+800 1234 5678',
    '12345',
    '',
  ])('phone %j is junk', (phone) => {
    expect(isJunkIdentifier('phone', phone)).toBe(true);
  });

  it.each(['+48601234567', '+48 601 234 567', '+48600700800', '+442079460958', '+14155552671', '+353861234567'])(
    'phone %j is not junk',
    (phone) => {
      expect(isJunkIdentifier('phone', phone)).toBe(false);
    },
  );

  it('treats placeholder birth dates as junk', () => {
    expect(isJunkIdentifier('birthDate', '1900-01-01')).toBe(true);
    expect(isJunkIdentifier('birthDate', '1850-06-01')).toBe(true);
    expect(isJunkIdentifier('birthDate', '1980-02-01')).toBe(false);
  });

  it('applies the generic checks to any other identifier type', () => {
    for (const value of ['', 'N/A', 'unknown', 'none', '-', '0000', 'null']) {
      expect(isJunkIdentifier('customerNumber', value)).toBe(true);
    }
    expect(isJunkIdentifier('customerNumber', 'C-10442')).toBe(false);
  });

  it('takes the deployment’s blocked values and extra role inboxes', () => {
    expect(isJunkIdentifier('email', 'shared@family.pl', { blocked: ['Shared@Family.pl'] })).toBe(true);
    expect(isJunkIdentifier('phone', '+48600700800', { blocked: ['+48 600 700 800'] })).toBe(true);
    expect(isJunkIdentifier('customerNumber', 'C-1', { blocked: ['c-1'] })).toBe(true);
    expect(isJunkIdentifier('email', 'rezerwacje@hotel.pl')).toBe(false);
    expect(isJunkIdentifier('email', 'rezerwacje@hotel.pl', { roleLocalParts: ['rezerwacje'] })).toBe(true);
    expect(isJunkIdentifier('email', 'info@acme.pl', { roleLocalParts: ['rezerwacje'] })).toBe(true);
  });

  it('shares its local-part check with blocking', () => {
    expect(isJunkLocalPart('info')).toBe(true);
    expect(isJunkLocalPart('no.reply')).toBe(true);
    expect(isJunkLocalPart('jan.kowalski')).toBe(false);
  });
});
