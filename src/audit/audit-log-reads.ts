import type { DataSource } from 'typeorm';
import { decodeSequenceCursor, encodeSequenceCursor } from '../common/keyset-cursor';

export interface AuditEntryView {
  id: string;
  seq: string;
  occurredAt: Date;
  actor: string;
  scopes: string[] | null;
  action: string;
  operation: string | null;
  targetType: string;
  targetId: string | null;
  details: Record<string, unknown>;
  requestId: string | null;
  redactedAt: Date | null;
  hash: string;
}

/** Which entries; every condition given must hold. `targetId` matches a global id's local part as well. */
export interface AuditLogFilter {
  actor?: string | null;
  action?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  /** From this time on (inclusive) … */
  from?: Date | null;
  /** … up to this time (exclusive). */
  to?: Date | null;
}

/** `id` and, when it is a Relay global id (`Type:local`, base64url), its local part: entries store local ids. */
function targetIds(id: string): string[] {
  const decoded = Buffer.from(id, 'base64url').toString('utf8');
  const match = /^[A-Z][A-Za-z]*:(.+)$/.exec(decoded);
  return match && Buffer.from(decoded, 'utf8').toString('base64url') === id.replace(/=+$/, '')
    ? [id, match[1].toLowerCase()]
    : [id];
}

/** Audit entries, newest first (by chain position), a keyset page at a time. */
export async function listAuditEntries(
  ds: DataSource,
  filter: AuditLogFilter,
  first: number,
  after?: string | null,
): Promise<{ items: AuditEntryView[]; cursors: string[]; hasNextPage: boolean }> {
  const afterSeq = after ? decodeSequenceCursor(after) : null;
  // Ordered by the bigint column, not its text alias of the same name.
  const rows: Record<string, unknown>[] = await ds.query(
    `SELECT id::text, seq::text, occurred_at, actor, scopes, action, operation, target_type, target_id, details,
            request_id, redacted_at, encode(hash, 'hex') AS hash
       FROM audit_entry
      WHERE ($1::text IS NULL OR actor = $1)
        AND ($2::text IS NULL OR action = $2)
        AND ($3::text IS NULL OR target_type = $3)
        AND ($4::text[] IS NULL OR target_id = ANY($4::text[]))
        AND ($5::timestamptz IS NULL OR occurred_at >= $5)
        AND ($6::timestamptz IS NULL OR occurred_at < $6)
        AND ($7::bigint IS NULL OR seq < $7::bigint)
      ORDER BY audit_entry.seq DESC
      LIMIT $8`,
    [
      filter.actor ?? null,
      filter.action ?? null,
      filter.targetType ?? null,
      filter.targetId ? targetIds(filter.targetId) : null,
      filter.from ?? null,
      filter.to ?? null,
      afterSeq,
      first + 1,
    ],
  );
  const page = rows.slice(0, first);
  return {
    items: page.map((r) => ({
      id: r.id as string,
      seq: r.seq as string,
      occurredAt: r.occurred_at as Date,
      actor: r.actor as string,
      scopes: r.scopes as string[] | null,
      action: r.action as string,
      operation: r.operation as string | null,
      targetType: r.target_type as string,
      targetId: r.target_id as string | null,
      details: r.details as Record<string, unknown>,
      requestId: r.request_id as string | null,
      redactedAt: r.redacted_at as Date | null,
      hash: r.hash as string,
    })),
    cursors: page.map((r) => encodeSequenceCursor(r.seq as string)),
    hasNextPage: rows.length > first,
  };
}
