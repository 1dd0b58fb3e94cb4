import { pageWithTotal } from '../db/page-with-total';
import type { DataSource } from 'typeorm';
import { decodeKeysetCursor, encodeKeysetCursor } from '../common/keyset-cursor';

export interface DeadLetterView {
  id: string;
  source: string | null;
  transport: string;
  contentType: string;
  rawPayload: string;
  recordIndex: number | null;
  code: string;
  message: string;
  path: string | null;
  status: 'open' | 'replayed' | 'discarded';
  attempts: number;
  createdAt: Date;
  replayedAt: Date | null;
}

export interface DeadLetterListFilter {
  status?: string;
  source?: string;
  code?: string;
}

/** Dead letters, oldest first, a page at a time; the total counts the whole filter. */
export async function listDeadLetters(
  ds: DataSource,
  filter: DeadLetterListFilter,
  first: number,
  after?: string | null,
): Promise<{ items: DeadLetterView[]; cursors: string[]; hasNextPage: boolean; totalCount: number }> {
  const [afterAt, afterId] = after ? decodeKeysetCursor(after) : [null, null];
  const params = [filter.status ?? null, filter.source ?? null, filter.code ?? null];
  const where = `($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR source = $2) AND ($3::text IS NULL OR error_code = $3)`;
  const { rows, total: count } = await pageWithTotal(
    ds,
    {
      total: `SELECT count(*) FROM dead_letter WHERE ${where}`,
      page: `SELECT id, source, transport, content_type, raw_payload, record_index, error_code, error_message,
                    error_path, status, attempts, created_at, replayed_at,
                    (extract(epoch FROM created_at) * 1000000)::bigint::text AS micros
               FROM dead_letter
              WHERE ${where}
                AND ($4::bigint IS NULL OR (created_at, id) > ('epoch'::timestamptz + $4::bigint * interval '1 microsecond', $5::uuid))
              ORDER BY created_at, id
              LIMIT $6`,
      order: 'p.created_at, p.id',
    },
    [...params, afterAt, afterId, first + 1],
  );
  const page = rows.slice(0, first);
  const items = page.map((r): DeadLetterView => ({
    id: r.id as string,
    source: r.source as string | null,
    transport: r.transport as string,
    contentType: r.content_type as string,
    rawPayload: r.raw_payload as string,
    recordIndex: r.record_index as number | null,
    code: r.error_code as string,
    message: r.error_message as string,
    path: r.error_path as string | null,
    status: r.status as DeadLetterView['status'],
    attempts: r.attempts as number,
    createdAt: r.created_at as Date,
    replayedAt: r.replayed_at as Date | null,
  }));
  return {
    items,
    cursors: page.map((row) => encodeKeysetCursor(row.micros as string, row.id as string)),
    hasNextPage: rows.length > first,
    totalCount: count,
  };
}
