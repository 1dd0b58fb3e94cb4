import { getCountries, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { remembered } from './compare/remembered';

/**
 * Role inboxes: a team's address, not a person's, so it must never join two people. `extra.roleLocalParts`
 * adds to this list.
 */
export const ROLE_LOCAL_PARTS: readonly string[] = [
  'info',
  'sales',
  'support',
  'admin',
  'administrator',
  'office',
  'contact',
  'hello',
  'marketing',
  'billing',
  'kontakt',
  'biuro',
  'help',
  'team',
  'enquiries',
  'inquiries',
  'service',
  'customerservice',
  'accounts',
  'accounting',
  'finance',
  'invoices',
  'orders',
  'hr',
  'jobs',
  'careers',
  'press',
  'webmaster',
  'postmaster',
  'hostmaster',
  'abuse',
  'privacy',
  'reception',
  'sekretariat',
  'buero',
  'vertrieb',
  'contacto',
  'ventas',
  'mail',
];

/** Placeholders typed where a value was required but unknown (compared folded: no `-`, `.`, `_`, `/`). */
const PLACEHOLDERS = new Set([
  'test',
  'testing',
  'tester',
  'noreply',
  'donotreply',
  'unknown',
  'none',
  'na',
  'null',
  'nil',
  'undefined',
  'asdf',
  'asdfgh',
  'qwerty',
  'dummy',
  'fake',
  'nobody',
  'noemail',
  'nomail',
  'noname',
  'invalid',
  'xxx',
  'abc',
  'abcd',
  'brak',
  'keine',
]);
/** Domains that only ever hold made-up addresses. Not `example.com`: tests and fixtures use it throughout. */
const JUNK_DOMAINS = new Set([
  'test.com',
  'test.de',
  'test.pl',
  'testing.com',
  'none.com',
  'noemail.com',
  'nomail.com',
  'no-email.com',
  'unknown.com',
  'asdf.com',
  'domain.com',
  'yourdomain.com',
]);
/** Reserved top-level domains (RFC 2606) that never deliver; `.example` is left alone like example.com. */
const JUNK_TLD = /\.(test|invalid|localhost)$/;
const REPEATED = /^(.)\1+$/;

const placeholderForm = (value: string) => value.toLowerCase().replace(/[-._/\s]/g, '');

/**
 * Whether a value is a placeholder or shared value that must never be used to join two people: empty values,
 * `test@test.com`, `noreply@…`, `n/a`, `asdf`, `xxxx`, role inboxes (`info@`, `biuro@` …), phones such as
 * `0000000`, `1234567`, `+10000000000`, and the deployment's own blocked values (exact, case-insensitive).
 * `example.com` addresses are NOT junk. `type` is an identifier type (`email`, `phone`, `birthDate`, or any
 * declared type such as `customerNumber`, which gets only the generic checks).
 * @example isJunkIdentifier('email', 'info@acme.pl') // → true
 * @example isJunkIdentifier('phone', '+48 601 234 567') // → false
 */
export function isJunkIdentifier(
  type: 'email' | 'phone' | string,
  value: string,
  extra: { blocked?: readonly string[]; roleLocalParts?: readonly string[] } = {},
): boolean {
  const trimmed = value.trim();
  if (trimmed === '') return true;
  if (extra.blocked?.some((b) => sameBlockedValue(type, b, trimmed))) return true;
  if (type === 'email') return isJunkEmail(trimmed.toLowerCase(), extra.roleLocalParts);
  if (type === 'phone') return isJunkPhone(trimmed);
  if (type === 'birthDate') return isPlaceholderBirthDate(trimmed);
  const form = placeholderForm(trimmed);
  return form === '' || PLACEHOLDERS.has(form) || REPEATED.test(form);
}

/**
 * Whether the local part of an email (before `@`, without a `+tag`) is a placeholder or a role inbox; shared
 * with blocking, which keys on local parts.
 */
export function isJunkLocalPart(local: string, roleLocalParts: readonly string[] = []): boolean {
  if (isJunkByDefault(local)) return true;
  if (roleLocalParts.length === 0) return false;
  const base = local.toLowerCase().split('+')[0];
  return roleLocalParts.some((r) => r.toLowerCase() === base);
}

/** The built-in lists' verdict, remembered: matching asks it of every candidate's mailbox, again and again. */
const isJunkByDefault = remembered((local: string): boolean => {
  const base = local.toLowerCase().split('+')[0];
  const form = placeholderForm(base);
  return form === '' || PLACEHOLDERS.has(form) || REPEATED.test(form) || ROLE_LOCAL_PARTS.includes(base);
});

function isJunkEmail(email: string, roleLocalParts: readonly string[] | undefined): boolean {
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return true;
  const domain = email.slice(at + 1);
  return JUNK_DOMAINS.has(domain) || JUNK_TLD.test(domain) || isJunkLocalPart(email.slice(0, at), roleLocalParts);
}

/** Remembered: a phone is parsed to read its national number, and the same numbers come back batch after batch. */
const isJunkPhone = remembered(function isJunkPhone(phone: string): boolean {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 6) return true;
  const forms = [digits];
  // The national number, so that `+48 123 456 789` is seen as the 123456789 it is; a real number such as
  // +48 601 234 567 must not look like a run just because some suffix of it is one.
  if (phone.startsWith('+')) {
    const national = nationalDigits(digits) ?? parsePhoneNumberFromString(phone)?.nationalNumber;
    if (national) forms.push(national);
  }
  return forms.some((d) => REPEATED.test(d) || isDigitRun(d));
});

/** Country calling codes (`1`, `48`, `353` …): no code is a prefix of another, so a number starts with one at most. */
const CALLING_CODES = new Set(getCountries().map((country) => getCountryCallingCode(country)));

/**
 * The digits after an international number's country calling code, without parsing the number (which the
 * validation did already, and which costs more than the rest of the check); undefined for a code no country
 * holds (`+800` …), which the caller parses.
 */
function nationalDigits(digits: string): string | undefined {
  for (let length = 1; length <= 3; length++) {
    if (CALLING_CODES.has(digits.slice(0, length))) return digits.slice(length);
  }
  return undefined;
}

/** `123456789`, `1234567890`, `9876543210` … : each digit one more (or one less) than the one before. */
function isDigitRun(digits: string): boolean {
  if (digits.length < 6) return false;
  const step = (digits.charCodeAt(1) - digits.charCodeAt(0) + 10) % 10;
  if (step !== 1 && step !== 9) return false;
  for (let i = 2; i < digits.length; i++) {
    if ((digits.charCodeAt(i) - digits.charCodeAt(i - 1) + 10) % 10 !== step) return false;
  }
  return true;
}

/** Dates that systems fill in when the birth date is unknown: `1900-01-01`, `1901-01-01`, anything before 1900. */
function isPlaceholderBirthDate(date: string): boolean {
  const year = Number(date.slice(0, 4));
  return !Number.isInteger(year) || year < 1900 || date === '1900-01-01' || date === '1901-01-01';
}

function sameBlockedValue(type: string, blocked: string, value: string): boolean {
  const b = blocked.trim().toLowerCase();
  if (b === value.toLowerCase()) return true;
  if (type !== 'phone') return false;
  const digits = b.replace(/\D/g, '');
  return digits.length > 0 && digits === value.replace(/\D/g, '');
}
