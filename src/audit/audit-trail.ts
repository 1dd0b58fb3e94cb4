import type { ServiceContext } from '../common/context';
import { jsonbRows } from '../db/jsonb-rows';

/**
 * One audit entry as written. Details never hold personal data: ids, counts, codes and the *names* of fields are
 * fine, their values are not (an erasure later replaces the details of entries about the person anyway).
 */
export interface NewAuditEntry {
  /** Token subject, `cli` or `system`. */
  actor: string;
  /** The caller's token scopes; null for the process itself. */
  scopes: string[] | null;
  /** What was done, in the domain's words: `profile.erase`, `records.ingest`, `pii.read` … */
  action: string;
  /** The GraphQL field, HTTP route or command that did it: `eraseProfile`, `POST /ingest/:source`, `import`. */
  operation: string | null;
  /** `golden_profile`, `merge_candidate`, `segment`, `source` … */
  targetType: string;
  /** The target's id as the hub stores it (a profile's UUID, a segment's key); null when there is none. */
  targetId: string | null;
  details: Record<string, unknown>;
  requestId: string | null;
}

/** Anything that runs a statement: an EntityManager, a DataSource, a pg client adapter. */
interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** Where an append runs: a transaction (`TxContext` or its manager) or, for an entry of its own, a DataSource. */
export type AuditWriter = Queryable | { manager: Queryable };

/** The caller's scopes as stored: sorted, or null for the process itself. */
export function scopesOf(ctx: Pick<ServiceContext, 'principal'>): string[] | null {
  return ctx.principal ? [...ctx.principal.scopes].sort() : null;
}

/** An entry by the context's caller, for its request and operation. */
export function auditEntryFor(
  ctx: Pick<ServiceContext, 'actor' | 'principal' | 'requestId' | 'operation'>,
  entry: Pick<NewAuditEntry, 'action' | 'targetType' | 'targetId' | 'details'> & { operation?: string | null },
): NewAuditEntry {
  return {
    actor: ctx.actor,
    scopes: scopesOf(ctx),
    requestId: ctx.requestId,
    ...entry,
    operation: entry.operation ?? ctx.operation ?? null,
  };
}

/**
 * Appends entries to the audit trail in one INSERT, in the given order. The database chains them (sequence
 * number, previous hash, hash; migration AuditChain) under one advisory lock held until the transaction ends —
 * so inside a larger transaction make this its last statement: every other appender on the database waits
 * for this transaction to commit.
 */
export async function appendAudit(writer: AuditWriter, entries: readonly NewAuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const target = 'manager' in writer ? writer.manager : writer;
  await target.query(
    `INSERT INTO audit_entry (actor, scopes, action, operation, target_type, target_id, details, request_id)
     SELECT e.actor, e.scopes, e.action, e.operation, e.target_type, e.target_id, coalesce(e.details, '{}'),
            e.request_id
       FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (actor text, scopes text[], action text, operation text,
                       target_type text, target_id text, details jsonb, request_id text)) WITH ORDINALITY
            AS e(actor, scopes, action, operation, target_type, target_id, details, request_id, n)
      ORDER BY e.n`,
    [
      jsonbRows(
        entries.map((e) => ({
          actor: e.actor,
          scopes: e.scopes,
          action: e.action,
          operation: e.operation,
          target_type: e.targetType,
          target_id: e.targetId,
          details: e.details,
          request_id: e.requestId,
        })),
      ),
    ],
  );
}
