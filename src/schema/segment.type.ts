import { GraphQLJSON } from 'graphql-scalars';
import { createUnionType, Field, ID, Int, ObjectType } from 'type-graphql';
import { PageInfo } from './connection.type';
import { ErrorResult } from './error-result.type';
import { ActionRefused } from './merge.type';
import { Profile } from './profile.type';

@ObjectType({ description: 'A segment: a rule over golden profiles, consents and engagement, kept up to date live.' })
export class Segment {
  @Field(() => ID) id!: string;
  @Field() key!: string;
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => GraphQLJSON, { description: 'The rule tree (see the README).' }) rule!: unknown;
  @Field(() => Int, { description: 'Increases with every redefinition.' }) version!: number;
  @Field(() => Date, { nullable: true, description: 'When the membership was last computed in full.' })
  computedAt!: Date | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

@ObjectType()
export class SegmentMemberEdge {
  @Field() cursor!: string;
  @Field(() => Profile) node!: Profile;
  @Field() enteredAt!: Date;
}

@ObjectType()
export class SegmentMemberConnection {
  @Field(() => [SegmentMemberEdge]) edges!: SegmentMemberEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@ObjectType({ description: 'A segment defined (or redefined) and its membership computed.' })
export class SegmentDefined {
  @Field(() => Segment) segment!: Segment;
  @Field(() => Int, { description: 'Profiles that entered with this version.' }) entered!: number;
  @Field(() => Int, { description: 'Profiles that left with this version.' }) exited!: number;
}

@ObjectType({ description: 'A segment deleted; its members exited.' })
export class SegmentDeleted {
  @Field() key!: string;
  @Field(() => Int) exited!: number;
}

@ObjectType({ implements: ErrorResult, description: 'A rule that is not valid, with the path of the bad node.' })
export class InvalidSegmentRule extends ErrorResult {
  @Field({ description: 'JSON path of the bad node, e.g. `$.and[1].op`.' }) path!: string;
}

export const DefineSegmentResult = createUnionType({
  name: 'DefineSegmentResult',
  types: () => [SegmentDefined, InvalidSegmentRule, ActionRefused] as const,
  resolveType: (value) => ('path' in value ? InvalidSegmentRule : 'code' in value ? ActionRefused : SegmentDefined),
});

export const DeleteSegmentResult = createUnionType({
  name: 'DeleteSegmentResult',
  types: () => [SegmentDeleted, ActionRefused] as const,
  resolveType: (value) => ('code' in value ? ActionRefused : SegmentDeleted),
});
