import { jaroWinkler } from '../compare/jaro-winkler';
import { editDistance } from '../compare/edit-distance';
import { spellsName as spellsFoldedName } from '../compare/mailbox-name';
import { areNicknameEquivalent, givenNameForms } from '../compare/nicknames';
import { fold, normalisePostalCode, normaliseStreetLine } from '../compare/normalise';
import { phoneticCode } from '../compare/phonetic';
import { remembered, rememberedPair } from '../compare/remembered';
import { isJunkLocalPart } from '../junk-values';
import type { PersonFeatures } from '../person-features';

/** A person's features in the forms the comparisons use, computed once per features object. */
export interface PreparedFeatures {
  /** Folded first and last name; '' when absent. */
  first: string;
  last: string;
  /**
   * The pair of folded names as a number, one per distinct pair (`nameId`): the key name comparisons are remembered
   * by. A number is compared and hashed where it is stored; a string key meant reading the string's own object.
   */
  name: number;
  birth?: { date: string; year: number; month: string; day: string };
  /** Mailbox: local part without `+tag` (and without dots at Gmail), lower-case domain; `junk`: a placeholder or
   * role local part (`info`, `noreply` …), which says nothing about who owns it; `digits`: the local part's digits. */
  email?: { raw: string; base: string; domain: string; junk: boolean; digits: string };
  /** Digits of the phone number; '' when absent. */
  phone: string;
  /** Street line without spaces, and its house number. */
  street?: { compact: string; houseNumber?: string };
  postalCode: string;
  city: string;
  /** Phonetic codes, filled on first use. */
  codes?: { first: string; last: string };
  /** Outcomes of name comparisons with this person as the first of the pair, by the other's `name` (`compareNames`). */
  nameOutcomes?: Map<number, FieldOutcome>;
}

// Features objects are treated as immutable once scored, so a candidate scored against many profiles is
// folded and parsed once.
const prepared = new WeakMap<PersonFeatures, PreparedFeatures>();

/** `prepareFeatures`, remembered per features object (for callers that do not keep the prepared form). */
export function prepare(features: PersonFeatures): PreparedFeatures {
  let p = prepared.get(features);
  if (p) return p;
  p = prepareFeatures(features);
  prepared.set(features, p);
  return p;
}

/**
 * A person's features in the forms the comparisons use. Not remembered: identity resolution keeps each record's
 * and each candidate profile's prepared form itself — reading a weak map for both sides of every candidate pair,
 * and holding tens of thousands of entries in it for the garbage collector to trace as ephemerons, cost more than
 * the comparisons of a stranger.
 */
export function prepareFeatures(features: PersonFeatures): PreparedFeatures {
  const address = features.address ?? {};
  const first = features.firstName ? fold(features.firstName) : '';
  const last = features.lastName ? fold(features.lastName) : '';
  return {
    first,
    last,
    name: nameId(`${first}\u0000${last}`),
    birth: features.birthDate ? birthOf(features.birthDate) : undefined,
    email: features.email ? mailboxOf(features.email) : undefined,
    phone: features.phone ? digitsOf(features.phone) : '',
    street: address.line1 ? streetOf(address.line1) : undefined,
    postalCode: address.postalCode ? normalisePostalCode(address.postalCode) : '',
    city: address.city ? fold(address.city) : '',
    codes: undefined,
    nameOutcomes: undefined,
  };
}

/**
 * `prepareFeatures` of the same features with another email and phone, from their prepared form: the profile as
 * a record is compared with it when the record shares one of the profile's other contact points.
 */
export function preparedWith(
  p: PreparedFeatures,
  email: string | undefined,
  phone: string | undefined,
): PreparedFeatures {
  return {
    first: p.first,
    last: p.last,
    name: p.name,
    birth: p.birth,
    email: email ? mailboxOf(email) : undefined,
    phone: phone ? digitsOf(phone) : '',
    street: p.street,
    postalCode: p.postalCode,
    city: p.city,
    codes: p.codes,
    nameOutcomes: p.nameOutcomes,
  };
}

let nextNameId = 0;

