import { GraphQLJSON } from 'graphql-scalars';
import { createUnionType, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PiiResolution, PiiValueOf } from '../auth/pii-mask';
import { PageInfo } from './connection.type';
import { ActionRefused } from './merge.type';
import { GoldenField, Profile } from './profile.type';

export enum ConflictStatus {
  OPEN = 'open',
  RESOLVED = 'resolved',
  CLOSED = 'closed',
}
registerEnumType(ConflictStatus, {
  name: 'ConflictStatus',
  description: '`open` waits for a steward; `resolved` by a steward; `closed` on its own (the sources converged).',
});

@ObjectType({ description: 'One value a source holds for a field in conflict, with its lineage.' })
export class ConflictCandidate {
  @Field(() => GraphQLJSON, { description: 'The value (for `address`, an object of its parts).' })
  @PiiValueOf('field')
  value!: unknown;
  @Field() source!: string;
  @Field(() => ID) sourceRecordId!: string;
  @Field(() => Date, { nullable: true, description: 'When the source set the value.' }) updatedAt!: Date | null;
  /** The conflict's field and profile (not in the schema): what masking and the audit need. */
  field?: string;
  profileId?: string;
}

@ObjectType({
  description:
    'Sources disagree on a golden field in a way the rules should not settle alone (concurrent edits of a review ' +
    "field, or a rule chain that could not decide). The golden profile keeps the rules' choice until resolved.",
})
export class Conflict {
  @Field(() => ID) id!: string;
  @Field(() => ID) profileId!: string;
  @Field({ description: 'The field, e.g. `email`; `address` for the address as a whole.' }) field!: string;
  @Field(() => ConflictStatus) status!: ConflictStatus;
  @Field({ description: '`concurrent_edit` or `undecidable`.' }) reason!: string;
  @Field(() => [ConflictCandidate]) candidates!: ConflictCandidate[];
  @Field(() => GraphQLJSON, {
    nullable: true,
    description:
      'What settled it: the chosen value or source record and the note, or `{ outcome: converged | superseded }`.',
  })
  @PiiResolution()
  resolution!: unknown;
  @Field(() => String, { nullable: true, description: 'Who resolved it (`system` when it closed on its own).' })
  resolvedBy!: string | null;
  @Field(() => Date, { nullable: true }) resolvedAt!: Date | null;
  @Field() createdAt!: Date;
}

@ObjectType()
export class ConflictEdge {
  @Field() cursor!: string;
  @Field(() => Conflict) node!: Conflict;
}

@ObjectType()
export class ConflictConnection {
  @Field(() => [ConflictEdge]) edges!: ConflictEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@ObjectType({ description: 'A conflict a steward resolved, and the profile as it is now.' })
export class ConflictResolved {
  @Field(() => Conflict) conflict!: Conflict;
  @Field(() => Profile) profile!: Profile;
}

@ObjectType({ description: 'A golden field pinned or unpinned, and the profile as it is now.' })
export class AttributePinChanged {
  @Field(() => Profile) profile!: Profile;
  @Field(() => [GoldenField], {
    description: 'The field now, with its lineage (each part for `address`; empty when the field is empty).',
  })
  fields!: GoldenField[];
}

export const ResolveConflictResult = createUnionType({
  name: 'ResolveConflictResult',
  types: () => [ConflictResolved, ActionRefused] as const,
  resolveType: (value) => ('code' in value ? ActionRefused : ConflictResolved),
});

export const PinResult = createUnionType({
  name: 'PinResult',
  types: () => [AttributePinChanged, ActionRefused] as const,
  resolveType: (value) => ('code' in value ? ActionRefused : AttributePinChanged),
});
