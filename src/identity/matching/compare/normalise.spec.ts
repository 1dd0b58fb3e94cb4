import fc from 'fast-check';
import { fold, foldDiacritics, normalisePostalCode, normaliseStreetLine } from './normalise';

describe('fold', () => {
  it.each([
    ['Łukasz', 'lukasz'],
    ['Müller', 'muller'],
    ['  José   María ', 'jose maria'],
    ["O'Brien", 'obrien'],
    ['Kowalska-Nowak', 'kowalska nowak'],
    ['Straße', 'strasse'],
    ['Søren Ærø', 'soren aero'],
    ['Żółć', 'zolc'],
    ['Иванов', 'иванов'],
  ])('%s → %s', (raw, folded) => {
    expect(fold(raw)).toBe(folded);
  });

  it('keeps case when only folding diacritics', () => {
    expect(foldDiacritics('Łódź')).toBe('Lodz');
  });

  it('is idempotent', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (s) => expect(fold(fold(s))).toBe(fold(s))));
  });
});

describe('normaliseStreetLine', () => {
  it.each([
    ['ul. Długa 12a/3', 'dluga', '12a'],
    ['ulica Długa 12A', 'dluga', '12a'],
    ['Długa 12 m. 3', 'dluga', '12'],
    ['Długa 12 lok. 4', 'dluga', '12'],
    ['Hauptstraße 5', 'hauptstr', '5'],
    ['Hauptstrasse 5', 'hauptstr', '5'],
    ['Hauptstr. 5', 'hauptstr', '5'],
    ['123 Main St', 'main st', '123'],
    ['123 Main Street, Apt 4', 'main st', '123'],
    ['42 Baker Ave', 'baker ave', '42'],
    ['42 Baker Avenue', 'baker ave', '42'],
    ['7 Abbey Rd', 'abbey rd', '7'],
    ['7 Abbey Road', 'abbey rd', '7'],
    ["St John's Road 7", 'saint johns rd', '7'],
    ['c/ Mayor 5', 'mayor', '5'],
    ['Calle Mayor 5', 'mayor', '5'],
    ['al. Jana Pawła II 10-12', 'al jana pawla ii', '10'],
    ['ul. 3 Maja 5', '3 maja', '5'],
    ['Flat 20, 93 High Street', 'high st', '93'],
    ['20 93 High Street', 'high st', '93'],
  ])('%s → street %s, number %s', (line, street, houseNumber) => {
    expect(normaliseStreetLine(line)).toEqual({ street, houseNumber });
  });

  it('gives no house number when there is none', () => {
    expect(normaliseStreetLine('Rynek Główny')).toEqual({ street: 'rynek glowny' });
    expect(normaliseStreetLine('  ')).toEqual({ street: '' });
  });
});

describe('normalisePostalCode', () => {
  it('keeps letters and digits, upper-case', () => {
    expect(normalisePostalCode('30-001')).toBe('30001');
    expect(normalisePostalCode('sw1a 1aa')).toBe('SW1A1AA');
  });
});
