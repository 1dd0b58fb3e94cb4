import type { FieldMapping } from '../../mapping/field-mapping';

/**
 * Mailchimp's default merge fields (`data[merges][…]`) → canonical paths. The address merge field's parts come
 * flattened as `ADDRESS.addr1` …; every other merge field (INTERESTS, BIRTHDAY, custom ones) lands in
 * `custom["mailchimp.<TAG>"]`.
 *
 * Empty merge fields are left alone (`emptyAs: absent`): Mailchimp sends every merge field on each event, so
 * an empty one does not say the subscriber cleared it. A deployment that wants empties to clear sets
 * `"emptyAs": "null"`.
 */
export const mailchimpDefaultMapping: FieldMapping = {
  fields: {
    EMAIL: 'email',
    FNAME: 'firstName',
    LNAME: 'lastName',
    PHONE: 'phone',
    'ADDRESS.addr1': 'address.line1',
    'ADDRESS.addr2': 'address.line2',
    'ADDRESS.city': 'address.city',
    'ADDRESS.state': 'address.region',
    'ADDRESS.zip': 'address.postalCode',
    'ADDRESS.country': 'address.country',
  },
  unmapped: 'custom',
  emptyAs: 'absent',
};
