import type { DataSource } from 'typeorm';
import { ErrorCode, HubError } from '../common/hub-error';
import { CHANGE_EVENT_TYPES, isChangeEventType } from './change-event-types';
import { followChanges } from './feed-fanout';
import { decodeFeedCursor, readChangeEvents, type FeedEvent, type FeedPage } from './read-change-events';

/** The event types of a profile's own changes, as `profileChanged` pushes them. */
export const PROFILE_CHANGE_TYPES = ['profile.created', 'profile.updated', 'profile.erased'] as const;
/** The event types of segment membership. */
export const SEGMENT_CHANGE_TYPES = ['segment.entered', 'segment.exited'] as const;

/** Checks a client's type filter against the catalogue; an unknown type is a coded `BAD_REQUEST`. */
export function checkChangeTypes(types: readonly string[] | null | undefined): string[] {
  const list = [...new Set(types ?? [])];
  const unknown = list.filter((type) => !isChangeEventType(type));
  if (unknown.length > 0) {
    throw new HubError(
      ErrorCode.BadRequest,
      `unknown change event type ${JSON.stringify(unknown[0])}; known: ${Object.keys(CHANGE_EVENT_TYPES).join(', ')}`,
      { types: unknown },
    );
  }
  return list;
}

/** Checks a client's cursor (a coded `BAD_REQUEST` when it is not one the feed made). */
export function checkCursor(after: string | null | undefined): string | null {
  if (!after) return null;
  decodeFeedCursor(after);
  return after;
}

/** `changes(after, first, types)`: one page of the feed in feed order, with the cursor to resume from. */
export function readChanges(
  dataSource: DataSource,
  args: { after: string | null; first: number; types: readonly string[] | null },
): Promise<FeedPage> {
  return readChangeEvents(dataSource.manager, {
    after: checkCursor(args.after),
    limit: args.first,
    types: checkChangeTypes(args.types),
  });
}

/** A live, resumable stream of the feed (backlog after `after`, then as events commit), filtered. */
export function subscribeToChanges(
  dataSource: DataSource,
  args: { after: string | null; types: readonly string[] | null; accept?: (event: FeedEvent) => boolean },
): AsyncIterableIterator<FeedEvent> {
  return followChanges(dataSource, {
    after: checkCursor(args.after),
    types: checkChangeTypes(args.types),
    accept: args.accept,
  });
}

/**
 * The profile version an event leaves behind: its payload's `version`, or — for events that carry none
 * (`profile.erased`, redacted payloads) — the profile's version now (0 once the profile is gone).
 */
export async function profileVersionOf(dataSource: DataSource, event: FeedEvent): Promise<number> {
  const version = event.payload.version;
  if (typeof version === 'number') return version;
  const rows: { version: number }[] = await dataSource.query(`SELECT version FROM golden_profile WHERE id = $1`, [
    event.profileId,
  ]);
  return rows[0]?.version ?? 0;
}
