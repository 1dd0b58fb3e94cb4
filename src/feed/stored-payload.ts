/**
 * A golden change's event payload as `change_event.payload` stores it. The payload the feed hands out is
 * `{ profileId, version, changedFields, values, inConflict? }`, where `profileId` is the event's own profile and
 * `changedFields` the keys of `values`, sorted: both are left out of the stored document and put back when it is
 * read (`feedPayload`). They were ~170 of the ~580 bytes of every event the ingest pipeline wrote (one per created or
 * changed profile). A payload that does not have that shape is stored as it is, and a stored payload that kept its
 * `changedFields` (or lost its `values` to erasure or retention) is read as it is.
 */

const GOLDEN_TYPES = new Set(['profile.created', 'profile.updated']);

/** The document to store for an event's payload. */
export function storedPayload(
  type: string,
  profileId: string | null | undefined,
  payload: Record<string, unknown>,
): Record<string, unknown> {
  if (!GOLDEN_TYPES.has(type) || !profileId || payload.profileId !== profileId) return payload;
  const { changedFields, values } = payload;
  if (!Array.isArray(changedFields) || !isObject(values) || !sameFields(changedFields, values)) return payload;
  const stored: Record<string, unknown> = {};
  for (const key in payload) if (key !== 'profileId' && key !== 'changedFields') stored[key] = payload[key];
  return stored;
}

/** The payload the feed hands out for a stored document (`storedPayload`'s inverse). */
export function feedPayload(
  type: string,
  profileId: string | null,
  stored: Record<string, unknown>,
): Record<string, unknown> {
  if (!GOLDEN_TYPES.has(type) || !profileId || 'changedFields' in stored || !isObject(stored.values)) return stored;
  const { version, values, ...rest } = stored;
  return { profileId, version, changedFields: Object.keys(values).sort(), values, ...rest };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `fields` is the keys of `values`, sorted (as `Object.keys(values).sort()` would give them back). */
function sameFields(fields: unknown[], values: Record<string, unknown>): boolean {
  let count = 0;
  for (const key in values) {
    if (!Object.prototype.hasOwnProperty.call(values, key)) return false;
    count++;
  }
  if (count !== fields.length) return false;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    if (typeof field !== 'string' || !Object.prototype.hasOwnProperty.call(values, field)) return false;
    if (i > 0 && !((fields[i - 1] as string) < field)) return false;
  }
  return true;
}
