import fc from 'fast-check';
import type { PersonFeatures } from '../person-features';
import { closeNames, prepareFeatures, preparedWith } from './field-comparisons';
import {
  autoMergeable,
  DEFAULT_MATCHING,
  scorePair,
  scorePairReaching,
  scorePreparedReaching,
  type Comparison,
  type TermFrequency,
} from './index';

const { autoMerge, review } = DEFAULT_MATCHING.thresholds;
const weightOf = (field: Comparison['field'], level: string) => {
  const { m, u } = DEFAULT_MATCHING.levels[field][level];
  return Math.log2(m / u);
};
const compare = (field: Comparison['field'], a: PersonFeatures, b: PersonFeatures, tf?: TermFrequency) =>
  scorePair(a, b, DEFAULT_MATCHING, tf).comparisons.find((c) => c.field === field)!;
const levels = (a: PersonFeatures, b: PersonFeatures) =>
  Object.fromEntries(scorePair(a, b).comparisons.map((c) => [c.field, c.level]));

const jan: PersonFeatures = {
  firstName: 'Jan',
  lastName: 'Kowalski',
  birthDate: '1980-03-05',
  email: 'jan.kowalski@example.com',
  phone: '+48601234567',
  address: { line1: 'ul. Długa 12/3', city: 'Kraków', postalCode: '30-001', country: 'PL' },
};

/** Surname and first-name shares of a customer base where John and Smith are common. */
const shares = new Map([
  ['firstName:john', 0.02],
  ['firstName:anna', 0.03],
  ['lastName:smith', 0.01],
  ['lastName:nowak', 0.005],
]);
const commonNames: TermFrequency = (field, folded) => shares.get(`${field}:${folded}`);

