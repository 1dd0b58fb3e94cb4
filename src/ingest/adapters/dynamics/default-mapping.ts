import type { FieldMapping } from '../../mapping/field-mapping';

/**
 * Dataverse contact and lead columns (logical names) → canonical paths. Lookups map by their display name
 * (`parentcustomerid` → the account's name as company) or, for `links.*` and `identifiers.*`, by their GUID
 * (`originatingleadid`: a contact qualified from a lead is the same person as that lead). `/Date(…)/` values
 * become `YYYY-MM-DD` for `birthDate` and ISO instants elsewhere; option sets and money become their numbers.
 * `mobilephone` fills `phone` only when the payload shows `telephone1` empty. Other columns land in
 * `custom["dynamics.<column>"]`; system columns are ignored.
 */
export const dynamicsDefaultMapping: FieldMapping = {
  fields: {
    emailaddress1: 'email',
    firstname: 'firstName',
    lastname: 'lastName',
    telephone1: 'phone',
    jobtitle: 'jobTitle',
    birthdate: 'birthDate',
    parentcustomerid: 'company',
    companyname: 'company',
    address1_line1: 'address.line1',
    address1_line2: 'address.line2',
    address1_city: 'address.city',
    address1_postalcode: 'address.postalCode',
    address1_stateorprovince: 'address.region',
    address1_country: 'address.country',
    originatingleadid: 'links.dynamics',
  },
  unmapped: 'custom',
  ignore: [
    'contactid',
    'leadid',
    'fullname',
    'yomifullname',
    'yomifirstname',
    'yomilastname',
    'yomimiddlename',
    'address1_composite',
    'address2_composite',
    'address3_composite',
    'address1_addressid',
    'address2_addressid',
    'address3_addressid',
    'createdon',
    'createdby',
    'createdonbehalfby',
    'modifiedon',
    'modifiedby',
    'modifiedonbehalfby',
    'overriddencreatedon',
    'ownerid',
    'owninguser',
    'owningteam',
    'owningbusinessunit',
    'versionnumber',
    'importsequencenumber',
    'timezoneruleversionnumber',
    'utcconversiontimezonecode',
    'processid',
    'stageid',
    'traversedpath',
    'exchangerate',
    'transactioncurrencyid',
    'entityimage',
    'entityimage_timestamp',
    'entityimage_url',
    'entityimageid',
  ],
};
