import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import { fromGlobalId } from '../common/global-id';
import type { ProfileChangedMessage } from '../feed/change-notifier';
import { ProfileChange } from '../schema/profile-change.type';
import { profileGlobalId } from '../schema/profile.mapper';

@Resolver()
export class ProfileChangeResolver {
  @Subscription(() => ProfileChange, {
    topics: 'PROFILE_CHANGED',
    topicId: ({ args }) => fromGlobalId('Profile', args.profileId as string),
    description: 'Pushes every committed change to one golden profile.',
  })
  profileChanged(
    @Root() message: ProfileChangedMessage,
    @Arg('profileId', () => ID) _profileId: string,
  ): ProfileChange {
    return { ...message, profileId: profileGlobalId(message.profileId), occurredAt: new Date(message.occurredAt) };
  }
}