describe('scorePair: the scenarios that define the default thresholds', () => {
  it('the same email and the same name is far above auto-merge', () => {
    const score = scorePair(
      { firstName: 'Jan', lastName: 'Kowalski', email: 'jan.kowalski@example.com' },
      { ...jan, phone: '+48500100200' },
    );
    expect(score.total).toBeGreaterThanOrEqual(autoMerge + 8);
  });

  it('the same email and the same common name is still above auto-merge', () => {
    const john = { firstName: 'John', lastName: 'Smith', email: 'john.smith@example.com' };
    expect(scorePair(john, { ...john }, DEFAULT_MATCHING, commonNames).total).toBeGreaterThanOrEqual(autoMerge);
  });

  it('the same name, birth date and address with a new email is above auto-merge', () => {
    const score = scorePair(jan, { ...jan, email: 'jkowalski@nowa-firma.pl', phone: undefined });
    expect(levels(jan, { ...jan, email: 'jkowalski@nowa-firma.pl' }).email).toBe('disagree');
    expect(score.total).toBeGreaterThanOrEqual(autoMerge);
  });

  it('the same common name in the same city, nothing else, is below review', () => {
    const surnamesOnly: TermFrequency = (field, folded) =>
      field === 'lastName' ? commonNames(field, folded) : undefined;
    for (const tf of [commonNames, surnamesOnly]) {
      const john = scorePair(
        { firstName: 'John', lastName: 'Smith', email: 'john.smith@example.com', address: { city: 'London' } },
        { firstName: 'John', lastName: 'Smith', phone: '+447911123456', address: { city: 'London' } },
        DEFAULT_MATCHING,
        tf,
      );
      expect(john.total).toBeLessThan(review);
      const anna = scorePair(
        { firstName: 'Anna', lastName: 'Nowak', address: { city: 'Warszawa', postalCode: '00-950' } },
        { firstName: 'Anna', lastName: 'Nowak', address: { city: 'Warszawa' } },
        DEFAULT_MATCHING,
        tf,
      );
      expect(anna.total).toBeLessThan(review);
    }
  });

  it('a father and son sharing address and email, with their own first names and birth dates, are not auto-merged', () => {
    const son = { ...jan, firstName: 'Piotr', birthDate: '2008-11-23', phone: undefined };
    const score = scorePair(jan, son);
    expect(score.total).toBeLessThan(autoMerge);
    expect(score.comparisons.find((c) => c.field === 'email')).toMatchObject({ level: 'household' });
  });

  it('twins (same birth date, surname, address and email; other first names) are not auto-merged', () => {
    const anna = { ...jan, firstName: 'Anna', lastName: 'Kowalska', phone: undefined };
    const ewa = { ...anna, firstName: 'Ewa' };
    expect(autoMergeable(scorePair(anna, ewa))).toBe(false);
    // With the family landline too they score as much as one person who moved with a slip in the name (≈ 21):
    // the names disagree, so a steward decides.
    const sharingALandline = scorePair({ ...anna, phone: '+48601234567' }, { ...ewa, phone: '+48601234567' });
    expect(sharingALandline.total).toBeGreaterThanOrEqual(review);
    expect(autoMergeable(sharingALandline)).toBe(false);
    // Brothers whose names share an initial are not "J. Kowalski" either.
    expect(autoMergeable(scorePair(jan, { ...jan, firstName: 'Jakub' }))).toBe(false);
  });

  it('a father and son with one name (Jr/Sr), one address and one inbox are not auto-merged', () => {
    const senior = {
      firstName: 'John',
      lastName: 'Smith',
      birthDate: '1950-04-02',
      email: 'smiths@gmail.com',
      address: { line1: '12 Oak Rd', city: 'Leeds', postalCode: 'LS1 4AP' },
    };
    expect(scorePair(senior, { ...senior, birthDate: '1982-09-17' }).total).toBeLessThan(autoMerge);
  });

  it('a woman under her new surname, same birth date, address and email, goes to review', () => {
    const before = { ...jan, firstName: 'Anna', lastName: 'Kowalska' };
    const score = scorePair(before, { ...before, lastName: 'Nowak', email: before.email });
    expect(score.total).toBeGreaterThanOrEqual(review);
    expect(autoMergeable(score)).toBe(false);
  });

  it('a nickname or swapped names with the same birth date join a person who moved; a name with a slip goes to review', () => {
    const before = { ...jan, firstName: 'Tomasz', email: undefined, phone: undefined };
    const moved = { ...before, address: { line1: 'ul. Polna 7', city: 'Gdańsk', postalCode: '80-001', country: 'PL' } };
    expect(scorePair(before, { ...moved, firstName: 'Tomek' }).total).toBeGreaterThanOrEqual(autoMerge);
    expect(scorePair(before, { ...moved, firstName: 'Kowalski', lastName: 'Tomasz' }).total).toBeGreaterThanOrEqual(
      autoMerge,
    );
    const slip = scorePair(before, { ...moved, lastName: 'Kowlaski' }).total;
    expect(slip).toBeGreaterThanOrEqual(review);
    expect(slip).toBeLessThan(autoMerge);
  });

  it('names that disagree never merge automatically, even under a lowered auto-merge threshold', () => {
    // A deployment that lowers autoMerge to 21 to merge a person who moved with a slip in one name (≈ 21.4)
    // must not merge twins sharing the family inbox, landline and address (≈ 21.1) or a woman under her new
    // surname (≈ 21.2): their names disagree, so email, phone and address count as a household's.
    const lowered = { ...DEFAULT_MATCHING, thresholds: { autoMerge: 21, review: 19 } };
    const anna = { ...jan, firstName: 'Anna', lastName: 'Kowalska' };
    const twins = scorePair(anna, { ...anna, firstName: 'Ewa' }, lowered);
    const newSurname = scorePair(anna, { ...anna, lastName: 'Nowak' }, lowered);
    for (const score of [twins, newSurname]) {
      expect(score.total).toBeGreaterThanOrEqual(21);
      expect(score.comparisons[0]).toMatchObject({ field: 'name', level: 'disagree' });
      expect(autoMergeable(score, lowered)).toBe(false);
    }
    const before = { ...jan, firstName: 'Tomasz', email: undefined, phone: undefined };
    const moved = {
      ...before,
      lastName: 'Kowlaski',
      address: { line1: 'ul. Polna 7', city: 'Gdańsk', postalCode: '80-001' },
    };
    expect(autoMergeable(scorePair(before, moved, lowered), lowered)).toBe(true);
    expect(autoMergeable(scorePair(before, moved))).toBe(false);
  });

  it('twins whose names differ by one slip-like letter at one address, and spouses with alike names, stay apart', () => {
    const ewa = { ...jan, firstName: 'Ewa', lastName: 'Kowalska', email: undefined, phone: undefined };
    // A twin named Ela is another person: l is no slip of w.
    expect(scorePair(ewa, { ...ewa, firstName: 'Ela' }).total).toBeLessThan(review);
    // Martin and Martina, Chris (Christian) and Chris (Christine): alike names, other birth dates, one home.
    const martin = { ...ewa, firstName: 'Martin', lastName: 'Jung', birthDate: '1982-09-05' };
    const martina = { ...martin, firstName: 'Martina', birthDate: '1985-05-06' };
    expect(scorePair(martin, martina).total).toBeLessThan(review);
    expect(scorePair(martin, { ...martina, email: 'jung@example.de' }).comparisons[4]).toMatchObject({
      level: 'household',
    });
    const chris = { ...martin, firstName: 'Chris', lastName: 'Brown' };
    expect(scorePair(chris, { ...chris, firstName: 'Christine', birthDate: '1984-02-11' }).total).toBeLessThan(review);
  });

  it('nickname, surname and birth date is above auto-merge; a rare name alone is not even review', () => {
    const bob = { firstName: 'Bob', lastName: 'Przybylski', birthDate: '1970-01-22' };
    expect(scorePair(bob, { ...bob, firstName: 'Robert' }).total).toBeGreaterThanOrEqual(autoMerge);
    const rare = { firstName: 'Zbigniew', lastName: 'Przybylski' };
    expect(scorePair(rare, { ...rare }).total).toBeLessThan(review);
  });
});

