import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from './connection.type';
import { PiiField, PiiJson, PiiValueOf } from '../auth/pii-mask';
import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';

export enum ProfileStatus {
  ACTIVE = 'active',
  MERGED = 'merged',
  ERASED = 'erased',
}
registerEnumType(ProfileStatus, { name: 'ProfileStatus', description: 'Lifecycle of a golden profile.' });

@ObjectType({ description: 'A postal address (golden or as a source sent it).' })
export class Address {
  @Field(() => String, { nullable: true }) line1!: string | null;
  @Field(() => String, { nullable: true }) line2!: string | null;
  @Field(() => String, { nullable: true }) city!: string | null;
  @Field(() => String, { nullable: true }) postalCode!: string | null;
  @Field(() => String, { nullable: true }) region!: string | null;
  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2.' }) country!: string | null;
}

@ObjectType({ description: 'One golden field with its lineage: where the value came from and why it won.' })
export class GoldenField {
  @Field({ description: 'Flat field path, e.g. `email`, `address.city`, `custom.salesforce.Industry`.' })
  name!: string;

  @Field(() => GraphQLJSON, { nullable: true })
  @PiiValueOf('name')
  value!: unknown;

  @Field({ description: 'Source key of the record that supplied the value; `steward` for a value a steward pinned.' })
  source!: string;

  @Field(() => ID, {
    nullable: true,
    description: 'Global id of the source record that supplied the value; null for a value a steward typed in.',
  })
  sourceRecordId!: string | null;

  @Field({
    description:
      'The rule that chose this value: `sourcePriority`, `mostRecent`, `earliest`, `mostFrequent`, `longest`, `sourceOfTruth`, `tieBreak` (the chain left several values; a conflict is open), or `pin`.',
  })
  rule!: string;

  @Field(() => Date, { nullable: true, description: 'When the source set this value.' })
  updatedAt!: Date | null;

  @Field({ description: 'True when a steward pinned the value.' })
  pinned!: boolean;

  /** Global id of the profile (not in the schema): for the audit of unmasked reads. */
  profileId?: string;
}

@ObjectType({ description: "One system's record of the person, as the source last sent it." })
export class SourceRecord {
  @Field(() => ID) id!: string;
  @Field() source!: string;
  @Field() externalId!: string;
  @Field() objectType!: string;
  @Field(() => ID) profileId!: string;
  @Field() deleted!: boolean;

  @Field(() => GraphQLJSONObject, { description: 'Canonical attributes as this source holds them.' })
  @PiiJson()
  attributes!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, { description: 'Per-field source timestamps, keyed by field path.' })
  fieldUpdatedAt!: Record<string, string>;

  @Field(() => Date, { nullable: true, description: 'Latest change time the source reported.' })
  sourceUpdatedAt!: Date | null;

  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

@ObjectType({ description: 'The golden profile: one person across every connected system.' })
export class Profile {
  @Field(() => ID) id!: string;
  @Field(() => ProfileStatus) status!: ProfileStatus;

  @Field(() => ID, { nullable: true, description: 'Set when this profile was merged into another.' })
  mergedIntoId!: string | null;

  @Field(() => Int, { description: 'Increases by one with every change to the golden values.' })
  version!: number;

  @Field(() => String, { nullable: true })
  @PiiField('email')
  email!: string | null;

  @Field(() => String, { nullable: true, description: 'E.164.' })
  @PiiField('phone')
  phone!: string | null;

  @Field(() => String, { nullable: true })
  @PiiField('firstName')
  firstName!: string | null;

  @Field(() => String, { nullable: true })
  @PiiField('lastName')
  lastName!: string | null;

  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD.' })
  @PiiField('birthDate')
  birthDate!: string | null;

  @Field(() => String, { nullable: true }) company!: string | null;
  @Field(() => String, { nullable: true }) jobTitle!: string | null;
  @Field(() => Address, {
    nullable: true,
    description: 'Without `pii:read`: region and country only, the rest masked.',
  })
  @PiiField('address')
  address!: Address | null;

  @Field(() => GraphQLJSONObject, { description: 'Custom attributes, namespaced by source where mapped so.' })
  custom!: Record<string, unknown>;

  @Field(() => Float) leadScore!: number;
  @Field(() => String, { nullable: true }) lifecycleStage!: string | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

@InputType({ description: 'What `profiles` looks for.' })
export class ProfileFilter {
  @Field({
    description:
      'An email or phone number (normalised as on ingest), or the beginning of a first or last name — two words match first and last name in either order. At least two characters.',
  })
  search!: string;
}

@ObjectType()
export class ProfileEdge {
  @Field() cursor!: string;
  @Field(() => Profile) node!: Profile;
}

@ObjectType({ description: 'A page of profiles.' })
export class ProfileConnection {
  @Field(() => [ProfileEdge]) edges!: ProfileEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}
