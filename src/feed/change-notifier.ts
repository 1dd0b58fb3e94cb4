import { EventEmitter } from 'node:events';
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
/** One wake-up channel per pub/sub, so that every notifier of a hub process (HTTP, broker, jobs) shares it. */
const feeds = new WeakMap<HubPubSub, EventEmitter>();

export class ChangeNotifier {
  private readonly feed: EventEmitter;

  constructor(readonly pubSub: HubPubSub) {
    let feed = feeds.get(pubSub);
    if (!feed) feeds.set(pubSub, (feed = new EventEmitter().setMaxListeners(0)));
    this.feed = feed;
  }

  /** Change events committed in this process: wakes feed followers at once (others poll). */
  feedCommitted(): void {
    this.feed.emit('committed');
  }

  /** Resolves at the next `feedCommitted`, after `ms`, or when `signal` aborts — whichever comes first. */
  waitForFeed(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.feed.off('committed', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.feed.once('committed', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  profileChanged(message: ProfileChangedMessage): void {
    this.pubSub.publish('PROFILE_CHANGED', message.profileId, message);
  }
}
