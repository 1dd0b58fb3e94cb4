/**
 * The golden profile's typed core attributes, by their flat path. Source records store attributes under the
 * same flat paths (`address.city`), custom attributes under `custom.<key>`.
 */
export const CORE_ATTRIBUTES = [
  'email',
  'phone',
  'firstName',
  'lastName',
  'birthDate',
  'company',
  'jobTitle',
  'address.line1',
  'address.line2',
  'address.city',
  'address.postalCode',
  'address.region',
  'address.country',
] as const;
export type CoreAttribute = (typeof CORE_ATTRIBUTES)[number];

export const ADDRESS_PARTS = ['line1', 'line2', 'city', 'postalCode', 'region', 'country'] as const;
export type AddressPart = (typeof ADDRESS_PARTS)[number];

/**
 * Each address part's flat key, as literals: hot paths (validation, matching) read and write these keys for every
 * record, and a key built per record (`address.${part}`) is looked up in V8's string table anew each time.
 */
export const ADDRESS_KEYS: Readonly<Record<AddressPart, string>> = {
  line1: 'address.line1',
  line2: 'address.line2',
  city: 'address.city',
  postalCode: 'address.postalCode',
  region: 'address.region',
  country: 'address.country',
};

/** A value a source gave for one field; `null` means the source cleared it. */
export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };

/** Flat attribute map of a source record or golden profile: path → value. */
export type FlatAttributes = Record<string, AttributeValue>;

/** Column of `golden_profile` that stores each core attribute. */
export const CORE_COLUMNS: Record<CoreAttribute, string> = {
  email: 'email',
  phone: 'phone',
  firstName: 'first_name',
  lastName: 'last_name',
  birthDate: 'birth_date',
  company: 'company',
  jobTitle: 'job_title',
  'address.line1': 'address_line1',
  'address.line2': 'address_line2',
  'address.city': 'address_city',
  'address.postalCode': 'address_postal_code',
  'address.region': 'address_region',
  'address.country': 'address_country',
};

/** The core attribute columns of `golden_profile` for a SELECT list (dates as `YYYY-MM-DD` text). */
export const GOLDEN_ATTRIBUTE_COLUMNS = CORE_ATTRIBUTES.map((f) => CORE_COLUMNS[f])
  .map((c) => (c === 'birth_date' ? 'birth_date::text AS birth_date' : c))
  .join(', ');

/** A `golden_profile` row (selected with `GOLDEN_ATTRIBUTE_COLUMNS` and `custom`) as flat attributes. */
export function goldenRowAttributes(row: Record<string, unknown>): FlatAttributes {
  const flat: FlatAttributes = {};
  for (const field of CORE_ATTRIBUTES) {
    const value = row[CORE_COLUMNS[field]];
    if (value !== null && value !== undefined) flat[field] = value as string;
  }
  for (const [key, value] of Object.entries((row.custom as FlatAttributes | null) ?? {})) flat[`custom.${key}`] = value;
  return flat;
}

/** Turns a flat attribute map back into the canonical nested shape (`address`, `custom`). */
export function nestAttributes(flat: FlatAttributes): Record<string, AttributeValue> {
  const nested: Record<string, AttributeValue> = {};
  for (const [path, value] of Object.entries(flat)) {
    const dot = path.indexOf('.');
    if (dot < 0) {
      nested[path] = value;
      continue;
    }
    const group = path.slice(0, dot);
    const key = path.slice(dot + 1);
    const bucket = (nested[group] ??= {}) as Record<string, AttributeValue>;
    bucket[key] = value;
  }
  return nested;
}
