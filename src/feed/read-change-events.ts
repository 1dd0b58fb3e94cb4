import type { EntityManager } from 'typeorm';
import { ErrorCode, HubError } from '../common/hub-error';
import { feedPayload } from './stored-payload';

/** One change event as the feed hands it out, with the cursor that resumes right after it. */
export interface FeedEvent {
  /** Public event id (`change_event.id`). */
  id: string;
  type: string;
  profileId: string | null;
  segmentKey: string | null;
  originSource: string | null;
  payload: Record<string, unknown>;
  occurredAt: Date;
  /** Opaque cursor of this event: pass it as `after` to read what follows. */
  cursor: string;
}

export interface FeedPage {
  events: FeedEvent[];
  /**
   * Where to resume. Past the last event returned, or — when the page is not full — past everything the reader
   * could see (the horizon), so a reader whose filter matches nothing still moves on. Never behind `after`.
   */
  cursor: string;
  /** True when the page is full: more events may be readable right now. */
  hasMore: boolean;
}

/** A position in the feed: `(txid, position)` of the last event handled. See `ChangeEvent`. */
export interface FeedPosition {
  txid: bigint;
  position: bigint;
}

const MAX_BIGINT = 9223372036854775807n;
const CURSOR = /^(\d{1,20})\.(\d{1,20})$/;

export function encodeFeedCursor({ txid, position }: FeedPosition): string {
  return Buffer.from(`${txid}.${position}`, 'utf8').toString('base64url');
}

/** Reads a cursor made by {@link encodeFeedCursor}; anything else is a coded `BAD_REQUEST`. */
export function decodeFeedCursor(cursor: string): FeedPosition {
  const match = CURSOR.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || BigInt(match[1]) > MAX_BIGINT || BigInt(match[2]) > MAX_BIGINT) {
    throw new HubError(ErrorCode.BadRequest, 'invalid feed cursor');
  }
  return { txid: BigInt(match[1]), position: BigInt(match[2]) };
}

function later(a: FeedPosition, b: FeedPosition): FeedPosition {
  return a.txid > b.txid || (a.txid === b.txid && a.position > b.position) ? a : b;
}

/** The cursor just past every event that is readable now: events written later than this come after it. */
export async function currentFeedCursor(manager: EntityManager): Promise<string> {
  const horizon = await feedHorizon(manager);
  return encodeFeedCursor({ txid: horizon - 1n, position: MAX_BIGINT });
}

async function feedHorizon(manager: EntityManager): Promise<bigint> {
  const [row]: { horizon: string }[] = await manager.query(`SELECT hub_feed_horizon()::text AS horizon`);
  return BigInt(row.horizon);
}

/**
 * Reads the outbox in feed order, after `after` (from the start when null), at most `limit` events, optionally
 * only of the given `types`. Reads only events of transactions that have ended for good (below
 * `hub_feed_horizon()`), so no event can later appear behind a cursor this returned: resuming from any cursor
 * never skips an event, however transactions interleave. Works with any manager (inside a transaction or not).
 *
 * @example
 *   let cursor = null;
 *   for (;;) { const page = await readChangeEvents(manager, { after: cursor, limit: 500 }); …; cursor = page.cursor; }
 */
function toFeedEvent(row: Record<string, unknown>): FeedEvent {
  return {
    id: row.id as string,
    type: row.type as string,
    profileId: row.profile_id as string | null,
    segmentKey: row.segment_key as string | null,
    originSource: row.origin_source as string | null,
    payload: feedPayload(row.type as string, row.profile_id as string | null, row.payload as Record<string, unknown>),
    occurredAt: row.occurred_at as Date,
    cursor: encodeFeedCursor({ txid: BigInt(row.txid as string), position: BigInt(row.position as string) }),
  };
}

/** The latest entries into and exits from one segment, newest first (for a look back; the feed goes forward). */
export async function recentSegmentChanges(
  manager: EntityManager,
  segmentKey: string,
  limit: number,
): Promise<FeedEvent[]> {
  const rows: Record<string, unknown>[] = await manager.query(
    `SELECT txid::text AS txid, position::text AS position, id, type, profile_id, segment_key, origin_source,
            payload, occurred_at
       FROM change_event
      WHERE segment_key = $1 AND type IN ('segment.entered', 'segment.exited')
      ORDER BY txid DESC, position DESC
      LIMIT $2`,
    [segmentKey, limit],
  );
  return rows.map(toFeedEvent);
}

export async function readChangeEvents(
  manager: EntityManager,
  options: { after: string | null; limit: number; types?: readonly string[] | null },
): Promise<FeedPage> {
  const after = options.after ? decodeFeedCursor(options.after) : { txid: 0n, position: 0n };
  const limit = Math.max(1, Math.min(options.limit, 10_000));
  // Taken before the read: the horizon only moves forward, so an earlier value is a safe bound.
  const horizon = await feedHorizon(manager);
  const types = options.types && options.types.length > 0 ? [...options.types] : null;
  const rows: Record<string, unknown>[] = await manager.query(
    `SELECT txid::text AS txid, position::text AS position, id, type, profile_id, segment_key, origin_source,
            payload, occurred_at
       FROM change_event
      WHERE (txid, position) > ($1::bigint, $2::bigint)
        AND txid < $3::bigint
        AND ($4::text[] IS NULL OR type = ANY ($4::text[]))
      ORDER BY change_event.txid, change_event.position
      LIMIT $5`,
    [String(after.txid), String(after.position), String(horizon), types, limit],
  );
  const events = rows.map(toFeedEvent);
  const hasMore = rows.length === limit;
  const last = rows[rows.length - 1];
  const reached = hasMore
    ? { txid: BigInt(last.txid as string), position: BigInt(last.position as string) }
    : { txid: horizon - 1n, position: MAX_BIGINT };
  return { events, cursor: encodeFeedCursor(later(reached, after)), hasMore };
}
