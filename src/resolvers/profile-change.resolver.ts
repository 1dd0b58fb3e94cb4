import { Scope } from '../auth/principal';
import { Arg, Authorized, Ctx, ID, Resolver, Root, Subscription } from 'type-graphql';
import { fromGlobalId } from '../common/global-id';
import { PROFILE_CHANGE_TYPES, profileVersionOf, subscribeToChanges } from '../feed/change-feed';
import type { FeedEvent } from '../feed/read-change-events';
import { toProfileChange } from '../schema/change-feed.mapper';
import { ProfileChange } from '../schema/profile-change.type';
import type { GraphQLContext } from '../server/context';

@Resolver()
export class ProfileChangeResolver {
  @Authorized(Scope.ProfilesRead)
  @Subscription(() => ProfileChange, {
    description:
      'Pushes every committed change to one golden profile, from the durable change feed: pass the `cursor` of the last change you handled as `after` to resume without missing one (omit it to start from now).',
    subscribe: ({ args, context }) => {
      const profileId = fromGlobalId('Profile', args.profileId as string);
      return subscribeToChanges((context as GraphQLContext).dataSource, {
        after: (args.after as string | null) ?? null,
        types: PROFILE_CHANGE_TYPES,
        accept: (event) => event.profileId === profileId,
      });
    },
  })
  async profileChanged(
    @Root() event: FeedEvent,
    @Ctx() ctx: GraphQLContext,
    @Arg('profileId', () => ID) _profileId: string,
    @Arg('after', () => String, { nullable: true }) _after: string | null,
  ): Promise<ProfileChange> {
    return toProfileChange(event, await profileVersionOf(ctx.dataSource, event));
  }
}