describe('scorePair: name levels', () => {
  const name = (first: string, last: string) => ({ firstName: first, lastName: last });
  it.each([
    [name('Jan', 'Kowalski'), name('JAN', 'KOWALSKI'), 'exact'],
    [name('Łukasz', 'Wałęsa'), name('Lukasz', 'Walesa'), 'exact'],
    [name('Anna', 'Kowalska-Nowak'), name('Anna Maria', 'Kowalska'), 'exact'],
    [name('Jan', 'Kowalski'), name('Kowalski', 'Jan'), 'swapped'],
    [name('Kasia', 'Nowak'), name('Katarzyna', 'Nowak'), 'nickname'],
    [name('Bob', 'Smith'), name('Robert', 'Smith'), 'nickname'],
    [name('Katarzyna', 'Kowalski'), name('Katarzina', 'Kowalsky'), 'similar'],
    [name('Zofia', 'Meier'), name('Sophia', 'Mayer'), 'phonetic'],
    [name('J.', 'Kowalski'), name('Jan', 'Kowalski'), 'initial'],
    [name('Jan', 'Kowalski'), name('Jakub', 'Kowalski'), 'disagree'],
    [name('Jan', 'Kowalski'), name('Jan', 'Kowalska'), 'similar'],
    [name('Anna', 'Kowalska'), name('Anna', 'Nowak'), 'disagree'],
    // Two slips at once still read as one person's names, not as two people.
    [name('Anna', 'Nowak'), name('Ann', 'Npwak'), 'similar'],
    [name('Lisa', 'Fuchs'), name('Lsia', 'Fkchs'), 'similar'],
    [name('Elizaheth', 'Bell'), name('Betty', 'Bell'), 'typo'],
    [name('Dani', 'King'), name('Daniel', 'Kign'), 'similar'],
    [name('Szewczyk', 'Annw'), name('Anna', 'Szewczyk'), 'similar'],
    [name('Kowalski', 'Jan'), name('Jan', 'Kowalska-Nowak'), 'similar'],
    [name('Jan', 'Kowalska-Nowak'), name('Kowalski', 'Jan'), 'similar'],
    // A nickname with a slip, a nickname the table knows only since (Bartek for Bartosz, Elli, Moni).
    [name('Tvomek', 'Nowak'), name('Tomasz', 'Nowak'), 'typo'],
    [name('Trisb', 'Ramírez'), name('Patricia', 'Ramírez'), 'typo'],
    [name('Bartek', 'Sadowski'), name('Bartosz', 'Sadorwski'), 'similar'],
    [name('Elli', 'Stein'), name('Elisabeth', 'Stein'), 'nickname'],
    // A double surname with a slip in the part both records keep.
    [name('Marta', 'Goumez García'), name('Marta', 'Gómez'), 'typo'],
    [name('Jesús', 'Díaz Martínez'), name('Jesús', 'Díza'), 'typo'],
    // Misread by a scanner (rn for m, 0 for o) together with another slip.
    [name('John', 'Srnith'), name('John', 'Smith'), 'typo'],
    [name('M0nika', 'Wxojciechowska'), name('Moni', 'Wojciechowska'), 'similar'],
    // A three-letter name with a neighbouring key or a look-alike letter.
    [name('Ews', 'Wiśniewska'), name('Ewa', 'Wiśniewska'), 'typo'],
    [name('Lca', 'Scholz'), name('Lea', 'Scholz'), 'typo'],
    // Unrelated first names stay apart, also when a short form of one sounds like the other.
    [name('John', 'Robinson'), name('Jennifer', 'Robinson'), 'disagree'],
    [name('Monika', 'Haas'), name('Peter', 'Haas'), 'disagree'],
    [name('Jan', 'Kowalski'), { lastName: 'Kowalski' }, 'missing'],
  ])('%j / %j → %s', (a, b, level) => {
    const c = compare('name', a, b);
    expect(c.level).toBe(level);
    expect(c.weight).toBeCloseTo(level === 'missing' ? 0 : weightOf('name', level), 10);
  });

  it('orders the levels: exact > nickname > swapped > initial > similar > phonetic > 0 > disagree', () => {
    const w = (level: string) => weightOf('name', level);
    // A nickname is the same name written another way: nearly as strong as equal names, stronger than a slip.
    expect(w('exact')).toBeGreaterThan(w('nickname'));
    expect(w('exact') - w('nickname')).toBeLessThan(1.5);
    expect(w('nickname')).toBeGreaterThan(w('swapped'));
    expect(w('swapped')).toBeGreaterThan(w('initial'));
    expect(w('initial')).toBeGreaterThan(w('similar'));
    expect(w('similar')).toBeGreaterThan(w('phonetic'));
    expect(w('phonetic')).toBeGreaterThan(0);
    expect(w('disagree')).toBeLessThan(-4);
  });

  it('weighs agreement on a common name less, and says so', () => {
    const smith = compare('name', name('John', 'Smith'), name('John', 'Smith'), commonNames);
    const rare = compare('name', name('Zbigniew', 'Przybylski'), name('Zbigniew', 'Przybylski'), commonNames);
    const { m } = DEFAULT_MATCHING.levels.name.exact;
    expect(smith.weight).toBeCloseTo(Math.log2(m / (0.02 * 0.01)), 10);
    expect(smith.detail).toMatch(/common name: first name 2\.0%, surname 1\.0%/);
    expect(rare.weight).toBeCloseTo(weightOf('name', 'exact'), 10);
    expect(rare.detail).toBeUndefined();
    // An unknown first name counts as an ordinary one (1%), a common surname still lowers the weight.
    const zbigniewSmith = compare('name', name('Zbigniew', 'Smith'), name('Zbigniew', 'Smith'), commonNames);
    expect(zbigniewSmith.weight).toBeCloseTo(Math.log2(m / (0.01 * 0.01)), 10);
    // A common first name with an ordinary surname (0.1%) lowers it less.
    const johnP = compare('name', name('John', 'Przybylski'), name('John', 'Przybylski'), commonNames);
    expect(johnP.weight).toBeCloseTo(Math.log2(m / (0.02 * 0.001)), 10);
    const nick = compare('name', name('Bob', 'Smith'), name('Robert', 'Smith'), commonNames);
    expect(nick.weight).toBeCloseTo(weightOf('name', 'nickname') - Math.log2(0.01 / 0.001), 10);
  });

  it('ignores shares that are not numbers in [0, 1]', () => {
    const broken = ((_: string, folded: string) => ({ a: NaN, b: -1, c: 7 })[folded]) as unknown as TermFrequency;
    for (const value of ['a', 'b', 'c', 'constructor']) {
      const c = compare('name', name(value, value), name(value, value), broken);
      expect(c.weight).toBeCloseTo(weightOf('name', 'exact'), 10);
    }
  });

  it('ignores term frequencies when disabled', () => {
    const config = { ...DEFAULT_MATCHING, termFrequency: { enabled: false, minShare: 0.001 } };
    const score = scorePair(name('John', 'Smith'), name('John', 'Smith'), config, commonNames);
    expect(score.comparisons[0].weight).toBeCloseTo(weightOf('name', 'exact'), 10);
  });
});

