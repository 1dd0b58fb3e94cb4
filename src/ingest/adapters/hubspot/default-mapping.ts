import type { FieldMapping } from '../../mapping/field-mapping';

/**
 * HubSpot's standard contact properties (internal names) → canonical paths. Everything else — lifecycle stage,
 * the `hs_email_optout*` flags, custom properties — lands in `custom["hubspot.<name>"]`.
 *
 * `mobilephone` goes to `custom.mobilePhone` rather than `phone`: the canonical record has one phone and HubSpot
 * sends the two as unrelated property changes, so mapping both would let whichever changed last win. A
 * deployment that prefers the mobile number maps `{ "mobilephone": "phone", "phone": "custom.officePhone" }`.
 *
 * `date_of_birth` carries no format hint: HubSpot sends date properties as `YYYY-MM-DD` from the CRM API and
 * as midnight-UTC epoch milliseconds in webhooks; the adapter turns both into `YYYY-MM-DD` (see `map.ts`).
 */
export const hubspotDefaultMapping: FieldMapping = {
  fields: {
    email: 'email',
    firstname: 'firstName',
    lastname: 'lastName',
    phone: 'phone',
    mobilephone: 'custom.mobilePhone',
    jobtitle: 'jobTitle',
    company: 'company',
    address: 'address.line1',
    city: 'address.city',
    zip: 'address.postalCode',
    state: 'address.region',
    country: 'address.country',
    date_of_birth: 'birthDate',
  },
  unmapped: 'custom',
  // System properties the record already carries as its id and timestamps.
  ignore: ['hs_object_id', 'createdate', 'lastmodifieddate'],
  emptyAs: 'absent',
};
