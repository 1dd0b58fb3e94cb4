import type { DataSource } from 'typeorm';
import type { ChangeNotifier } from './change-notifier';
import { currentFeedCursor, readChangeEvents, type FeedEvent } from './read-change-events';

/** How long a caught-up follower waits for a wake-up before looking again (events of other hub processes). */
export const FEED_POLL_MS = 1000;

/**
 * Follows the outbox from `after` (from now when null): first everything already committed after the cursor, in
 * feed order, then each new event as it commits — the durable, resumable stream behind GraphQL subscriptions.
 * Nothing is skipped across a reconnect: a client that resumes with the cursor of the last event it handled
 * gets exactly what followed. Ends when `signal` aborts or the consumer stops iterating.
 */
export async function* followFeed(
  dataSource: DataSource,
  notifier: ChangeNotifier,
  options: {
    after: string | null;
    types: readonly string[];
    accept?: (event: FeedEvent) => boolean;
    signal?: AbortSignal;
  },
): AsyncGenerator<FeedEvent> {
  let cursor = options.after ?? (await currentFeedCursor(dataSource.manager));
  while (!options.signal?.aborted) {
    const page = await readChangeEvents(dataSource.manager, { after: cursor, limit: 500, types: options.types });
    for (const event of page.events) {
      if (!options.accept || options.accept(event)) yield event;
    }
    cursor = page.cursor;
    if (!page.hasMore) await notifier.waitForFeed(FEED_POLL_MS, options.signal);
  }
}