describe('closeNames', () => {
  it.each([
    ['kowalski', 'kowlaski', true],
    ['katarzyna', 'katrazyan', true],
    ['anna', 'ann', true],
    ['chmielewski', 'chrnielewski', true],
    ['ola', 'ela', false],
    ['jan', 'jon', false],
    ['ewa', 'ews', true],
    ['lea', 'lca', true],
    ['ewa', 'eva', false],
    ['srnith', 'smith', true],
    ['m0nika', 'monika', true],
    ['anna', 'ewa', false],
    ['monika', 'peter', false],
    ['', '', false],
  ])('%s / %s → %s', (a, b, close) => {
    expect(closeNames(a, b)).toBe(close);
    expect(closeNames(b, a)).toBe(close);
  });
});

describe('scorePair: other fields', () => {
  it.each<[Comparison['field'], PersonFeatures, PersonFeatures, string]>([
    ['birthDate', { birthDate: '1980-03-05' }, { birthDate: '1980-03-05' }, 'exact'],
    ['birthDate', { birthDate: '1980-03-05' }, { birthDate: '1980-05-03' }, 'transposed'],
    ['birthDate', { birthDate: '1980-03-05' }, { birthDate: '1980-03-15' }, 'typo'],
    ['birthDate', { birthDate: '1980-03-05' }, { birthDate: '1981-03-05' }, 'typo'],
    ['birthDate', { birthDate: '1980-03-05' }, { birthDate: '1980-11-20' }, 'year'],
    ['birthDate', { birthDate: '1980-03-05' }, { birthDate: '1975-07-21' }, 'disagree'],
    ['birthDate', { birthDate: '1980-03-05' }, {}, 'missing'],
    ['email', { email: 'jan.kowalski@example.com' }, { email: 'jan.kowalski@example.com' }, 'exact'],
    ['email', { email: 'jan.kowalski+news@gmail.com' }, { email: 'jankowalski@googlemail.com' }, 'exact'],
    ['email', { email: 'jan.kowalski@example.com' }, { email: 'jan.kowalski@wp.pl' }, 'localPart'],
    ['email', { email: 'jan.kowalski@example.com' }, { email: 'jan.kowalsky@wp.pl' }, 'similar'],
    ['email', { email: 'jan.kowalski@example.com' }, { email: 'biuro@wp.pl' }, 'disagree'],
    ['email', { email: 'info@acme.pl' }, { email: 'info@other.pl' }, 'disagree'],
    ['phone', { phone: '+48601234567' }, { phone: '+48601234567' }, 'exact'],
    ['phone', { phone: '+48601234567' }, { phone: '+49601234567' }, 'last7'],
    ['phone', { phone: '+48601234567' }, { phone: '+48500100200' }, 'disagree'],
    ['address', { address: { line1: 'ul. Długa 12/3' } }, { address: { line1: 'Długa 12 m. 5' } }, 'exact'],
    ['address', { address: { line1: 'Hauptstraße 5' } }, { address: { line1: 'Hauptstr. 5' } }, 'exact'],
    ['address', { address: { line1: 'ul. Marszałkowska 10' } }, { address: { line1: 'Marszalkowka 10' } }, 'similar'],
    ['address', { address: { line1: 'ul. Długa 12' } }, { address: { line1: 'ul. Długa 14' } }, 'disagree'],
    ['address', { address: { line1: 'ul. Długa 12' } }, { address: { city: 'Kraków' } }, 'missing'],
    ['postalCode', { address: { postalCode: '30-001' } }, { address: { postalCode: '30001' } }, 'exact'],
    ['postalCode', { address: { postalCode: '30-001' } }, { address: { postalCode: '30-059' } }, 'prefix'],
    ['postalCode', { address: { postalCode: '30-001' } }, { address: { postalCode: '00-950' } }, 'disagree'],
    ['city', { address: { city: 'Kraków' } }, { address: { city: 'KRAKOW' } }, 'exact'],
    ['city', { address: { city: 'Warszawa' } }, { address: { city: 'Warszwa' } }, 'similar'],
    ['city', { address: { city: 'Kraków' } }, { address: { city: 'Gdańsk' } }, 'disagree'],
  ])('%s: %j / %j → %s', (field, a, b, level) => {
    const c = compare(field, a, b);
    expect(c.level).toBe(level);
    expect(c.weight).toBeCloseTo(level === 'missing' ? 0 : weightOf(field, level), 10);
  });

  it('treats a different email or phone as weak evidence against, a missing one as none', () => {
    expect(weightOf('email', 'disagree')).toBeGreaterThan(-2);
    expect(weightOf('phone', 'disagree')).toBeGreaterThan(-2);
    expect(scorePair({ email: 'a@b.pl' }, {}).total).toBe(0);
  });

  it('reads shared contact points as a household once the names differ', () => {
    const father = { firstName: 'Jan', lastName: 'Kowalski', email: 'dom@kowalscy.pl', phone: '+48126543210' };
    const score = scorePair(father, { ...father, firstName: 'Piotr' });
    expect(score.comparisons.map((c) => [c.field, c.level])).toEqual([
      ['name', 'disagree'],
      ['birthDate', 'missing'],
      ['email', 'household'],
      ['phone', 'household'],
      ['address', 'missing'],
      ['postalCode', 'missing'],
      ['city', 'missing'],
    ]);
    expect(score.comparisons[2].weight).toBeCloseTo(weightOf('email', 'household'), 10);
    expect(score.comparisons[2].detail).toBe('exact, read as shared within a household: the names differ');
  });

  it('does not read one person with slips in both names as a household', () => {
    const anna = { firstName: 'Anna', lastName: 'Nowak', email: 'anna.nowak04@example.pl', phone: '+48661579314' };
    const score = scorePair(anna, { ...anna, firstName: 'Ann', lastName: 'Npwak' });
    expect(levels(anna, { ...anna, firstName: 'Ann', lastName: 'Npwak' })).toMatchObject({
      email: 'exact',
      phone: 'exact',
    });
    expect(score.total).toBeGreaterThanOrEqual(autoMerge);
  });

  it("gives a mailbox name that only spells the person's name little weight at another provider", () => {
    const anna = { firstName: 'Anna', lastName: 'Nowak' };
    for (const [x, y] of [
      ['anna.nowak@example.com', 'anna.nowak@example.org'],
      ['nowak_anna@example.com', 'nowak_anna@example.org'],
      ['anna_nowak@example.com', 'anna.nowak@example.org'],
      ['a.nowak@example.com', 'a.nowak@example.org'],
    ]) {
      const c = compare('email', { ...anna, email: x }, { ...anna, email: y });
      expect(c.level).toBe('nameLocalPart');
      expect(c.weight).toBeLessThan(2);
    }
    // With another word in it, it says "one owner".
    expect(
      compare('email', { ...anna, email: 'kotka.nowak@example.com' }, { ...anna, email: 'kotka.nowak@wp.pl' }),
    ).toMatchObject({ level: 'localPart' });
    // The name and a number is little more than the name: providers hand out anna.nowak74 when anna.nowak is taken,
    // and people add their birth year — at a million profiles, namesakes hold the same one at two providers.
    for (const [x, y] of [
      ['anna.nowak74@example.com', 'anna.nowak74@wp.pl'],
      ['anna1974@example.com', 'anna1974@wp.pl'],
    ]) {
      expect(compare('email', { ...anna, email: x }, { ...anna, email: y })).toMatchObject({ level: 'nameLocalPart' });
    }
    expect(
      scorePair({ ...anna, email: 'anna.nowak74@example.com' }, { ...anna, email: 'anna.nowak74@wp.pl' }).total,
    ).toBeLessThan(review);
    // Two namesakes with name-spelled mailboxes at two providers stay below review.
    const a = { ...anna, email: 'anna.nowak@example.com', phone: '+48601000001' };
    const b = { ...anna, email: 'anna.nowak@example.org' };
    expect(scorePair(a, b).total).toBeLessThan(review);
  });

  it('reads mailboxes that are one name with different numbers as namesakes, not as a similar mailbox', () => {
    const malgorzata = { firstName: 'Małgorzata', lastName: 'Wiśniewska', birthDate: '1975-01-19' };
    for (const [x, y] of [
      ['malgorzata.wisniewska@mail.example.pl', 'malgorzata.wisniewska51@example.org'],
      ['malgorzata.wisniewska@mail.example.pl', 'malgorzata_wisniewska80@example.org'],
      ['malgorzata.wisniewska53@mail.example.pl', 'malgorzata.wisniewska@mail.example.pl'],
      ['wisniewska75@example.com', 'wisniewska1975@example.org'],
    ]) {
      const c = compare('email', { ...malgorzata, email: x }, { ...malgorzata, email: y });
      expect(c).toMatchObject({ level: 'nameLocalPart' });
    }
    // Two namesakes one birth-date slip apart, each with the name and a number of their own: a steward's call at
    // most, never an automatic merge (it was 25.7 — name 16.1, birth date 3.9, "similar" mailboxes 5.6).
    const namesake = { ...malgorzata, birthDate: '1975-01-14', email: 'malgorzata_wisniewska80@example.org' };
    expect(scorePair({ ...malgorzata, email: 'malgorzata.wisniewska@mail.example.pl' }, namesake).total).toBeLessThan(
      autoMerge,
    );
    // Still similar: numbers one slip apart at one provider (a typo of one mailbox), and letters that differ.
    expect(
      compare(
        'email',
        { ...malgorzata, email: 'm.wisniewska85@wp.pl' },
        { ...malgorzata, email: 'm.wisniewska86@wp.pl' },
      ),
    ).toMatchObject({ level: 'similar' });
    expect(
      compare('email', { ...malgorzata, email: 'gosia.w85@wp.pl' }, { ...malgorzata, email: 'gosia.w58@onet.pl' }),
    ).toMatchObject({ level: 'similar' });
    expect(
      compare(
        'email',
        { ...malgorzata, email: 'jan.kowalski@example.com' },
        { ...malgorzata, email: 'jan.kowalsky@wp.pl' },
      ),
    ).toMatchObject({ level: 'similar' });
  });

  it('reads a mailbox spelled from one part of a double surname as the name', () => {
    const laura = { firstName: 'Laura', lastName: 'Martínez García' };
    const c = compare(
      'email',
      { ...laura, email: 'martinez.laura@example.com' },
      { ...laura, email: 'martinez.laura@example.org' },
    );
    expect(c).toMatchObject({ level: 'nameLocalPart' });
  });

  it('counts a move once: street, postal code and city of another address are one disagreement', () => {
    const moved = {
      ...jan,
      email: undefined,
      phone: undefined,
      address: { line1: 'ul. Polna 7', city: 'Gdańsk', postalCode: '80-001', country: 'PL' },
    };
    const score = scorePair({ ...jan, email: undefined, phone: undefined }, moved);
    const parts = Object.fromEntries(score.comparisons.map((c) => [c.field, c]));
    expect(parts.postalCode).toMatchObject({ level: 'disagree' });
    expect(parts.postalCode.weight).toBeCloseTo(weightOf('postalCode', 'disagree'), 10);
    expect(parts.city).toMatchObject({ level: 'disagree', weight: 0 });
    expect(parts.address).toMatchObject({ level: 'disagree', weight: 0 });
    expect(parts.city.detail).toMatch(/counted once, with the postal code/);
    // Name and birth date of a person who moved are enough to join them.
    expect(score.total).toBeGreaterThanOrEqual(autoMerge);
    // A common name and birth date at another address are not.
    const john = { firstName: 'John', lastName: 'Smith', birthDate: '1980-03-05', address: jan.address };
    expect(scorePair(john, { ...john, address: moved.address }, DEFAULT_MATCHING, commonNames).total).toBeLessThan(
      autoMerge,
    );
  });

  it('never repeats the compared values in its evidence', () => {
    const score = scorePair(
      { ...jan, firstName: 'Janek', email: 'jan.kowalski@wp.pl' },
      { ...jan, lastName: 'Kowalsky' },
      DEFAULT_MATCHING,
      commonNames,
    );
    const evidence = JSON.stringify(score);
    for (const value of ['jan', 'kowalsk', 'dluga', '30001', '601234567', 'krak']) {
      expect(evidence.toLowerCase()).not.toContain(value);
    }
  });
});

