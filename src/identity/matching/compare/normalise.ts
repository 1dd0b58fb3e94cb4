import { remembered } from './remembered';

/**
 * Text normalisation for matching: everything is compared in a folded form (lower case, no diacritics, no
 * punctuation, single spaces), so "Łukasz  Müller-Lüdenscheidt" and "lukasz muller ludenscheidt" are equal.
 */

/** Letters that Unicode does not decompose into base letter + combining mark. */
const SPECIAL_LETTERS: Record<string, string> = {
  ł: 'l',
  Ł: 'L',
  ß: 'ss',
  ẞ: 'SS',
  ø: 'o',
  Ø: 'O',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'TH',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ı: 'i',
  ħ: 'h',
  Ħ: 'H',
};
const SPECIAL = new RegExp(`[${Object.keys(SPECIAL_LETTERS).join('')}]`, 'g');
const COMBINING_MARKS = /\p{M}+/gu;
// Most matching input is ASCII: then folding costs one regex test.
const NEEDS_FOLDING = /[^\p{ASCII}]/u;

/**
 * Removes diacritics, keeping case: `Łukasz` → `Lukasz`, `Müller` → `Muller` (not `Mueller`: sources that
 * cannot store ü mostly drop the dots), `Straße` → `Strasse`. Letters of other scripts pass unchanged.
 */
export function foldDiacritics(value: string): string {
  if (!NEEDS_FOLDING.test(value)) return value;
  return value
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .replace(SPECIAL, (c) => SPECIAL_LETTERS[c] ?? c)
    .normalize('NFC');
}

/**
 * The form every matching comparison uses: lower case, diacritics folded, apostrophes dropped
 * (`O'Brien` → `obrien`), any other punctuation a space (`Kowalska-Nowak` → `kowalska nowak`), spaces collapsed.
 */
export const fold = remembered(function fold(value: string): string {
  return foldDiacritics(value)
    .toLowerCase()
    .replace(/['’`´]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
});

/**
 * Folded form of a given name or surname. Term-frequency look-ups (`TermFrequency`) are keyed by this form.
 * @example foldName('  Małgorzata ') // → 'malgorzata'
 */
export const foldName = fold;

/** Upper-case letters and digits only: `30-001` → `30001`, `sw1a 1aa` → `SW1A1AA`. */
export const normalisePostalCode = remembered(function normalisePostalCode(value: string): string {
  return foldDiacritics(value)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
});

/** A street line split into the street (with canonical street-type words) and the house number. */
export interface StreetLine {
  /** Folded street without the house number or flat, e.g. `dluga`, `hauptstr`, `main st`. */
  street: string;
  /** First house number, flat/unit removed: `12a` of `ul. Długa 12a/3`. */
  houseNumber?: string;
}

/**
 * Street-type words in canonical form. Polish `ul.`/`ulica` says nothing (nearly every street is one and many
 * sources leave it out), so it is dropped; other types map to one short form each.
 */
const STREET_WORDS: Record<string, string> = {
  ul: '',
  ulica: '',
  str: 'str',
  strasse: 'str',
  street: 'st',
  st: 'st',
  avenue: 'ave',
  ave: 'ave',
  av: 'ave',
  avda: 'ave',
  avenida: 'ave',
  road: 'rd',
  rd: 'rd',
  drive: 'dr',
  dr: 'dr',
  lane: 'ln',
  ln: 'ln',
  boulevard: 'blvd',
  blvd: 'blvd',
  court: 'ct',
  ct: 'ct',
  square: 'sq',
  sq: 'sq',
  place: 'pl',
  pl: 'pl',
  plac: 'pl',
  plaza: 'pl',
  pza: 'pl',
  al: 'al',
  aleja: 'al',
  aleje: 'al',
  alei: 'al',
  os: 'os',
  osiedle: 'os',
  calle: '',
};
/** Flat or unit after the house number: `m. 3`, `lok. 4`, `apt 5`, `# 6`, `/3`. */
const UNIT = /(?:\b(?:apt|apartment|suite|ste|unit|flat|fl|m|lok|lokal|room|rm)\b\.?|#)\s*[a-z]?\d+[a-z]?\b/g;
const HOUSE_NUMBER = /^\d+[a-z]?$/;

/**
 * Normalises a street line for comparison and extracts its house number.
 *
 * The house number is the last token when the line ends in a number (European order: `Długa 12`), else the
 * first number (`12 Main St`), or the second of two leading numbers (`20 93 High St`: flat 20). A flat or unit
 * (`/3`, `m. 3`, `apt 4`, `Flat 20,`) and a range's second number (`12-14`) are dropped. `st` first in a line is "saint", anywhere else "street". Limits: a street named by a number and
 * written without a house number (`ul. 3 Maja`) yields that number as the house number.
 * @example normaliseStreetLine('ul. Długa 12a/3') // → { street: 'dluga', houseNumber: '12a' }
 * @example normaliseStreetLine('Hauptstraße 5')  // → { street: 'hauptstr', houseNumber: '5' }
 */
export const normaliseStreetLine: (line: string) => Readonly<StreetLine> = remembered(function normaliseStreetLine(
  line: string,
): StreetLine {
  const text = foldDiacritics(line)
    .toLowerCase()
    .replace(/(\d[a-z]?)\s*\/\s*\d+[a-z]?\b/g, '$1')
    .replace(UNIT, ' ')
    .replace(/(\d[a-z]?)\s*-\s*\d+[a-z]?\b/g, '$1')
    .replace(/(\d)\s+([a-z])\s*$/, '$1$2')
    .replace(/['’`´]/g, '')
    .replace(/[^a-z0-9\p{L}]+/gu, ' ')
    .trim();
  if (!text) return { street: '' };
  const tokens = text.split(' ');
  let numberAt = HOUSE_NUMBER.test(tokens[tokens.length - 1]) ? tokens.length - 1 : -1;
  if (numberAt < 0) numberAt = tokens.findIndex((t) => HOUSE_NUMBER.test(t));
  // Two numbers before the street (`20 93 High Street`, the British `Flat 20, 93 High Street` without its word):
  // the first is the flat, the second the house.
  const flatFirst = numberAt === 0 && tokens.length > 2 && HOUSE_NUMBER.test(tokens[1]);
  if (flatFirst) numberAt = 1;
  const houseNumber = numberAt >= 0 ? tokens[numberAt].replace(/^0+(?=\d)/, '') : undefined;
  const words: string[] = [];
  tokens.forEach((token, i) => {
    if (i === numberAt || (flatFirst && i === 0)) return;
    let word = token;
    if (word === 'st' && words.length === 0 && i < tokens.length - 1) word = 'saint';
    else if (word in STREET_WORDS) word = STREET_WORDS[word];
    else if (word.length > 7 && word.endsWith('strasse')) word = `${word.slice(0, -7)}str`;
    if (word === '' || (i === 0 && word === 'c')) return; // `ul.`, `calle`, Spanish `c/`
    words.push(word);
  });
  return houseNumber === undefined ? { street: words.join(' ') } : { street: words.join(' '), houseNumber };
});
