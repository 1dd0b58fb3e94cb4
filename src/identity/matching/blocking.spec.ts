import fc from 'fast-check';
import { blockingKeys, MAX_BLOCKING_KEY_LENGTH } from './blocking';
import type { PersonFeatures } from './person-features';

const jan: PersonFeatures = {
  firstName: 'Jan',
  lastName: 'Kowalski',
  birthDate: '1980-03-05',
  email: 'kowal.jan80@example.com',
  phone: '+48601234567',
  address: { line1: 'ul. Długa 12/3', city: 'Kraków', postalCode: '30-001', country: 'PL' },
};

const shared = (a: PersonFeatures, b: PersonFeatures) => {
  const keys = new Set(blockingKeys(a));
  return blockingKeys(b).filter((k) => keys.has(k));
};

describe('blockingKeys', () => {
  it('derives each kind of key from a full record', () => {
    expect(blockingKeys(jan)).toEqual([
      'e:kowal.jan80@example.com',
      'el:kowaljan80',
      'p:601234567',
      'n:KFLSK:1980-03-05',
      'f:JN:1980-03-05',
      'n:JN:KFLSK:1980',
      'd:1980-03-05:30001',
      'dm:1980-03-05:KFLSK',
      'a:30001:12:KFLSK',
      'af:30001:12:JN',
      'z:30001:KFLSK',
    ]);
  });

  it.each<[string, PersonFeatures, string[]]>([
    [
      'a typo in the surname, with a new email and phone',
      { ...jan, lastName: 'Kowlaski', email: 'jk@firma.pl', phone: '+48500100200' },
      ['f:JN:1980-03-05', 'd:1980-03-05:30001', 'af:30001:12:JN'],
    ],
    [
      'a typo in the surname and a day off in the birth date, at the same address',
      { ...jan, lastName: 'Kowlaski', birthDate: '1980-03-06', email: 'jk@firma.pl', phone: '+48500100200' },
      ['af:30001:12:JN'],
    ],
    [
      'a nickname, with a new email, no phone',
      { ...jan, firstName: 'Janek', email: 'janek80@wp.pl', phone: undefined },
      [
        'n:KFLSK:1980-03-05',
        'f:JN:1980-03-05',
        'n:JN:KFLSK:1980',
        'd:1980-03-05:30001',
        'dm:1980-03-05:KFLSK',
        'a:30001:12:KFLSK',
        'z:30001:KFLSK',
      ],
    ],
    [
      'first and last name swapped, nothing else shared but the birth date',
      { firstName: 'Kowalski', lastName: 'Jan', birthDate: '1980-03-05' },
      ['n:JN:KFLSK:1980'],
    ],
    [
      'day and month transposed, nothing else shared but the name',
      { firstName: 'Jan', lastName: 'Kowalski', birthDate: '1980-05-03' },
      ['n:JN:KFLSK:1980', 'dm:1980-03-05:KFLSK'],
    ],
    [
      'a new email and a new address',
      { ...jan, email: 'jan@nowa-firma.pl', address: { line1: 'Hauptstraße 5', city: 'Berlin', postalCode: '10115' } },
      ['p:601234567', 'n:KFLSK:1980-03-05', 'f:JN:1980-03-05', 'n:JN:KFLSK:1980', 'dm:1980-03-05:KFLSK'],
    ],
    [
      'only the phone, written another way',
      { firstName: 'J.', lastName: 'Kowalski', phone: '0048 601 234 567' },
      ['p:601234567'],
    ],
    ['the same mailbox name at another provider', { email: 'kowal.jan80@gmail.com' }, ['el:kowaljan80']],
    ['a +tag on the email', { email: 'kowal.jan80+news@example.com' }, ['e:kowal.jan80@example.com', 'el:kowaljan80']],
  ])('keeps a shared key for %s', (_, variant, keys) => {
    expect(shared(jan, variant)).toEqual(keys);
  });

  it('shares first-name keys between a nickname and its name', () => {
    const bob = { firstName: 'Bob', lastName: 'Smith', birthDate: '1970-01-22' };
    const robert = { firstName: 'Robert', lastName: 'Smyth', birthDate: '1970-01-22' };
    expect(shared(bob, robert)).toEqual(['n:SMT:1970-01-22', 'f:RBRT:1970-01-22', 'n:RBRT:SMT:1970']);
  });

  it('gives unrelated people with the same common name no shared key', () => {
    const a = {
      firstName: 'John',
      lastName: 'Smith',
      birthDate: '1975-06-10',
      email: 'john.smith@gmail.com',
      phone: '+447911123456',
      address: { line1: '12 Oak Road', city: 'London', postalCode: 'E1 6AN' },
    };
    const b = {
      firstName: 'John',
      lastName: 'Smith',
      birthDate: '1988-11-02',
      email: 'jsmith88@outlook.com',
      phone: '+447700900123',
      address: { line1: '4 Elm Street', city: 'London', postalCode: 'SW1A 1AA' },
    };
    expect(shared(a, b)).toEqual([]);
    expect(shared({ firstName: 'John', lastName: 'Smith' }, { firstName: 'John', lastName: 'Smith' })).toEqual([]);
  });

  it('makes no key of role inboxes, placeholders, bare given names or short local parts', () => {
    const keys = (email: string) => blockingKeys({ email }).filter((k) => k.startsWith('el:'));
    expect(keys('info@acme.pl')).toEqual([]);
    expect(keys('test@gmail.com')).toEqual([]);
    expect(keys('anna@gmail.com')).toEqual([]);
    expect(keys('jk@gmail.com')).toEqual([]);
    expect(keys('j.o.h.n.smith@gmail.com')).toEqual(['el:johnsmith']);
  });

  it('makes no mailbox-name key of a local part that only spells the record’s own name', () => {
    const keys = (p: PersonFeatures) => blockingKeys(p).filter((k) => k.startsWith('el:'));
    // Every Jan Kowalski may own jan.kowalski@ somewhere: such a key would gather namesakes, not one person.
    expect(keys({ firstName: 'Jan', lastName: 'Kowalski', email: 'jan.kowalski@gmail.com' })).toEqual([]);
    expect(keys({ firstName: 'Jan', lastName: 'Kowalski', email: 'kowalski_jan@wp.pl' })).toEqual([]);
    expect(keys({ firstName: 'Jan', lastName: 'Kowalski', email: 'j.kowalski@wp.pl' })).toEqual([]);
    // A handle with more than the name in it, or another person's name, still finds its owner at a new provider.
    expect(keys({ firstName: 'Jan', lastName: 'Kowalski', email: 'jan.kowalski80@gmail.com' })).toEqual([
      'el:jankowalski80',
    ]);
    expect(keys({ firstName: 'Anna', lastName: 'Kowalska', email: 'jan.kowalski@gmail.com' })).toEqual([
      'el:jankowalski',
    ]);
  });

  it('clips long keys to 80 characters, keeping them distinct', () => {
    const long = (n: number) => ({ email: `${'x'.repeat(70)}.${n}@example.com` });
    const [a] = blockingKeys(long(1));
    const [b] = blockingKeys(long(2));
    expect(a).toHaveLength(MAX_BLOCKING_KEY_LENGTH);
    expect(a.startsWith('e:xxxx')).toBe(true);
    expect(a).not.toBe(b);
  });

  it('yields short, prefixed, distinct keys for any input', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 90 });
    const features = fc.record(
      {
        firstName: text,
        lastName: text,
        birthDate: fc
          .date({ min: new Date('1900-01-02'), max: new Date('2020-12-31'), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10)),
        email: fc.emailAddress(),
        phone: fc.string({ unit: fc.constantFrom(...'+0123456789 '), maxLength: 20 }),
        address: fc.record({ line1: text, postalCode: text, city: text }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(features, (p) => {
        const keys = blockingKeys(p);
        expect(new Set(keys).size).toBe(keys.length);
        for (const key of keys) {
          expect(key.length).toBeLessThanOrEqual(MAX_BLOCKING_KEY_LENGTH);
          expect(key).toMatch(/^(e|el|p|n|f|a|af|z|d|dm):./);
        }
        expect(blockingKeys(p)).toEqual(keys);
      }),
      { numRuns: 300 },
    );
  });
});
