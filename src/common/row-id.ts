import { v7 } from 'uuid';

/**
 * The id of a new golden profile, source record or change event: a UUIDv7 (RFC 9562), which begins with its
 * creation time in milliseconds. The rows a batch writes get ids close together, so the primary keys and the
 * indexes that lead with these ids (`blocking_key` and `identifier` by source record) take a batch's entries on a
 * few recent pages; with random (v4) ids every entry lands on a random page, and once those indexes outgrow
 * memory — around a million profiles — nearly every one is a page read. The creation time an id reveals is
 * already the profile's `createdAt`.
 */
export function newRowId(): string {
  return v7();
}
