import { Scope } from '../auth/principal';
import { Arg, Authorized, Ctx, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import { MAX_CHANGES_PAGE } from '../schema/connection.type';
import { readChanges, SEGMENT_CHANGE_TYPES, subscribeToChanges } from '../feed/change-feed';
import type { FeedEvent } from '../feed/read-change-events';
import { toChangeEvent, toSegmentMembershipChange } from '../schema/change-feed.mapper';
import { ChangeEventConnection, ChangeEventNode, SegmentMembershipChange } from '../schema/change-feed.type';
import type { GraphQLContext } from '../server/context';

@Resolver()
export class ChangeFeedResolver {
  @Authorized(Scope.ProfilesRead)
  @Query(() => ChangeEventConnection, {
    description:
      'Pulls the change feed in feed order after `after` (from the start when omitted), at most `first` events (default 100, up to 1,000), only of `types` when given. Resume with `pageInfo.endCursor`; it never skips an event, however transactions interleave.',
  })
  async changes(
    @Ctx() ctx: GraphQLContext,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 100 }) first: number,
    @Arg('types', () => [String], { nullable: true }) types: string[] | null,
  ): Promise<ChangeEventConnection> {
    const page = await readChanges(ctx.dataSource, {
      after,
      first: Math.min(Math.max(first ?? 100, 1), MAX_CHANGES_PAGE),
      types,
    });
    return {
      edges: page.events.map((event) => ({ cursor: event.cursor, node: toChangeEvent(event) })),
      pageInfo: { hasNextPage: page.hasMore, endCursor: page.cursor },
    };
  }

  @Authorized(Scope.ProfilesRead)
  @Subscription(() => ChangeEventNode, {
    name: 'changes',
    description:
      'The change feed live: first what followed `after` (omit it to start from now), then each event as it commits in any hub process. At least once, in feed order (per profile: commit order); pass the `cursor` of the last event you handled as `after` to resume.',
    subscribe: ({ args, context }) =>
      subscribeToChanges((context as GraphQLContext).dataSource, {
        after: (args.after as string | null) ?? null,
        types: (args.types as string[] | null) ?? null,
      }),
  })
  changesLive(
    @Root() event: FeedEvent,
    @Arg('after', () => String, { nullable: true }) _after: string | null,
    @Arg('types', () => [String], { nullable: true }) _types: string[] | null,
  ): ChangeEventNode {
    return toChangeEvent(event);
  }

  @Authorized(Scope.ProfilesRead)
  @Subscription(() => SegmentMembershipChange, {
    description:
      'Entries into and exits from one segment (`segment.entered` / `segment.exited` events), resumable like `changes`: pass the `cursor` of the last change you handled as `after`.',
    subscribe: ({ args, context }) => {
      const segmentKey = args.segmentKey as string;
      return subscribeToChanges((context as GraphQLContext).dataSource, {
        after: (args.after as string | null) ?? null,
        types: SEGMENT_CHANGE_TYPES,
        accept: (event) => event.segmentKey === segmentKey,
      });
    },
  })
  segmentMembershipChanged(
    @Root() event: FeedEvent,
    @Arg('segmentKey') _segmentKey: string,
    @Arg('after', () => String, { nullable: true }) _after: string | null,
  ): SegmentMembershipChange {
    return toSegmentMembershipChange(event);
  }
}
