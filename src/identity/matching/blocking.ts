import { createHash } from 'node:crypto';
import { spellsName } from './compare/mailbox-name';
import { canonicalGivenNames, isKnownGivenName } from './compare/nicknames';
import { fold, normalisePostalCode, normaliseStreetLine } from './compare/normalise';
import { phoneticCode } from './compare/phonetic';
import { isJunkLocalPart } from './junk-values';
import type { PersonFeatures } from './person-features';

/** Longest key; longer ones end in a hash of the whole key. */
export const MAX_BLOCKING_KEY_LENGTH = 80;
/** Phonetic codes in keys are cut to this many letters. */
const CODE_LENGTH = 8;

/**
 * Blocking keys of a person: records that share at least one key are scored against each other, no others.
 * Each key is `<kind>:<values>`, at most 80 characters, and is chosen so that the same person with one typical
 * error (a typo in the surname, a nickname, swapped names, day and month exchanged, a new email, a new phone or
 * its format) keeps at least one key of their other records, while no key gathers thousands of people:
 * - `e:<email>` — the mailbox (`+tag` and Gmail dots removed);
 * - `el:<local part>` — the local part at any provider, only when ≥ 4 characters and not a role, a
 *   placeholder, a bare given name or just the record's own name (`kowal.jan80`, not `info`, `test`, `anna`,
 *   or `jan.kowalski` for Jan Kowalski: every namesake may hold that one somewhere, so such a key is a name-only
 *   block that grows with the number of profiles, and the scorer counts that agreement as the name's anyway);
 * - `p:<last 9 digits>` — the phone in any format or country prefix;
 * - `n:<surname code>:<birth date>`;
 * - `f:<first-name code>:<birth date>` — survives a surname change or typo;
 * - `n:<code>:<code>:<birth year>` — first- and surname codes in alphabetical order, so that swapped names share it;
 * - `a:<postal code>:<house number>:<surname code>`;
 * - `af:<postal code>:<house number>:<first-name code>` — survives a surname typo and a birth-date slip at once;
 * - `z:<postal code>:<surname code>` — for records with neither a birth date nor a house number;
 * - `d:<birth date>:<postal code>`;
 * - `dm:<date>:<surname code>` — of the birth date and its day/month swap, the earlier, so that a date and its
 *   transposition share the key.
 * Codes are `phoneticCode`s (names in other scripts use their folded form, prefixed `=`); a first name adds a
 * key for each canonical name of its nickname (`Bob` also keys as `Robert`).
 * @example blockingKeys({ firstName: 'Jan', lastName: 'Kowalski', birthDate: '1980-03-05' })
 *          // → ['n:KFLSK:1980-03-05', 'f:JN:1980-03-05', 'n:JN:KFLSK:1980', 'dm:1980-03-05:KFLSK']
 */
export function blockingKeys(p: PersonFeatures): string[] {
  const keys = new Set<string>();
  const add = (key: string) => keys.add(clip(key));

  const email = p.email?.trim().toLowerCase();
  const at = email ? email.lastIndexOf('@') : -1;
  if (email && at > 0) {
    let local = email.slice(0, at).split('+')[0];
    let domain = email.slice(at + 1);
    if (domain === 'gmail.com' || domain === 'googlemail.com') {
      local = local.replace(/\./g, '');
      domain = 'gmail.com';
    }
    add(`e:${local}@${domain}`);
    const handle = local.replace(/[._-]/g, '');
    const ownName = spellsName(local, p.firstName ? fold(p.firstName) : '', p.lastName ? fold(p.lastName) : '');
    if (handle.length >= 4 && !isJunkLocalPart(local) && !isKnownGivenName(handle) && !ownName) add(`el:${handle}`);
  }

  const digits = p.phone?.replace(/\D/g, '') ?? '';
  if (digits.length >= 7) add(`p:${digits.slice(-9)}`);

  const last = p.lastName ? nameCode(p.lastName) : '';
  const firsts = p.firstName ? firstNameCodes(p.firstName) : [];
  const birth = p.birthDate?.match(/^(\d{4})-(\d{2})-(\d{2})$/);
  const postal = p.address?.postalCode ? normalisePostalCode(p.address.postalCode) : '';
  const houseNumber = p.address?.line1 ? normaliseStreetLine(p.address.line1).houseNumber : undefined;

  if (birth) {
    const [date, year, month, day] = birth;
    if (last) add(`n:${last}:${date}`);
    for (const first of firsts) add(`f:${first}:${date}`);
    // The two codes in code-unit order (what `[first, last].sort()` gives), without an array and its sort.
    if (last)
      for (const first of firsts) add(first < last ? `n:${first}:${last}:${year}` : `n:${last}:${first}:${year}`);
    if (postal) add(`d:${date}:${postal}`);
    if (last && Number(day) <= 12 && day !== month) {
      const swapped = `${year}-${day}-${month}`;
      add(`dm:${swapped < date ? swapped : date}:${last}`);
    }
  }
  if (postal && houseNumber && last) add(`a:${postal}:${houseNumber}:${last}`);
  // A mistyped surname together with a birth-date slip loses every key above but this one.
  if (postal && houseNumber && firsts.length > 0) add(`af:${postal}:${houseNumber}:${firsts[0]}`);
  // Records without a birth date or house number (a web form, an MA lead) still meet their family name's
  // other records in the same postal area; a postal code holds few people of one surname.
  if (postal && last) add(`z:${postal}:${last}`);
  return [...keys];
}

/** Phonetic code of a name, or `=<folded>` for names the code cannot spell (other scripts). */
function nameCode(name: string): string {
  const code = phoneticCode(name).slice(0, CODE_LENGTH);
  if (code) return code;
  const folded = fold(name).replace(/ /g, '');
  return folded ? `=${folded.slice(0, 20)}` : '';
}

/** Codes of a first name and of the canonical names it is a nickname of (at most three). */
function firstNameCodes(firstName: string): string[] {
  const first = fold(firstName).split(' ')[0] ?? '';
  if (!first) return [];
  const codes = [first, ...canonicalGivenNames(first)].map(nameCode).filter(Boolean);
  return [...new Set(codes)].slice(0, 3);
}

function clip(key: string): string {
  if (key.length <= MAX_BLOCKING_KEY_LENGTH) return key;
  const hash = createHash('sha256').update(key).digest('base64url').slice(0, 16);
  return `${key.slice(0, MAX_BLOCKING_KEY_LENGTH - hash.length - 1)}~${hash}`;
}
