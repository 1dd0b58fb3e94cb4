import type { FieldMapping } from '../../mapping/field-mapping';

/**
 * Salesforce Contact and Lead standard fields → canonical attributes, by sObject API name. Change events use
 * the same names once their compound fields are flattened (`Name.LastName` → `LastName`,
 * `MailingAddress.City` → `MailingCity`, a lead's `Address.City` → `City`). `MobilePhone` is unmapped (kept as
 * `custom["salesforce.MobilePhone"]`) and fills `phone` only when the payload says `Phone` is empty. Country
 * names are turned into ISO codes after mapping; a name that cannot be is kept in custom only.
 * @example a deployment override: { "fields": { "Customer_Number__c": "identifiers.customerNumber" } }
 */
export const salesforceDefaultMapping: FieldMapping = {
  fields: {
    Email: 'email',
    FirstName: 'firstName',
    LastName: 'lastName',
    Phone: 'phone',
    Title: 'jobTitle',
    Birthdate: { path: 'birthDate', format: 'date:YYYY-MM-DD' },
    'Account.Name': 'company',
    Company: 'company',
    // Contact
    MailingStreet: 'address.line1',
    MailingCity: 'address.city',
    MailingPostalCode: 'address.postalCode',
    MailingState: 'address.region',
    MailingCountry: 'address.country',
    MailingCountryCode: 'address.country',
    // Lead
    Street: 'address.line1',
    City: 'address.city',
    PostalCode: 'address.postalCode',
    State: 'address.region',
    Country: 'address.country',
    CountryCode: 'address.country',
  },
  unmapped: 'custom',
  ignore: [
    'Id',
    'attributes',
    'IsDeleted',
    'MasterRecordId',
    // Derived from FirstName/LastName/Salutation.
    'Name',
    'CreatedDate',
    'CreatedById',
    'LastModifiedDate',
    'LastModifiedById',
    'SystemModstamp',
    'OwnerId',
    'LastActivityDate',
    'LastViewedDate',
    'LastReferencedDate',
    'LastCURequestDate',
    'LastCUUpdateDate',
    'PhotoUrl',
    'Jigsaw',
    'JigsawContactId',
    'CleanStatus',
    // A relationship without its record (REST answers `"Account": null`); `Account.Name` carries the value.
    'Account',
    // Represented as a link and a `lead_converted` event.
    'ConvertedContactId',
    'ConvertedAccountId',
    'ConvertedOpportunityId',
    // Geocodes Salesforce derives from the address.
    'MailingLatitude',
    'MailingLongitude',
    'MailingGeocodeAccuracy',
    'Latitude',
    'Longitude',
    'GeocodeAccuracy',
  ],
};
