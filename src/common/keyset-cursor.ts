import { ErrorCode, HubError } from './hub-error';

/**
 * Opaque cursor over `(created_at, id)` for keyset pages, with the time in microseconds: JavaScript dates stop
 * at milliseconds, and rows written in one transaction share a timestamp down to the microsecond.
 * SQL side: select `(extract(epoch FROM created_at) * 1000000)::bigint::text AS micros`, and page with
 * `(created_at, id) > ('epoch'::timestamptz + $micros::bigint * interval '1 microsecond', $id::uuid)`.
 */
export function encodeKeysetCursor(micros: string, id: string): string {
  return Buffer.from(`${micros}|${id}`).toString('base64url');
}

export function decodeKeysetCursor(cursor: string): [micros: string, id: string] {
  const [micros, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!micros || !id || !/^\d{1,20}$/.test(micros) || !/^[0-9a-f-]{36}$/i.test(id)) {
    throw new HubError(ErrorCode.BadRequest, 'invalid cursor');
  }
  return [micros, id];
}

/** Opaque cursor over a bigint sequence number (audit entries): `seq:<n>`, base64url. */
export function encodeSequenceCursor(seq: string): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

export function decodeSequenceCursor(cursor: string): string {
  const match = /^seq:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new HubError(ErrorCode.BadRequest, 'invalid cursor');
  return match[1];
}