describe('scorePairReaching: strangers who share a blocking key', () => {
  const stranger: PersonFeatures = { ...jan, firstName: 'Ola', lastName: 'Nowak', birthDate: '1991-07-30' };

  it('stops after name and birth date when even a shared household could not reach the floor', () => {
    // Everything else shared: read as one household, at most ≈ 1.3 — far below review.
    expect(scorePair(jan, stranger).total).toBeLessThan(review);
    expect(scorePairReaching(jan, stranger, review)).toBeUndefined();
  });

  it('scores the same pair in full when the floor is low enough', () => {
    expect(scorePairReaching(jan, stranger, Number.NEGATIVE_INFINITY)).toEqual(scorePair(jan, stranger));
    expect(scorePairReaching(jan, stranger, -50)).toEqual(scorePair(jan, stranger));
  });

  it('scores a namesake in full: the other fields could still lift it to review', () => {
    const namesake: PersonFeatures = { firstName: 'Jan', lastName: 'Kowalski', birthDate: '1991-07-30' };
    expect(scorePairReaching(jan, namesake, review)).toEqual(scorePair(jan, namesake));
  });
});

describe('scorePair: properties', () => {
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const person: fc.Arbitrary<PersonFeatures> = fc.record({
    firstName: maybe(
      fc.constantFrom(
        'Jan',
        'Janek',
        'J.',
        'Jakub',
        'Anna',
        'Hanna',
        'Kasia',
        'Katarzyna',
        'Bob',
        'Robert',
        'Kowalski',
      ),
    ),
    lastName: maybe(
      fc.constantFrom('Kowalski', 'Kowalsky', 'Kowalska', 'Kowalska-Nowak', 'Nowak', 'Novak', 'Jan', 'Smith'),
    ),
    birthDate: maybe(
      fc.constantFrom('1980-03-05', '1980-05-03', '1980-03-15', '1981-03-05', '1980-11-20', '2008-11-23'),
    ),
    email: maybe(
      fc.constantFrom('jan.kowalski@example.com', 'jan.kowalski@wp.pl', 'jan.kowalsky@wp.pl', 'dom@kowalscy.pl'),
    ),
    phone: maybe(fc.constantFrom('+48601234567', '+49601234567', '+48500100200')),
    address: maybe(
      fc.record({
        line1: maybe(
          fc.constantFrom('ul. Długa 12/3', 'Długa 12', 'Dluga 14', 'ul. Marszałkowska 10', 'Marszalkowka 10'),
        ),
        postalCode: maybe(fc.constantFrom('30-001', '30-059', '00-950')),
        city: maybe(fc.constantFrom('Kraków', 'Krakow', 'Krakau', 'Warszawa')),
      }),
    ),
  });
  const tf = fc.constantFrom<TermFrequency | undefined>(undefined, commonNames);

  it('is symmetric: the same total and the same levels both ways', () => {
    fc.assert(
      fc.property(person, person, tf, (a, b, frequencies) => {
        const ab = scorePair(a, b, DEFAULT_MATCHING, frequencies);
        const ba = scorePair(b, a, DEFAULT_MATCHING, frequencies);
        expect(ba.total).toBe(ab.total);
        expect(ba.comparisons).toEqual(ab.comparisons);
      }),
      { numRuns: 1000 },
    );
  });

  it('totals its comparisons, one per field, missing ones at 0', () => {
    fc.assert(
      fc.property(person, person, (a, b) => {
        const score = scorePair(a, b);
        expect(score.comparisons.map((c) => c.field)).toEqual([
          'name',
          'birthDate',
          'email',
          'phone',
          'address',
          'postalCode',
          'city',
        ]);
        expect(score.total).toBeCloseTo(
          score.comparisons.reduce((sum, c) => sum + c.weight, 0),
          9,
        );
        for (const c of score.comparisons) if (c.level === 'missing') expect(c.weight).toBe(0);
      }),
    );
  });

  it('scorePairReaching gives scorePair’s score, or nothing only for a pair below the floor', () => {
    let skipped = 0;
    fc.assert(
      fc.property(person, person, tf, fc.double({ min: -25, max: 45, noNaN: true }), (a, b, frequencies, floor) => {
        const full = scorePair(a, b, DEFAULT_MATCHING, frequencies);
        const reached = scorePairReaching(a, b, floor, DEFAULT_MATCHING, frequencies);
        if (reached === undefined) {
          skipped++;
          expect(full.total).toBeLessThan(floor);
        } else {
          expect(reached).toEqual(full);
        }
      }),
      { numRuns: 3000 },
    );
    // The shortcut is taken, not only allowed.
    expect(skipped).toBeGreaterThan(20);
  });

  it('scores prepared forms as scorePairReaching scores the features, another email and phone included', () => {
    const contact = fc.record({
      email: maybe(fc.constantFrom('jan.kowalski@example.com', 'Jan.Kowalski+crm@example.com', 'dom@kowalscy.pl')),
      phone: maybe(fc.constantFrom('+48601234567', '+48 601 234 567', '+48500100200')),
    });
    fc.assert(
      fc.property(
        person,
        fc.array(fc.tuple(person, contact), { minLength: 1, maxLength: 6 }),
        tf,
        fc.double({ min: -25, max: 45, noNaN: true }),
        (a, others, frequencies, floor) => {
          // One record against several candidates, as the resolver scores them: `a`'s prepared form (and the
          // name outcomes it holds) is reused, each candidate is compared with the contact points it is given.
          const pa = prepareFeatures(a);
          for (const [b, { email, phone }] of others) {
            const expected = scorePairReaching(a, { ...b, email, phone }, floor, DEFAULT_MATCHING, frequencies);
            const pb = preparedWith(prepareFeatures(b), email, phone);
            expect(scorePreparedReaching(pa, pb, floor, DEFAULT_MATCHING, frequencies)).toEqual(expected);
            expect(pb).toEqual({ ...prepareFeatures({ ...b, email, phone }), codes: pb.codes });
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('gives one name number to the same folded names, and another to other names', () => {
    const number = (firstName?: string, lastName?: string) => prepareFeatures({ firstName, lastName }).name;
    expect(number('Jan', 'Kowalski')).toBe(number('JAN', 'kowalski'));
    expect(number('Jan', 'Kowalski')).not.toBe(number('Jan', 'Kowalsky'));
    expect(number('Jan', 'Kowalski')).not.toBe(number('Kowalski', 'Jan'));
    expect(number('Jan Maria', undefined)).not.toBe(number('Jan', 'Maria'));
  });

  it('puts identical records with a name and an email, phone or birth date at or above auto-merge', () => {
    const letters = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...'abcdeiklmnorstuwyząęłóśż') });
    const identified = fc
      .tuple(person, letters, letters, fc.constantFrom('email', 'phone', 'birthDate'))
      .map(([p, first, last, id]) => ({
        ...p,
        firstName: first,
        lastName: last,
        [id]: p[id as 'email'] ?? { email: 'x.y@example.com', phone: '+48601234567', birthDate: '1980-03-05' }[id],
      }));
    fc.assert(
      fc.property(identified, tf, (p, frequencies) => {
        expect(scorePair(p, structuredClone(p), DEFAULT_MATCHING, frequencies).total).toBeGreaterThanOrEqual(autoMerge);
      }),
      { numRuns: 500 },
    );
  });
});
