import { createPubSub } from '@graphql-yoga/subscription';

/** A committed change to one golden profile, as pushed to `profileChanged` subscribers. */
export interface ProfileChangedMessage {
  /** Public id of the change event in the outbox. */
  eventId: string;
  type: string;
  profileId: string;
  version: number;
  changedFields: string[];
  occurredAt: string;
}

export type HubPubSub = ReturnType<typeof createHubPubSub>;

export function createHubPubSub() {
  return createPubSub<{
    PROFILE_CHANGED: [profileId: string, message: ProfileChangedMessage];
  }>();
}

/**
 * Wakes live subscribers once a change has committed. The outbox (`change_event`) stays the source of truth;
 * this is only the in-process push.
 */
export class ChangeNotifier {
  constructor(readonly pubSub: HubPubSub) {}

  profileChanged(message: ProfileChangedMessage): void {
    this.pubSub.publish('PROFILE_CHANGED', message.profileId, message);
  }
}
