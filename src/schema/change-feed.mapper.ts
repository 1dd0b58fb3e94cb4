import type { FeedEvent } from '../feed/read-change-events';
import { ChangeEventNode, SegmentChangeType, SegmentMembershipChange } from './change-feed.type';
import { profileGlobalId } from './profile.mapper';
import type { ProfileChange } from './profile-change.type';

export function toChangeEvent(event: FeedEvent): ChangeEventNode {
  return {
    id: event.id,
    cursor: event.cursor,
    type: event.type,
    profileId: event.profileId ? profileGlobalId(event.profileId) : null,
    segmentKey: event.segmentKey,
    originSource: event.originSource,
    payload: event.payload,
    occurredAt: event.occurredAt,
  };
}

export function toSegmentMembershipChange(event: FeedEvent): SegmentMembershipChange {
  const version = event.payload.version;
  return {
    eventId: event.id,
    cursor: event.cursor,
    type: event.type === 'segment.exited' ? SegmentChangeType.EXITED : SegmentChangeType.ENTERED,
    segmentKey: event.segmentKey ?? '',
    profileId: profileGlobalId(event.profileId!),
    version: typeof version === 'number' ? version : null,
    occurredAt: event.occurredAt,
  };
}

export function toProfileChange(event: FeedEvent, version: number): ProfileChange {
  const changedFields = event.payload.changedFields;
  return {
    eventId: event.id,
    cursor: event.cursor,
    type: event.type,
    profileId: profileGlobalId(event.profileId!),
    version,
    changedFields: Array.isArray(changedFields) ? changedFields.map(String) : [],
    occurredAt: event.occurredAt,
  };
}