/**
 * The number standing for a pair of folded names (`first\0last`, `PreparedFeatures.name`), remembered like the
 * other preparations. Past 200,000 names the memo starts afresh and a name met again gets a new number: numbers are
 * never reused, so a number always means one name, and the outcomes remembered for an old one stay right (they are
 * no longer shared).
 */
const nameId = remembered(() => nextNameId++, 200_000);

// Each person's parts are prepared once per features object, and the same birth dates, mailboxes and street lines
// come back in the profiles' and the records' objects of every batch: their preparations are remembered by value
// (shared, never changed).

const birthOf = remembered(function birthOf(date: string): PreparedFeatures['birth'] {
  const match = date.match(/^(\d{4})-(\d{2})-(\d{2})$/);
  if (!match) return undefined;
  return { date, year: Number(match[1]), month: match[2], day: match[3] };
});

const streetOf = remembered(function streetOf(line: string): PreparedFeatures['street'] {
  const street = normaliseStreetLine(line);
  const compact = street.street.replace(/ /g, '');
  return compact === '' ? undefined : { compact, houseNumber: street.houseNumber };
});

/** The digits of a phone number: of an E.164 one (nearly all, once validated), all but the `+`. */
function digitsOf(phone: string): string {
  const start = phone.charCodeAt(0) === 43 ? 1 : 0;
  for (let i = start; i < phone.length; i++) {
    const c = phone.charCodeAt(i);
    if (c < 48 || c > 57) return phone.replace(/\D/g, '');
  }
  return start === 0 ? phone : phone.slice(1);
}

const GMAIL = new Set(['gmail.com', 'googlemail.com']);

const mailboxOf = remembered(mailbox);

function mailbox(email: string): PreparedFeatures['email'] {
  const raw = email.trim().toLowerCase();
  const at = raw.lastIndexOf('@');
  if (at <= 0) return undefined;
  let base = raw.slice(0, at).split('+')[0];
  let domain = raw.slice(at + 1);
  if (GMAIL.has(domain)) {
    base = base.replace(/\./g, '');
    domain = 'gmail.com';
  }
  return { raw, base, domain, junk: isJunkLocalPart(base), digits: base.replace(/\D/g, '') };
}

/** The outcome of one field's comparison, before weighting. Details never repeat the values (they are PII). */
export interface FieldOutcome {
  level: string;
  detail?: string;
}

const fixed = (n: number) => n.toFixed(2);

/** "anna" / "anna maria": the shorter name is the longer one's first token(s). */
function givenNamesAgree(a: string, b: string): boolean {
  if (a === b) return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return long.startsWith(`${short} `);
}

/** "kowalska" / "kowalska nowak": every token of the shorter surname is in the longer one. */
export function surnamesAgree(a: string, b: string): boolean {
  if (a === b) return true;
  if (!a.includes(' ') && !b.includes(' ')) return false;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  const tokens = long.split(' ');
  return short.split(' ').every((t) => tokens.includes(t));
}

const firstToken = (name: string) => {
  const space = name.indexOf(' ');
  return space < 0 ? name : name.slice(0, space);
};

function codes(p: PreparedFeatures): { first: string; last: string } {
  return (p.codes ??= { first: phoneticCode(p.first), last: phoneticCode(p.last) });
}

/**
 * Name levels, tested in order: exact, swapped, nickname, similar, typo, phonetic, initial, disagree. Needs first
 * and last name on both sides, else `missing`.
 */
