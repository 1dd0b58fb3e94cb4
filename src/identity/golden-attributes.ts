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

export function isCoreAttribute(path: string): path is CoreAttribute {
  return (CORE_ATTRIBUTES as readonly string[]).includes(path);
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
