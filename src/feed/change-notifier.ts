import { EventEmitter } from 'node:events';
import { createPubSub } from '@graphql-yoga/subscription';

export type HubPubSub = ReturnType<typeof createHubPubSub>;

/**
 * The process's pub/sub: what TypeGraphQL's schema is built with, and what the notifiers of one hub process share
 * their wake-up channel by. It carries no topics: every subscription reads the durable change feed, woken by
 * `feedCommitted`.
 */
export function createHubPubSub() {
  return createPubSub();
}

/** One wake-up channel per pub/sub, so that every notifier of a hub process (HTTP, broker, jobs) shares it. */
const feeds = new WeakMap<HubPubSub, EventEmitter>();

/**
 * Wakes live subscribers once a change has committed. The outbox (`change_event`) stays the source of truth;
 * this is only the in-process wake-up.
 */
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
}