export function compareName(a: PreparedFeatures, b: PreparedFeatures): FieldOutcome {
  if (!a.first || !a.last || !b.first || !b.last) return { level: 'missing' };
  const lastAgrees = surnamesAgree(a.last, b.last);
  if (lastAgrees && givenNamesAgree(a.first, b.first)) return { level: 'exact' };
  if (a.first === b.last && a.last === b.first) return { level: 'swapped', detail: 'first and last name exchanged' };
  const fa = firstToken(a.first);
  const fb = firstToken(b.first);
  if (lastAgrees && areNicknameEquivalent(fa, fb)) {
    return { level: 'nickname', detail: 'first names are one name by the nickname table' };
  }
  const jwFirst = jaroWinkler(a.first, b.first);
  const jwLast = lastAgrees ? 1 : jaroWinkler(a.last, b.last);
  if (jwFirst >= 0.94 && jwLast >= 0.94) {
    return { level: 'similar', detail: `Jaro-Winkler first ${fixed(jwFirst)}, last ${fixed(jwLast)}` };
  }
  if ((lastAgrees && jwFirst >= 0.85) || (givenNamesAgree(a.first, b.first) && jwLast >= 0.85)) {
    return { level: 'typo', detail: `one name equal, the other Jaro-Winkler ${fixed(lastAgrees ? jwFirst : jwLast)}` };
  }
  const ca = codes(a);
  const cb = codes(b);
  if (ca.first && ca.last && ca.first === cb.first && ca.last === cb.last) {
    return { level: 'phonetic', detail: 'first and last names sound alike' };
  }
  if (lastAgrees && fa[0] === fb[0] && Math.min(fa.length, fb.length) === 1) {
    return { level: 'initial', detail: 'one first name is the initial of the other' };
  }
  // Two slips at once (a nickname and a mistyped surname, typos in both names, swapped names with a typo):
  // each name still agrees on its own, so the pair is not read as two people of one household.
  const straight = closeFirstNames(fa, fb) && closeSurnames(a.last, b.last);
  const crossed =
    (closeFirstNames(firstToken(a.last), fb) && closeSurnames(a.first, b.last)) ||
    (closeFirstNames(firstToken(b.last), fa) && closeSurnames(b.first, a.last));
  if (straight || crossed) {
    const one = straight && (lastAgrees || givenNamesAgree(a.first, b.first));
    if (one) return { level: 'typo', detail: 'one name equal, the other with a slip' };
    return { level: 'similar', detail: crossed && !straight ? 'names exchanged, with slips' : 'both names with slips' };
  }
  return { level: 'disagree' };
}

/**
 * Whether two folded names are one name with a slip: Jaro-Winkler ≥ 0.88, or one edit for names of four letters
 * or more (two from six), or the same phonetic code (also from four). Three-letter names are close only with one
 * letter after the first slipped to a neighbouring key or a look-alike (`Ewa` / `Esa`, `Lea` / `Lca`), so that Ola
 * and Ela, or Jan and Jon, stay two names; shorter ones only match exactly. A name with a digit or `rn` is also read as a
 * scanner would have misread it (`M0nika`, `Srnith`: 0→o, 1→l, 5→s, 8→b, rn→m), since names hold no digits.
 */
export function closeNames(a: string, b: string): boolean {
  if (closeSpellings(a, b)) return true;
  if (!OCR_PRONE.test(a) && !OCR_PRONE.test(b)) return false;
  return closeSpellings(readAsScanned(a), readAsScanned(b));
}

function closeSpellings(a: string, b: string): boolean {
  if (a === b) return a !== '';
  const shorter = Math.min(a.length, b.length);
  if (shorter < 3) return false;
  if (a.length === 3 && b.length === 3 && a[0] === b[0] && oneSlip(a, b)) return true;
  if (shorter >= 4 && editDistance(a, b, 2) <= (shorter >= 6 ? 2 : 1)) return true;
  if (jaroWinkler(a, b) >= 0.88) return true;
  if (shorter < 4) return false;
  const code = phoneticCode(a);
  return code !== '' && code === phoneticCode(b);
}

/**
 * Whether two three-letter words differ in one letter after the first, and that letter is one a hand or a scanner
 * slips to: a key next to it on a QWERTY keyboard (Ewa / Ews, Ana / Aha) or a look-alike (Lea / Lca).
 */
function oneSlip(a: string, b: string): boolean {
  const i = a[1] === b[1] ? 2 : 1;
  if (i === 1 && a[2] !== b[2]) return false;
  return a[i] !== b[i] && (isKeyboardNeighbour(a[i], b[i]) || LOOK_ALIKES.has(a[i] + b[i]));
}

const KEY_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
const KEY_AT = new Map<string, [number, number]>(
  KEY_ROWS.flatMap((row, r) => [...row].map((key, c): [string, [number, number]] => [key, [r, c]])),
);

function isKeyboardNeighbour(x: string, y: string): boolean {
  const p = KEY_AT.get(x);
  const q = KEY_AT.get(y);
  return p !== undefined && q !== undefined && Math.abs(p[0] - q[0]) <= 1 && Math.abs(p[1] - q[1]) <= 1;
}

