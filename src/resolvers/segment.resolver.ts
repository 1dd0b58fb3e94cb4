import { Scope } from '../auth/principal';
import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { recentSegmentChanges } from '../feed/read-change-events';
import { toSegmentMembershipChange } from '../schema/change-feed.mapper';
import { SegmentMembershipChange } from '../schema/change-feed.type';
import { inTransaction } from '../common/context';
import { fromGlobalId, toGlobalId } from '../common/global-id';
import {
  defineSegment,
  deleteSegment,
  findSegment,
  listSegments,
  segmentMembers,
  segmentSize,
  type SegmentView,
} from '../segments/segments';
import { clampFirst } from '../schema/connection.type';
import { ActionRefused } from '../schema/merge.type';
import { toProfile } from '../schema/profile.mapper';
import { Profile } from '../schema/profile.type';
import {
  DefineSegmentResult,
  DeleteSegmentResult,
  InvalidSegmentRule,
  Segment,
  SegmentDefined,
  SegmentDeleted,
  SegmentMemberConnection,
} from '../schema/segment.type';
import type { GraphQLContext } from '../server/context';

const toSegment = (view: SegmentView): Segment => ({ ...view, id: toGlobalId('Segment', view.id) });

@Resolver(() => Segment)
export class SegmentResolver {
  @Authorized(Scope.ProfilesRead)
  @Query(() => Segment, { nullable: true, description: 'A segment by its key.' })
  async segment(@Ctx() ctx: GraphQLContext, @Arg('key') key: string): Promise<Segment | null> {
    const view = await findSegment(ctx.dataSource, key);
    return view ? toSegment(view) : null;
  }

  @Authorized(Scope.ProfilesRead)
  @Query(() => [Segment], { description: 'Every segment, by key.' })
  async segments(@Ctx() ctx: GraphQLContext): Promise<Segment[]> {
    return (await listSegments(ctx.dataSource)).map(toSegment);
  }

  @FieldResolver(() => Int, { description: 'How many profiles are members now.' })
  async size(@Root() segment: Segment, @Ctx() ctx: GraphQLContext): Promise<number> {
    return segmentSize(ctx.dataSource, fromGlobalId('Segment', segment.id));
  }

  @FieldResolver(() => [SegmentMembershipChange], {
    description: 'The latest entries and exits, newest first (follow them live with `segmentMembershipChanged`).',
  })
  async recentChanges(
    @Root() segment: Segment,
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number,
  ): Promise<SegmentMembershipChange[]> {
    const events = await recentSegmentChanges(ctx.dataSource.manager, segment.key, clampFirst(first, 20));
    return events.map(toSegmentMembershipChange);
  }

  @FieldResolver(() => SegmentMemberConnection, { description: 'Members, a page at a time.' })
  async members(
    @Root() segment: Segment,
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<SegmentMemberConnection> {
    const page = await segmentMembers(
      ctx.dataSource,
      fromGlobalId('Segment', segment.id),
      clampFirst(first),
      after ? fromGlobalId('Profile', after) : null,
    );
    const views = await ctx.loaders.profile.loadMany(page.profileIds);
    const edges = page.profileIds.map((id, i) => ({
      cursor: toGlobalId('Profile', id),
      node: toProfile(views[i] as NonNullable<Exclude<(typeof views)[number], Error>>),
      enteredAt: page.enteredAt[i],
    }));
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  @Authorized(Scope.SegmentsWrite)
  @Mutation(() => DefineSegmentResult, {
    description:
      'Defines a segment or a new version of it; the rule is validated (errors name the bad node) and the membership computed at once.',
  })
  async defineSegment(
    @Ctx() ctx: GraphQLContext,
    @Arg('key') key: string,
    @Arg('name') name: string,
    @Arg('rule', () => GraphQLJSON) rule: unknown,
    @Arg('description', () => String, { nullable: true }) description: string | null,
  ): Promise<typeof DefineSegmentResult> {
    const outcome = await defineSegment(ctx, { key, name, description, rule });
    if (!outcome.ok) {
      return outcome.path !== undefined
        ? Object.assign(new InvalidSegmentRule(), { code: outcome.code, message: outcome.message, path: outcome.path })
        : Object.assign(new ActionRefused(), { code: outcome.code, message: outcome.message });
    }
    const view = await findSegment(ctx.dataSource, key);
    return Object.assign(new SegmentDefined(), {
      segment: toSegment(view!),
      entered: outcome.entered,
      exited: outcome.exited,
    });
  }

  @Authorized(Scope.SegmentsWrite)
  @Mutation(() => DeleteSegmentResult, { description: 'Deletes a segment; its members exit.' })
  async deleteSegment(@Ctx() ctx: GraphQLContext, @Arg('key') key: string): Promise<typeof DeleteSegmentResult> {
    const outcome = await inTransaction(ctx, (tx) => deleteSegment(tx, key));
    if (!outcome.ok) return Object.assign(new ActionRefused(), { code: outcome.code, message: outcome.message });
    return Object.assign(new SegmentDeleted(), { key, exited: outcome.exited });
  }
}

@Resolver(() => Profile)
export class ProfileSegmentsResolver {
  @FieldResolver(() => [String], { description: 'Keys of the segments the profile is a member of.' })
  async segments(@Root() profile: Profile, @Ctx() ctx: GraphQLContext): Promise<string[]> {
    const rows: { key: string }[] = await ctx.dataSource.query(
      `SELECT s.key FROM segment_membership m JOIN segment s ON s.id = m.segment_id
        WHERE m.profile_id = $1 AND s.status = 'active' ORDER BY s.key`,
      [fromGlobalId('Profile', profile.id)],
    );
    return rows.map((r) => r.key);
  }
}
