import type { DataSource } from 'typeorm';
import { feedWakeups, type FeedWakeups } from './feed-wakeups';
import {
  currentFeedCursor,
  decodeFeedCursor,
  encodeFeedCursor,
  readChangeEvents,
  type FeedEvent,
  type FeedPosition,
} from './read-change-events';

/** What a follower wants from the feed. */
export interface FollowChangesOptions {
  /** Cursor of the last event handled; null starts from now. */
  after: string | null;
  /** Only these event types (all when empty or absent). */
  types?: readonly string[] | null;
  /** A further filter (profile id, segment key …), applied after `types`. */
  accept?: (event: FeedEvent) => boolean;
  /** Ends the stream. */
  signal?: AbortSignal;
}

/** How long the shared reader waits for a wake-up before looking anyway (lost notifications, no LISTEN). */
export const FEED_FANOUT_POLL_MS = 1000;
/** Events a live follower may have queued before it is sent back to read on its own (a slow client). */
const MAX_QUEUED = 5000;
const PAGE = 1000;
const CATCH_UP_PAGE = 500;

function compare(a: FeedPosition, b: FeedPosition): number {
  if (a.txid !== b.txid) return a.txid < b.txid ? -1 : 1;
  return a.position === b.position ? 0 : a.position < b.position ? -1 : 1;
}

interface LiveFollower {
  /** Everything up to here was handed to the follower (queued or yielded) or skipped by its filter. */
  seen: FeedPosition;
  types: ReadonlySet<string> | null;
  accept?: (event: FeedEvent) => boolean;
  queue: FeedEvent[];
  overflowed: boolean;
  wake: (() => void) | undefined;
}

/**
 * The change feed of one hub process, shared by all its subscribers: **one reader** follows the outbox (woken by
 * the process's single `LISTEN change_event` connection, at most {@link FEED_FANOUT_POLL_MS} apart otherwise)
 * and hands each new event to every live follower whose filter matches, so 1,000 idle subscriptions cost one
 * query a second, not 1,000.
 *
 * Each follower keeps its own cursor. One that resumes from an older cursor first reads its backlog on its own
 * (its filter in SQL, pages of 500), and joins the shared reader only at a moment when its cursor is at or past
 * the reader's — so nothing between the two is skipped — and is handed only events past its own cursor, so
 * nothing is handed twice. A follower that falls more than 5,000 events behind (a slow client) is sent back to
 * read on its own from the last event it took. Events come in feed order `(txid, position)`, which is commit
 * order for any one profile (writers lock a profile before writing it); see `ChangeEvent`.
 */
