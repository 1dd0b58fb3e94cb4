import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import {
  addressVariant,
  createRandom,
  DEFAULT_RATES,
  dropDiacritics,
  formatPhone,
  generate,
  keyboardNeighbours,
  keyboardSlip,
  ocrSlip,
  typo,
  ERROR_KINDS,
  type ErrorKind,
  type ErrorRates,
} from '../../bench/identity/generate';
import { validateCanonicalRecord } from '../../src/ingest/canonical-record';

/** Damerau–Levenshtein (optimal string alignment) distance. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

const RESERVED_DOMAIN = /@(?:[a-z0-9-]+\.)*example\.(?:com|org|net)$|@mail\.example\.pl$/;
const NO_ERRORS: ErrorRates = Object.fromEntries(Object.keys(DEFAULT_RATES).map((k) => [k, 0])) as never;

describe('the identity benchmark generator', () => {
  const data = generate({ persons: 3000, seed: 11 });
  const personOf = new Map(data.persons.map((p) => [p.id, p]));

  it('is deterministic for a seed and differs between seeds', () => {
    expect(generate({ persons: 200, seed: 5 })).toEqual(generate({ persons: 200, seed: 5 }));
    expect(generate({ persons: 200, seed: 6 }).records).not.toEqual(generate({ persons: 200, seed: 5 }).records);
  });

  it('makes exactly the persons asked for, each with 1–4 records across both sources', () => {
    expect(data.persons).toHaveLength(3000);
    expect(new Set(data.persons.map((p) => p.id)).size).toBe(3000);
    const perPerson = new Map<string, number>();
    for (const r of data.records) perPerson.set(r.personId, (perPerson.get(r.personId) ?? 0) + 1);
    expect(perPerson.size).toBe(3000);
    expect(Math.min(...perPerson.values())).toBe(1);
    expect(Math.max(...perPerson.values())).toBe(4);
    const sources = new Set(data.records.map((r) => r.record.source));
    expect([...sources].sort()).toEqual(['hubspot', 'salesforce']);
    const refs = data.records.map((r) => `${r.record.source}/${r.record.externalId}`);
    expect(new Set(refs).size).toBe(refs.length);
  });

  it('has CRM duplicates only at their rate; the MA platform holds several records of a person freely', () => {
    const crmContacts = new Map<string, number>();
    for (const r of data.records) {
      if (r.record.source === 'salesforce') crmContacts.set(r.personId, (crmContacts.get(r.personId) ?? 0) + 1);
    }
    const withDuplicates = [...crmContacts.values()].filter((n) => n > 1).length;
    expect(withDuplicates / crmContacts.size).toBeGreaterThan(0.02);
    expect(withDuplicates / crmContacts.size).toBeLessThan(0.12);
    const none = generate({ persons: 500, seed: 4, rates: { crmDuplicate: 0 } });
    const seen = new Set<string>();
    for (const r of none.records.filter((r) => r.record.source === 'salesforce')) {
      expect(seen.has(r.personId)).toBe(false);
      seen.add(r.personId);
    }
  });

  it('writes canonical records the hub accepts, phones read back to the person’s number', () => {
    for (const { record, personId } of data.records) {
      const result = validateCanonicalRecord(record, record.source, new Date(), { phoneRegion: 'PL' });
      if (!result.ok) throw new Error(`${JSON.stringify(record)}: ${result.code} ${result.message}`);
      if (record.attributes.phone !== undefined)
        expect(result.record.attributes.phone).toBe(personOf.get(personId)!.phone);
      if (record.attributes.email !== undefined) expect(result.record.attributes.email).toMatch(RESERVED_DOMAIN);
    }
    for (const person of data.persons) {
      expect(parsePhoneNumberFromString(person.phone)?.isValid()).toBe(true);
      for (const email of [person.email, ...person.otherEmails]) expect(email).toMatch(RESERVED_DOMAIN);
    }
  });

  it('gives national phone formats only for the phone region, international ones otherwise', () => {
    const random = createRandom(3);
    for (let i = 0; i < 200; i++) {
      for (const [number, region] of [
        ['+48600700800', 'PL'],
        ['+4915112345678', 'PL'],
        ['+447911123456', 'PL'],
        ['+14158721234', 'PL'],
        ['+4915112345678', 'DE'],
      ] as const) {
        const written = formatPhone(random, number, region);
        expect(parsePhoneNumberFromString(written, region)?.number).toBe(number);
      }
    }
  });

  it('has a name + birth date + address slice with nothing else in it, and contact points everywhere else', () => {
    const slice = data.records.filter((r) => r.nameDobAddressOnly);
    expect(slice.length / data.records.length).toBeGreaterThan(0.09);
    expect(slice.length / data.records.length).toBeLessThan(0.15);
    for (const { record } of slice) {
      expect(Object.keys(record.attributes).sort()).toEqual(['address', 'birthDate', 'firstName', 'lastName']);
      expect(Object.keys(record.attributes.address!).sort()).toEqual(['city', 'country', 'line1', 'postalCode']);
    }
    for (const { record } of data.records.filter((r) => !r.nameDobAddressOnly)) {
      expect(record.attributes.email ?? record.attributes.phone).toBeDefined();
    }
  });

  it('puts every kind of error into the data at about its rate', () => {
    const counts = new Map<ErrorKind, number>();
    for (const r of data.records) for (const kind of r.errors) counts.set(kind, (counts.get(kind) ?? 0) + 1);
    const kinds = ERROR_KINDS;
    expect(kinds.filter((kind) => !counts.get(kind))).toEqual([]);
    const share = (kind: ErrorKind) => (counts.get(kind) ?? 0) / data.records.length;
    expect(share('swappedNames')).toBeGreaterThan(0.01);
    expect(share('swappedNames')).toBeLessThan(0.03);
  });

  it('has relatives at one address: spouses and children sharing the last name, twins the birth date', () => {
    const byHousehold = new Map<string, typeof data.persons>();
    for (const p of data.persons) byHousehold.set(p.householdId, [...(byHousehold.get(p.householdId) ?? []), p]);
    const relatives = data.persons.filter((p) => p.relation !== 'primary');
    expect(relatives.some((p) => p.relation === 'spouse')).toBe(true);
    expect(relatives.some((p) => p.relation === 'child')).toBe(true);
    expect(relatives.some((p) => p.relation === 'twin')).toBe(true);
    for (const relative of relatives) {
      const primary = byHousehold.get(relative.householdId)!.find((p) => p.relation === 'primary')!;
      expect(relative.address).toEqual(primary.address);
      expect(relative.firstName).not.toBe(primary.firstName);
      if (relative.relation === 'twin') expect(relative.birthDate).toBe(primary.birthDate);
      if (relative.sharedEmail) expect(relative.sharedEmail).toBe(primary.email);
      if (relative.address.country !== 'ES') {
        // Kowalski and Kowalska share the name; Spanish spouses keep their own.
        expect(relative.lastName.replace(/a$/, 'i')).toBe(primary.lastName.replace(/a$/, 'i'));
      }
    }
    expect(relatives.filter((p) => p.sharedEmail).length).toBeGreaterThan(0);
  });

  it('draws names with a realistic skew: a few very common ones and a long tail', () => {
    const count = new Map<string, number>();
    for (const p of data.persons) count.set(p.firstName, (count.get(p.firstName) ?? 0) + 1);
    const sorted = [...count.values()].sort((a, b) => b - a);
    const top10 = sorted.slice(0, 10).reduce((a, b) => a + b, 0);
    expect(top10 / data.persons.length).toBeGreaterThan(0.1);
    expect(count.size).toBeGreaterThan(250);
    expect(sorted.filter((n) => n <= 2).length).toBeGreaterThan(20);
  });

  it('without errors, writes each person as they are', () => {
    const clean = generate({ persons: 300, seed: 2, rates: NO_ERRORS });
    const persons = new Map(clean.persons.map((p) => [p.id, p]));
    expect(clean.records.every((r) => r.errors.length === 0)).toBe(true);
    for (const { record, personId } of clean.records) {
      const person = persons.get(personId)!;
      expect(record.attributes.firstName).toBe(person.firstName);
      expect(record.attributes.lastName).toBe(person.lastName);
      expect(record.attributes.email?.toLowerCase() ?? person.email).toBe(person.email);
      expect(record.attributes.birthDate ?? person.birthDate).toBe(person.birthDate);
      if (record.attributes.address?.line1) expect(record.attributes.address).toMatchObject(person.address);
    }
  });

  it('keeps ids and mailboxes of two data sets for one database apart', () => {
    const takenEmails = new Set<string>();
    const a = generate({ persons: 1000, seed: 1, prefix: 'a', takenEmails });
    const b = generate({ persons: 1000, seed: 2, prefix: 'b', takenEmails });
    const emails = (d: typeof a) => new Set(d.persons.flatMap((p) => [p.email, ...p.otherEmails]));
    const inA = emails(a);
    expect([...emails(b)].filter((e) => inA.has(e))).toEqual([]);
    const ids = new Set(a.records.map((r) => r.record.externalId));
    expect(b.records.filter((r) => ids.has(r.record.externalId))).toEqual([]);
    // … while the same handles recur at other providers, as among real people.
    const local = (e: string) => e.slice(0, e.indexOf('@'));
    const handles = new Set(a.persons.map((p) => local(p.email)));
    expect(b.persons.filter((p) => handles.has(local(p.email))).length).toBeGreaterThan(0);
  });
});

describe('error operators', () => {
  const random = createRandom(99);
  const words = ['Katarzyna', 'Schmidt', 'Łukasz', 'ul. Długa 5/3', 'García López', 'Ann', 'Jo', 'Kowalll'];

  it('a typo is exactly one insertion, deletion, substitution or transposition', () => {
    for (let i = 0; i < 800; i++) {
      const word = words[i % words.length];
      expect([word, editDistance(word, typo(random, word))]).toEqual([word, 1]);
    }
  });

  it('a keyboard slip replaces one letter (never the first) by a neighbouring key', () => {
    expect(keyboardNeighbours('g').sort()).toEqual(['b', 'f', 'h', 'n', 'r', 't', 'v', 'y']);
    expect(keyboardNeighbours('7')).toEqual([]);
    for (let i = 0; i < 300; i++) {
      const word = words[i % words.length];
      const slipped = keyboardSlip(random, word);
      const changed = [...word].findIndex((ch, j) => slipped[j] !== ch);
      expect(slipped).toHaveLength(word.length);
      expect(changed).toBeGreaterThan(0);
      expect(keyboardNeighbours(word[changed])).toContain(slipped[changed].toLowerCase());
      expect(slipped.slice(changed + 1)).toBe(word.slice(changed + 1));
    }
  });

  it('an OCR slip is one of the scanner’s confusions', () => {
    expect(ocrSlip(random, 'xyz')).toBe('xyz');
    expect(ocrSlip(random, 'Marni')).toBe('Mami');
    const slips = new Set(Array.from({ length: 300 }, () => ocrSlip(random, 'Orlowski')));
    expect([...slips].sort()).toEqual(['0rlowski', 'Or1owski', 'Orl0wski']);
  });

  it('drops diacritics the way systems without Unicode do', () => {
    expect(dropDiacritics('Łukasz Wiśniewski, Weiß, Müller, García, Żółć')).toBe(
      'Lukasz Wisniewski, Weiss, Muller, Garcia, Zolc',
    );
  });

  it('writes an address another way', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(JSON.stringify(addressVariant(random, 'ul. Długa 5/3', '31-042')));
    expect(seen).toContain(JSON.stringify({ line1: 'Długa 5/3', postalCode: '31-042' }));
    expect(seen).toContain(JSON.stringify({ line1: 'ul. Długa 5 m. 3', postalCode: '31-042' }));
    expect(seen).toContain(JSON.stringify({ line1: 'ul. Długa 5/3', postalCode: '31042' }));
    expect(addressVariant(random, '12 High Street', 'SW1A 1AA')).toEqual({
      line1: '12 High St',
      postalCode: 'SW1A 1AA',
    });
  });
});
