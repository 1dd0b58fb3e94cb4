import { Scope } from '../auth/principal';
import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { inTransaction } from '../common/context';
import { fromGlobalId, toGlobalId } from '../common/global-id';
import {
  approveMergeCandidate,
  mergeProfilesBySteward,
  rejectMergeCandidate,
  unmergeSourceRecord,
} from '../identity/merge/steward-actions';
import { listMergeCandidates, type MergeCandidateView } from '../identity/queries/merge-reads';
import { clampFirst } from '../schema/connection.type';
import {
  ActionRefused,
  MergeCandidate,
  MergeCandidateConnection,
  MergeCandidateRejected,
  MergeCandidateStatus,
  MergeResult,
  ProfilesMerged,
  RejectResult,
  SourceRecordUnmerged,
  UnmergeResult,
} from '../schema/merge.type';
import { profileGlobalId, sourceRecordGlobalId, toProfile } from '../schema/profile.mapper';
import { Profile } from '../schema/profile.type';
import type { GraphQLContext } from '../server/context';

const refused = (code: string, message: string) => Object.assign(new ActionRefused(), { code, message });

function toCandidate(view: MergeCandidateView): MergeCandidate {
  return {
    ...view,
    id: toGlobalId('MergeCandidate', view.id),
    status: view.status as MergeCandidateStatus,
    profileAId: profileGlobalId(view.profileAId),
    profileBId: profileGlobalId(view.profileBId),
    sourceRecordId: view.sourceRecordId && sourceRecordGlobalId(view.sourceRecordId),
  };
}

async function loadProfile(ctx: GraphQLContext, id: string): Promise<Profile> {
  const view = await ctx.loaders.profile.load(id);
  if (!view) throw new Error(`profile ${id} vanished inside its own transaction`);
  return toProfile(view);
}

@Resolver(() => MergeCandidate)
export class MergeResolver {
  @Authorized(Scope.Steward)
  @Query(() => MergeCandidateConnection, { description: "The stewards' queue of possible duplicates, oldest first." })
  async mergeCandidates(
    @Ctx() ctx: GraphQLContext,
    @Arg('status', () => MergeCandidateStatus, { nullable: true, defaultValue: MergeCandidateStatus.OPEN })
    status: MergeCandidateStatus,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<MergeCandidateConnection> {
    const page = await listMergeCandidates(ctx.dataSource, status, clampFirst(first), after);
    return {
      edges: page.items.map((item, i) => ({ cursor: page.cursors[i], node: toCandidate(item) })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.cursors[page.cursors.length - 1] ?? null },
      totalCount: page.totalCount,
    };
  }

  @FieldResolver(() => Profile, { nullable: true, description: 'The first profile (as it is now).' })
  async profileA(@Root() candidate: MergeCandidate, @Ctx() ctx: GraphQLContext): Promise<Profile | null> {
    const view = await ctx.loaders.profile.load(fromGlobalId('Profile', candidate.profileAId));
    return view ? toProfile(view) : null;
  }

  @FieldResolver(() => Profile, { nullable: true, description: 'The second profile (as it is now).' })
  async profileB(@Root() candidate: MergeCandidate, @Ctx() ctx: GraphQLContext): Promise<Profile | null> {
    const view = await ctx.loaders.profile.load(fromGlobalId('Profile', candidate.profileBId));
    return view ? toProfile(view) : null;
  }

  @Authorized(Scope.Steward)
  @Mutation(() => MergeResult, { description: 'A steward merges two profiles (guardrails do not apply).' })
  async mergeProfiles(
    @Ctx() ctx: GraphQLContext,
    @Arg('profileIds', () => [ID]) profileIds: string[],
    @Arg('reason', () => String, { nullable: true }) reason: string | null,
  ): Promise<typeof MergeResult> {
    if (profileIds.length !== 2) return refused('BAD_REQUEST', 'give exactly two profile ids');
    const ids = profileIds.map((id) => fromGlobalId('Profile', id)) as [string, string];
    const outcome = await inTransaction(ctx, (tx) => mergeProfilesBySteward(tx, { profileIds: ids, reason }));
    if (!outcome.ok) return refused(outcome.code, outcome.message);
    return Object.assign(new ProfilesMerged(), {
      survivor: await loadProfile(ctx, outcome.survivorId),
      absorbedProfileId: profileGlobalId(outcome.absorbedId),
    });
  }

  @Authorized(Scope.Steward)
  @Mutation(() => MergeResult, { description: 'Approves a merge candidate: its two profiles merge.' })
  async approveMergeCandidate(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('note', () => String, { nullable: true }) note: string | null,
  ): Promise<typeof MergeResult> {
    const candidateId = fromGlobalId('MergeCandidate', id);
    const outcome = await inTransaction(ctx, (tx) =>
      approveMergeCandidate(tx, { mergeCandidateId: candidateId, note }),
    );
    if (!outcome.ok) return refused(outcome.code, outcome.message);
    return Object.assign(new ProfilesMerged(), {
      survivor: await loadProfile(ctx, outcome.survivorId),
      absorbedProfileId: profileGlobalId(outcome.absorbedId),
    });
  }

  @Authorized(Scope.Steward)
  @Mutation(() => RejectResult, {
    description: 'Rejects a merge candidate: the two profiles are different people and stay apart.',
  })
  async rejectMergeCandidate(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('note', () => String, { nullable: true }) note: string | null,
  ): Promise<typeof RejectResult> {
    const candidateId = fromGlobalId('MergeCandidate', id);
    const outcome = await inTransaction(ctx, (tx) => rejectMergeCandidate(tx, { mergeCandidateId: candidateId, note }));
    if (!outcome.ok) return refused(outcome.code, outcome.message);
    return Object.assign(new MergeCandidateRejected(), { mergeCandidateId: id, doNotMergePairs: outcome.pairs });
  }

  @Authorized(Scope.Steward)
  @Mutation(() => UnmergeResult, {
    description:
      'Splits a source record out of its profile, into a new profile or the one given; automatic matching will not put it back.',
  })
  async unmergeSourceRecord(
    @Ctx() ctx: GraphQLContext,
    @Arg('sourceRecordId', () => ID) sourceRecordId: string,
    @Arg('targetProfileId', () => ID, { nullable: true }) targetProfileId: string | null,
    @Arg('reason', () => String, { nullable: true }) reason: string | null,
  ): Promise<typeof UnmergeResult> {
    const outcome = await inTransaction(ctx, (tx) =>
      unmergeSourceRecord(tx, {
        sourceRecordId: fromGlobalId('SourceRecord', sourceRecordId),
        targetProfileId: targetProfileId ? fromGlobalId('Profile', targetProfileId) : null,
        reason,
      }),
    );
    if (!outcome.ok) return refused(outcome.code, outcome.message);
    return Object.assign(new SourceRecordUnmerged(), {
      sourceRecordId,
      from: await loadProfile(ctx, outcome.fromProfileId),
      to: await loadProfile(ctx, outcome.toProfileId),
    });
  }
}