export class FeedFanout {
  private readonly live = new Set<LiveFollower>();
  private head: FeedPosition | undefined;
  private starting: Promise<FeedPosition> | undefined;
  private running: Promise<void> | undefined;
  private followers = 0;
  /** Bumped whenever the reader stops, so a reader still finishing a read from before never runs twice. */
  private generation = 0;
  private wakeRequested = false;
  private wakeReader: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Reads the shared reader made (for tests and the benchmark: idle cost). */
  reads = 0;
  /** Times a follower fell too far behind and went back to reading on its own. */
  overflows = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly wakeups: FeedWakeups = feedWakeups(dataSource),
  ) {}

  /**
   * The events after `options.after` in feed order, first the backlog, then live as they commit; runs until the
   * consumer stops iterating (`return()`, which also interrupts a wait) or `signal` aborts.
   */
  follow(options: FollowChangesOptions): AsyncIterableIterator<FeedEvent> {
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const events = this.run(options, stop.signal);
    const finish = () => {
      options.signal?.removeEventListener('abort', onAbort);
      stop.abort();
    };
    return {
      next: () => events.next(),
      return: (value?: unknown) => {
        finish();
        return events.return(value as undefined);
      },
      throw: (error?: unknown) => {
        finish();
        return events.throw(error);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Where the shared reader is while it runs (metrics: how far behind the newest event it is). */
  get position(): FeedPosition | undefined {
    return this.head;
  }

  /** Live followers right now (tests, benchmark). */
  get liveFollowers(): number {
    return this.live.size;
  }

  private async *run(options: FollowChangesOptions, signal: AbortSignal): AsyncGenerator<FeedEvent> {
    const types = options.types && options.types.length > 0 ? new Set(options.types) : null;
    const typeList = types ? [...types] : null;
    this.followers++;
    const follower: LiveFollower = {
      seen: { txid: 0n, position: 0n },
      types,
      accept: options.accept,
      queue: [],
      overflowed: false,
      wake: undefined,
    };
    try {
      const head = await this.start();
      let cursor = options.after ? decodeFeedCursor(options.after) : head;
      while (!signal.aborted) {
        if (!this.live.has(follower)) {
          // Joining is synchronous with the check: the shared reader cannot move in between.
          if (this.head && compare(cursor, this.head) >= 0) {
            Object.assign(follower, { seen: cursor, queue: [], overflowed: false });
            this.live.add(follower);
            continue;
          }
          const page = await readChangeEvents(this.dataSource.manager, {
            after: encodeFeedCursor(cursor),
            limit: CATCH_UP_PAGE,
            types: typeList,
          });
          for (const event of page.events) {
            if (signal.aborted) return;
            if (!options.accept || options.accept(event)) yield event;
          }
          cursor = decodeFeedCursor(page.cursor);
          continue;
        }
        if (follower.overflowed) {
          this.live.delete(follower); // read the backlog from the last event taken
          continue;
        }
        const event = follower.queue.shift();
        if (!event) {
          await new Promise<void>((resolve) => {
            const done = () => {
              follower.wake = undefined;
              signal.removeEventListener('abort', done);
              resolve();
            };
            follower.wake = done;
            signal.addEventListener('abort', done, { once: true });
          });
          continue;
        }
        cursor = decodeFeedCursor(event.cursor);
        yield event;
      }
    } finally {
      this.live.delete(follower);
      if (--this.followers === 0) this.idle();
    }
  }

  /** Starts the shared reader (and the LISTEN wake-up) for the first follower; resolves with its position. */
  private start(): Promise<FeedPosition> {
    if (this.head) return Promise.resolve(this.head);
    this.starting ??= (async () => {
      try {
        const head = decodeFeedCursor(await currentFeedCursor(this.dataSource.manager));
        if (this.followers === 0) return head; // the only follower left meanwhile
        this.head = head;
        this.unsubscribe = this.wakeups.subscribe(() => this.wake());
        this.running = this.readLoop(this.generation);
        return head;
      } finally {
        this.starting = undefined;
      }
    })();
    return this.starting;
  }

  /** The last follower left: stop reading, drop the wake-up subscription. */
  private idle(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.head = undefined;
    this.generation++;
    this.wake();
  }

  private wake(): void {
    this.wakeRequested = true;
    this.wakeReader?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakeRequested) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeReader = done;
    }).then(() => {
      this.wakeReader = undefined;
    });
  }

  private async readLoop(generation: number): Promise<void> {
    let retryMs = 0;
    while (this.head && generation === this.generation) {
      this.wakeRequested = false;
      let hasMore = false;
      try {
        this.reads++;
        const page = await readChangeEvents(this.dataSource.manager, {
          after: encodeFeedCursor(this.head),
          limit: PAGE,
        });
        if (!this.head || generation !== this.generation) return;
        for (const event of page.events) this.handOut(event);
        this.head = decodeFeedCursor(page.cursor);
        hasMore = page.hasMore;
        // Events committed but not readable yet wait for an older transaction to end (the horizon), which may
        // notify nobody: look again soon instead of at the next poll.
        retryMs = hasMore ? 0 : (await this.committedPastHead()) ? Math.min(Math.max(retryMs * 2, 5), 50) : 0;
      } catch {
        retryMs = Math.min(Math.max(retryMs * 2, 100), FEED_FANOUT_POLL_MS); // database unreachable: back off
      }
      if (hasMore) continue;
      await this.sleep(retryMs || FEED_FANOUT_POLL_MS);
    }
  }

  private async committedPastHead(): Promise<boolean> {
    if (!this.head) return false;
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM change_event WHERE (txid, position) > ($1::bigint, $2::bigint) LIMIT 1`,
      [String(this.head.txid), String(this.head.position)],
    );
    return rows.length > 0;
  }

  private handOut(event: FeedEvent): void {
    const at = decodeFeedCursor(event.cursor);
    for (const follower of this.live) {
      if (follower.overflowed || compare(at, follower.seen) <= 0) continue;
      follower.seen = at;
      if (follower.types && !follower.types.has(event.type)) continue;
      if (follower.accept && !follower.accept(event)) continue;
      if (follower.queue.length >= MAX_QUEUED) {
        follower.overflowed = true;
        follower.queue = [];
        this.overflows++;
      } else {
        follower.queue.push(event);
      }
      follower.wake?.();
    }
  }

  /** Waits until the reader has stopped (after the last follower left). */
  async stopped(): Promise<void> {
    await this.running;
  }
}

const byDataSource = new WeakMap<DataSource, FeedFanout>();

/** The process's shared {@link FeedFanout} for a DataSource. */
export function feedFanout(dataSource: DataSource): FeedFanout {
  let fanout = byDataSource.get(dataSource);
  if (!fanout) {
    fanout = new FeedFanout(dataSource);
    byDataSource.set(dataSource, fanout);
  }
  return fanout;
}

/**
 * Follows the change feed from `after` through the process's shared reader: the backlog, then each event as it
 * commits (in this or any other hub process on the database). See {@link FeedFanout}.
 *
 * @example
 *   for await (const event of followChanges(dataSource, { after: lastCursor, types: ['segment.entered'] })) { … }
 */
export function followChanges(dataSource: DataSource, options: FollowChangesOptions): AsyncIterableIterator<FeedEvent> {
  return feedFanout(dataSource).follow(options);
}
