import { ADDRESS_KEYS, type AddressPart } from '../golden-attributes';
import { isCalendarDate } from '../../common/calendar';
import { isJunkIdentifier } from './junk-values';

/** What matching compares, taken from a source record's or golden profile's flat attributes. */
export interface PersonFeatures {
  firstName?: string;
  lastName?: string;
  /** YYYY-MM-DD */
  birthDate?: string;
  /** normalised, lower-case */
  email?: string;
  /** E.164 */
  phone?: string;
  address?: { line1?: string; city?: string; postalCode?: string; country?: string };
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})/;

function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  if (isCollapsed(value)) return value === '' ? undefined : value;
  const collapsed = value.trim().replace(/\s+/g, ' ');
  return collapsed === '' ? undefined : collapsed;
}

/**
 * Whether trimming and collapsing white space would leave `value` as it is: no space at either end, no two in a
 * row, no other white space — what nearly every stored value is, validation having collapsed it. Characters past
 * U+167F (where Unicode's other spaces start) are left to the regular expressions.
 */
function isCollapsed(value: string): boolean {
  const last = value.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = value.charCodeAt(i);
    if (c > 32 && c !== 160 && c < 0x1680) continue;
    if (c !== 32 || i === 0 || i === last || value.charCodeAt(i - 1) === 32) return false;
  }
  return true;
}

/** `+` and digits only: an E.164 number, as validation writes phones. */
function isPlainPhone(value: string): boolean {
  for (let i = value.charCodeAt(0) === 43 ? 1 : 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Reads the matching features from flat attributes (`email`, `firstName`, `lastName`, `birthDate`, `phone`,
 * `address.line1`, `address.city`, `address.postalCode`, `address.country`; a nested `address` object is read
 * too). Values are trimmed; `null`, empty and non-text values are absent. The email is lower-cased, the phone
 * keeps only `+` and digits, the birth date must be a date (a timestamp keeps its date part) and placeholder
 * dates such as `1900-01-01` are dropped. Names keep their spelling: comparisons fold them.
 * @example featuresFromAttributes({ email: 'Ann@X.io', 'address.city': 'Kraków', birthDate: null })
 *          // → { email: 'ann@x.io', address: { city: 'Kraków' } }
 */
export function featuresFromAttributes(flat: Record<string, unknown>): PersonFeatures {
  const nested =
    flat.address !== null && typeof flat.address === 'object' ? (flat.address as Record<string, unknown>) : {};
  const part = (key: AddressPart) => text(flat[ADDRESS_KEYS[key]]) ?? text(nested[key]);
  const features: PersonFeatures = {};
  const firstName = text(flat.firstName);
  const lastName = text(flat.lastName);
  const email = text(flat.email)?.toLowerCase();
  const rawPhone = text(flat.phone);
  const phone = rawPhone && !isPlainPhone(rawPhone) ? rawPhone.replace(/(?!^\+)[^\d]/g, '') : rawPhone;
  const birth = text(flat.birthDate)?.match(DATE);
  if (firstName) features.firstName = firstName;
  if (lastName) features.lastName = lastName;
  if (birth) {
    const date = `${birth[1]}-${birth[2]}-${birth[3]}`;
    if (isCalendarDate(date) && !isJunkIdentifier('birthDate', date)) features.birthDate = date;
  }
  if (email) features.email = email;
  if (phone && /\d/.test(phone)) features.phone = phone;
  const address: NonNullable<PersonFeatures['address']> = {};
  const line1 = part('line1');
  const city = part('city');
  const postalCode = part('postalCode');
  const country = part('country')?.toUpperCase();
  if (line1) address.line1 = line1;
  if (city) address.city = city;
  if (postalCode) address.postalCode = postalCode;
  if (country) address.country = country;
  if (Object.keys(address).length > 0) features.address = address;
  return features;
}