const LOOK_ALIKES = new Set(['ce', 'ec', 'bh', 'hb', 'il', 'li', 'nm', 'mn', 'uv', 'vu']);

const OCR_PRONE = /[0158]|rn/;
const OCR_LETTERS: Record<string, string> = { '0': 'o', '1': 'l', '5': 's', '8': 'b' };
const readAsScanned = (name: string) => name.replace(/[0158]/g, (d) => OCR_LETTERS[d]).replace(/rn/g, 'm');

/**
 * First names close by `closeNames`, also through the nickname table: a form of one of the names, with one slip,
 * is the other (`Tvomek` / `Tomasz`: Tomek mistyped; `Elizaheth` / `Betty`).
 */
const closeFirstNames = rememberedPair(function closeFirstNames(a: string, b: string): boolean {
  if (closeNames(a, b) || areNicknameEquivalent(a, b)) return true;
  return (
    givenNameForms(b).some((y) => y !== b && oneSlipApart(a, y)) ||
    givenNameForms(a).some((x) => x !== a && oneSlipApart(x, b))
  );
});

/**
 * One edit apart (from four letters; three-letter words as `closeSpellings` allows them): how a form of a name is
 * compared with a spelling that may carry a slip. Stricter than `closeNames` — no phonetic codes, which would make
 * short forms sound like other names (Jenn / John).
 */
function oneSlipApart(a: string, b: string): boolean {
  if (a === b) return true;
  const shorter = Math.min(a.length, b.length);
  if (shorter >= 4) return editDistance(a, b, 1) <= 1;
  return a.length === 3 && b.length === 3 && a[0] === b[0] && oneSlip(a, b);
}

/**
 * Surnames close by `closeNames`, or agreeing by their tokens (a second surname dropped), or — for double
 * surnames — each token of the one with fewer close to a token of the other (`Goumez` / `Gómez García`).
 */
const closeSurnames = rememberedPair(function closeSurnames(a: string, b: string): boolean {
  if (surnamesAgree(a, b) || closeNames(a, b)) return true;
  if (!a.includes(' ') && !b.includes(' ')) return false;
  const ta = a.split(' ');
  const tb = b.split(' ');
  const [fewer, more] = ta.length <= tb.length ? [ta, tb] : [tb, ta];
  return fewer.every((t) => more.some((u) => closeNames(t, u)));
});

/** Birth date levels: exact, transposed, typo, year, disagree. */
export function compareBirthDate(a: PreparedFeatures, b: PreparedFeatures): FieldOutcome & { yearsApart?: number } {
  const x = a.birth;
  const y = b.birth;
  if (!x || !y) return { level: 'missing' };
  if (x.date === y.date) return { level: 'exact' };
  const yearsApart = Math.abs(x.year - y.year);
  if (yearsApart === 0) {
    if (x.month === y.day && x.day === y.month) return { level: 'transposed', detail: 'day and month exchanged' };
    if (x.month === y.month) return { level: 'typo', detail: 'same year and month, another day' };
  }
  if (differentDigits(x.date, y.date) === 1) return { level: 'typo', detail: 'one digit differs' };
  if (yearsApart === 0) return { level: 'year', detail: 'same year only' };
  return { level: 'disagree', yearsApart };
}

function differentDigits(a: string, b: string): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) n++;
  return n;
}

/** Whether a mailbox name is just one of the two people's names (`spellsName`). */
function spellsName(local: string, p: PreparedFeatures): boolean {
  return spellsFoldedName(local, firstToken(p.first), p.last);
}

/**
 * The name a mailbox spells once its number is set aside (`anna.nowak74` → `annanowak`), when that is one of the two
 * people's names (`spellsName`); undefined when it is more than a name. Providers number a taken name and people add
 * their birth year, so a name with a number says little more than the name.
 */
function spelledName(local: string, a: PreparedFeatures, b: PreparedFeatures): string | undefined {
  const name = local.replace(/[\d._-]/g, '');
  return spellsName(name, a) || spellsName(name, b) ? name : undefined;
}

