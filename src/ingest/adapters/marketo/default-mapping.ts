import type { FieldMapping } from '../../mapping/field-mapping';

/**
 * Marketo's standard lead fields (REST API names) → canonical paths. A lead's other fields land in
 * `custom["marketo.<field>"]`; a Change Data Value activity patches only fields that have a rule here (or in
 * the deployment's mapping), e.g. `{ "fields": { "leadScore": "custom.score" } }`.
 * `id` is the record's externalId and `createdAt` is Marketo bookkeeping.
 */
export const marketoDefaultMapping: FieldMapping = {
  fields: {
    email: 'email',
    firstName: 'firstName',
    lastName: 'lastName',
    phone: 'phone',
    title: 'jobTitle',
    company: 'company',
    address: 'address.line1',
    city: 'address.city',
    postalCode: 'address.postalCode',
    state: 'address.region',
    country: 'address.country',
    dateOfBirth: { path: 'birthDate', format: 'date:YYYY-MM-DD' },
    updatedAt: { path: 'updatedAt', format: 'timestamp:iso' },
  },
  unmapped: 'custom',
  ignore: ['id', 'createdAt'],
};

/**
 * Display names of the standard fields (Get Lead Activities names the changed field of a Change Data Value by
 * its display name; Get Lead Changes by its REST name) → REST API names.
 */
export const MARKETO_DISPLAY_NAMES: Record<string, string> = {
  'Email Address': 'email',
  'First Name': 'firstName',
  'Last Name': 'lastName',
  'Phone Number': 'phone',
  'Mobile Phone Number': 'mobilePhone',
  'Job Title': 'title',
  'Company Name': 'company',
  Address: 'address',
  City: 'city',
  'Postal Code': 'postalCode',
  State: 'state',
  Country: 'country',
  'Date of Birth': 'dateOfBirth',
  Unsubscribed: 'unsubscribed',
  'Unsubscribed Reason': 'unsubscribedReason',
};
