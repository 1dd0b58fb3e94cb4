import { GraphQLJSON } from 'graphql-scalars';
import { createUnionType, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PiiJson } from '../auth/pii-mask';
import { PageInfo } from './connection.type';
import { ErrorResult } from './error-result.type';
import { Profile } from './profile.type';

export enum MergeCandidateStatus {
  OPEN = 'open',
  APPROVED = 'approved',
  REJECTED = 'rejected',
  SUPERSEDED = 'superseded',
}
registerEnumType(MergeCandidateStatus, { name: 'MergeCandidateStatus' });

@ObjectType({ description: 'Two profiles that may be one person, waiting for a steward, with the evidence.' })
export class MergeCandidate {
  @Field(() => ID) id!: string;
  @Field(() => MergeCandidateStatus) status!: MergeCandidateStatus;
  @Field({ description: '`review` (the score is in the review band) or `guardrail` (a merge a guardrail stopped).' })
  band!: string;
  @Field({
    description: 'Why it was not merged automatically, e.g. `review_band`, `max_records_per_source:salesforce`.',
  })
  reason!: string;
  @Field(() => Float, { description: 'Total match weight (log2 scale).' }) score!: number;
  @Field(() => GraphQLJSON, { description: "Each comparison's level and weight, the identifiers, the thresholds." })
  @PiiJson()
  evidence!: unknown;
  @Field(() => ID) profileAId!: string;
  @Field(() => ID) profileBId!: string;
  @Field(() => ID, { nullable: true, description: 'The source record whose arrival raised it.' })
  sourceRecordId!: string | null;
  @Field(() => String, { nullable: true }) decidedBy!: string | null;
  @Field(() => Date, { nullable: true }) decidedAt!: Date | null;
  @Field(() => String, { nullable: true }) decisionNote!: string | null;
  @Field() createdAt!: Date;
}

@ObjectType()
export class MergeCandidateEdge {
  @Field() cursor!: string;
  @Field(() => MergeCandidate) node!: MergeCandidate;
}

@ObjectType()
export class MergeCandidateConnection {
  @Field(() => [MergeCandidateEdge]) edges!: MergeCandidateEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@ObjectType({ description: 'One merge or unmerge, with who or what decided it and why.' })
export class MergeEvent {
  @Field(() => ID) id!: string;
  @Field({ description: '`merge` or `unmerge`.' }) kind!: string;
  @Field({ description: '`auto`, `transitive`, `link` or `steward`.' }) trigger!: string;
  @Field() actor!: string;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => Float, { nullable: true }) score!: number | null;
  @Field(() => GraphQLJSON)
  @PiiJson()
  evidence!: unknown;
  @Field(() => ID) survivorProfileId!: string;
  @Field(() => ID, { nullable: true }) absorbedProfileId!: string | null;
  @Field(() => ID, { nullable: true }) sourceRecordId!: string | null;
  @Field(() => ID, { nullable: true }) targetProfileId!: string | null;
  @Field() createdAt!: Date;
}

@ObjectType({ description: 'Two profiles are now one.' })
export class ProfilesMerged {
  @Field(() => Profile) survivor!: Profile;
  @Field(() => ID) absorbedProfileId!: string;
}

@ObjectType({ description: 'A source record now lives in its own (or the chosen) profile.' })
export class SourceRecordUnmerged {
  @Field(() => ID) sourceRecordId!: string;
  @Field(() => Profile) from!: Profile;
  @Field(() => Profile) to!: Profile;
}

@ObjectType({ description: 'The candidate is closed; its records will not be merged automatically.' })
export class MergeCandidateRejected {
  @Field(() => ID) mergeCandidateId!: string;
  @Field(() => Int, { description: 'Do-not-merge pairs recorded.' }) doNotMergePairs!: number;
}

@ObjectType({ implements: ErrorResult, description: 'A steward action that could not be done, and why.' })
export class ActionRefused extends ErrorResult {}

export const MergeResult = createUnionType({
  name: 'MergeResult',
  types: () => [ProfilesMerged, ActionRefused] as const,
  resolveType: (value) => ('code' in value ? ActionRefused : ProfilesMerged),
});

export const UnmergeResult = createUnionType({
  name: 'UnmergeResult',
  types: () => [SourceRecordUnmerged, ActionRefused] as const,
  resolveType: (value) => ('code' in value ? ActionRefused : SourceRecordUnmerged),
});

export const RejectResult = createUnionType({
  name: 'RejectMergeCandidateResult',
  types: () => [MergeCandidateRejected, ActionRefused] as const,
  resolveType: (value) => ('code' in value ? ActionRefused : MergeCandidateRejected),
});
