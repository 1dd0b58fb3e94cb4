import type { DataSource } from 'typeorm';
import type { ChangeNotifier } from './change-notifier';
import { followChanges } from './feed-fanout';
import type { FeedEvent } from './read-change-events';

/**
 * Follows the outbox from `after` (from now when null): first everything already committed after the cursor, in
 * feed order, then each new event as it commits — the durable, resumable stream behind GraphQL subscriptions.
 * Nothing is skipped across a reconnect: a client that resumes with the cursor of the last event it handled
 * gets exactly what followed. Ends when `signal` aborts or the consumer stops iterating.
 *
 * Runs on the process's shared reader (`FeedFanout`: one query per wake-up for all followers, woken by the
 * process's `LISTEN change_event` connection, which also carries this process's own commits).
 */
export function followFeed(
  dataSource: DataSource,
  _notifier: ChangeNotifier,
  options: {
    after: string | null;
    types: readonly string[];
    accept?: (event: FeedEvent) => boolean;
    signal?: AbortSignal;
  },
): AsyncIterableIterator<FeedEvent> {
  return followChanges(dataSource, options);
}
