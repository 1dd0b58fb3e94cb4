import { GraphQLJSON } from 'graphql-scalars';
import { createUnionType, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ActionRefused } from './merge.type';

/** Why a person is erased; a category, so that no free text (and no personal data) reaches the audit trail. */
export enum ErasureReason {
  DATA_SUBJECT_REQUEST = 'data_subject_request',
  CONSENT_WITHDRAWN = 'consent_withdrawn',
  OBJECTION = 'objection',
  NO_LONGER_NEEDED = 'no_longer_needed',
  UNLAWFUL_PROCESSING = 'unlawful_processing',
  LEGAL_OBLIGATION = 'legal_obligation',
  OTHER = 'other',
}
registerEnumType(ErasureReason, { name: 'ErasureReason' });

@ObjectType({ description: 'Everything the hub holds on one person (right of access), as one JSON document.' })
export class ProfileExport {
  @Field(() => ID, { description: 'The profile the requested id resolves to (merges are followed).' })
  profileId!: string;
  @Field() generatedAt!: Date;
  @Field(() => GraphQLJSON, {
    description:
      'Sections: profile (with lineage), mergedProfiles, sourceRecords (with rawPayload), identifiers, ' +
      'sourceRecordLinks, doNotMergePairs, consentHistory, consents, timeline, segmentMemberships, mergeHistory, ' +
      'mergeCandidates, conflicts, pins, changeEvents, webhookDeliveries, deadLetters, auditEntries.',
  })
  document!: unknown;
}

@ObjectType({ description: 'The person is erased; only non-personal tombstones remain.' })
export class ProfileErased {
  @Field(() => ID, { description: 'The erased profile (the id keeps resolving, to a tombstone).' }) profileId!: string;
  @Field(() => [ID], { description: 'Profiles that had been merged into it, erased with it.' })
  absorbedProfileIds!: string[];
  @Field() erasedAt!: Date;
  @Field(() => Int, { description: 'Source records deleted.' }) sourceRecords!: number;
  @Field(() => Int, { description: 'Identifiers added to the suppression list.' }) suppressionEntries!: number;
}

export const ExportProfileResult = createUnionType({
  name: 'ExportProfileResult',
  types: () => [ProfileExport, ActionRefused] as const,
  resolveType: (value) => ('code' in value ? ActionRefused : ProfileExport),
});

export const EraseProfileResult = createUnionType({
  name: 'EraseProfileResult',
  types: () => [ProfileErased, ActionRefused] as const,
  resolveType: (value) => ('code' in value ? ActionRefused : ProfileErased),
});
