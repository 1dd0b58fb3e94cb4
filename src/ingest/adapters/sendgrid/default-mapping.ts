import type { FieldMapping } from '../../mapping/field-mapping';

/**
 * SendGrid events describe a recipient, not a profile: only `email` becomes an attribute. The rest of an event
 * goes to the timeline (`events[].properties`), so unmapped fields are dropped rather than kept under `custom`.
 * A deployment can still lift one of its custom arguments into the profile, e.g.
 * `{ "fields": { "customer_id": "identifiers.customerNumber" } }`.
 */
export const sendgridDefaultMapping: FieldMapping = {
  fields: { email: 'email' },
  unmapped: 'drop',
};
