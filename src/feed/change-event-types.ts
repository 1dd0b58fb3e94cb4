/**
 * Every change event type the hub writes to the outbox, with what it means. Webhook subscriptions (and the
 * change feed) filter by these names; a type not listed here is refused as unknown. Add a type here when a new
 * writer starts emitting it.
 */
export const CHANGE_EVENT_TYPES = {
  'profile.created': 'a golden profile was created; `payload.values` holds its fields',
  'profile.updated': 'golden fields changed; `payload.changedFields` and their new `payload.values`',
  'profile.merged': 'the profile was absorbed into `payload.mergedInto`',
  'profile.unmerged': 'a source record was split out of the profile',
  'profile.erased': 'the profile was erased for privacy; recipients must erase it too',
  'consent.recorded': 'a consent statement was recorded',
  'consent.changed': "a profile's current consent for a purpose and channel changed",
  'segment.entered': 'the profile entered the segment `segmentKey`',
  'segment.exited': 'the profile left the segment `segmentKey`',
  'segment.defined': 'a segment was defined or redefined (`payload.version`, how many entered and exited)',
  'segment.deleted': 'a segment was deleted; its members exited',
  'profile.lifecycle_changed': 'the lead score reached a lifecycle stage (`payload.from`, `payload.to`, e.g. MQL)',
  'conflict.closed': 'a conflict closed on its own: the sources converged or a later edit settled it',
  'merge_candidate.opened': 'a possible duplicate waits for a steward',
  'merge_candidate.rejected': 'a steward decided two profiles are different people',
  'conflict.opened': 'sources disagree on a field under review; a steward decides',
  'conflict.resolved': 'a conflict was resolved by a steward or closed as the sources converged',
} as const;

export type ChangeEventType = keyof typeof CHANGE_EVENT_TYPES;

export function isChangeEventType(type: string): type is ChangeEventType {
  return Object.prototype.hasOwnProperty.call(CHANGE_EVENT_TYPES, type);
}