/** Email levels: exact, localPart, nameLocalPart, similar, disagree. */
export function compareEmail(a: PreparedFeatures, b: PreparedFeatures): FieldOutcome {
  const x = a.email;
  const y = b.email;
  if (!x || !y) return { level: 'missing' };
  if (x.base === y.base && x.domain === y.domain) {
    return x.raw === y.raw ? { level: 'exact' } : { level: 'exact', detail: 'one mailbox (+tag or Gmail dots aside)' };
  }
  if (x.base.length < 4 || y.base.length < 4 || x.junk || y.junk) {
    return { level: 'disagree' };
  }
  const numberX = x.digits;
  if (x.base === y.base) {
    if (spelledName(x.base, a, b) === undefined) {
      return { level: 'localPart', detail: 'same local part at another domain' };
    }
    const spelled = numberX === '' ? 'spelled from the name alone' : 'the name and a number';
    return { level: 'nameLocalPart', detail: `same local part at another domain, ${spelled}` };
  }
  const similarity = jaroWinkler(x.base, y.base);
  if (similarity >= 0.9) {
    const [nameX, nameY] = [spelledName(x.base, a, b), spelledName(y.base, a, b)];
    const numberY = y.digits;
    if (nameX !== undefined && nameY !== undefined && numberX === '' && numberY === '') {
      return { level: 'nameLocalPart', detail: 'local parts alike, both spelled from the name alone' };
    }
    // One name with different numbers (`anna.nowak` / `anna.nowak85`) is two namesakes' mailboxes — unless, at one
    // provider, the numbers are one slip apart (`anna.nowak85` / `anna.nowak86`: a typo of one mailbox).
    const oneSlip = x.domain === y.domain && editDistance(numberX, numberY, 1) <= 1;
    if (nameX !== undefined && nameX === nameY && numberX !== numberY && !oneSlip) {
      return { level: 'nameLocalPart', detail: 'local parts alike only in the name: their numbers differ' };
    }
    return { level: 'similar', detail: `Jaro-Winkler of local parts ${fixed(similarity)}` };
  }
  return { level: 'disagree' };
}

/** Phone levels: exact, last7, disagree. */
export function comparePhone(a: PreparedFeatures, b: PreparedFeatures): FieldOutcome {
  if (!a.phone || !b.phone) return { level: 'missing' };
  if (a.phone === b.phone) return { level: 'exact' };
  if (a.phone.length >= 7 && b.phone.length >= 7 && a.phone.slice(-7) === b.phone.slice(-7)) {
    return { level: 'last7', detail: 'last 7 digits equal' };
  }
  return { level: 'disagree' };
}

/** Street line levels: exact, similar (house number must agree), disagree. */
export function compareAddress(a: PreparedFeatures, b: PreparedFeatures): FieldOutcome {
  const x = a.street;
  const y = b.street;
  if (!x || !y) return { level: 'missing' };
  if (x.houseNumber !== y.houseNumber) return { level: 'disagree', detail: 'house numbers differ' };
  if (x.compact === y.compact) return { level: 'exact' };
  const similarity = jaroWinkler(x.compact, y.compact);
  if (similarity >= 0.9) return { level: 'similar', detail: `Jaro-Winkler of streets ${fixed(similarity)}` };
  return { level: 'disagree' };
}

/** Postal code levels: exact, prefix (first three characters), disagree. */
export function comparePostalCode(a: PreparedFeatures, b: PreparedFeatures): FieldOutcome {
  if (!a.postalCode || !b.postalCode) return { level: 'missing' };
  if (a.postalCode === b.postalCode) return { level: 'exact' };
  if (a.postalCode.length >= 3 && b.postalCode.length >= 3 && a.postalCode.slice(0, 3) === b.postalCode.slice(0, 3)) {
    return { level: 'prefix', detail: 'same first 3 characters' };
  }
  return { level: 'disagree' };
}

/** City levels: exact (folded), similar (Jaro-Winkler ≥ 0.9), disagree. */
export function compareCity(a: PreparedFeatures, b: PreparedFeatures): FieldOutcome {
  if (!a.city || !b.city) return { level: 'missing' };
  if (a.city === b.city) return { level: 'exact' };
  const similarity = jaroWinkler(a.city, b.city);
  if (similarity >= 0.9) return { level: 'similar', detail: `Jaro-Winkler ${fixed(similarity)}` };
  return { level: 'disagree' };
}
