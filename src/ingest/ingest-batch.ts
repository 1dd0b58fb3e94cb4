import { appendAudit, auditEntryFor, type NewAuditEntry } from '../audit/audit-trail';
import { inTransaction, type ServiceContext } from '../common/context';
import { SqlState, sqlState } from '../common/hub-error';
import { noteRecordsWritten } from '../db/table-statistics';
import {
  ingestRecords,
  prepareRecords,
  type IngestBatch,
  type IngestOutcome,
  type PreparedBatch,
} from './ingest-records';
import type { Transport } from './dead-letters';

const RETRYABLE = new Set<string>([SqlState.DeadlockDetected, SqlState.SerializationFailure]);

/** What each transport is called in the audit trail when the context names no operation. */
const TRANSPORT_OPERATIONS: Record<Transport, string> = {
  graphql: 'ingest',
  http: 'POST /ingest/:source',
  webhook: 'POST /webhooks/:adapter',
  file: 'import',
  amqp: 'amqp',
};

/** One entry per batch: who ingested as which source, and how many records went which way — no record content. */
function ingestAuditEntry(ctx: ServiceContext, batch: IngestBatch, outcomes: IngestOutcome[]): NewAuditEntry {
  const sources = new Set<string>();
  for (const outcome of outcomes) if (outcome.status !== 'REJECTED') sources.add(outcome.source);
  const counts = summarise(outcomes);
  return auditEntryFor(ctx, {
    action: 'records.ingest',
    operation: ctx.operation ?? TRANSPORT_OPERATIONS[batch.transport] ?? batch.transport,
    targetType: 'source',
    targetId: batch.source ?? (sources.size === 1 ? [...sources][0] : null),
    details: {
      transport: batch.transport,
      records: outcomes.length,
      accepted: outcomes.length - counts.REJECTED,
      rejected: counts.REJECTED,
      created: counts.CREATED,
      updated: counts.UPDATED,
      unchanged: counts.UNCHANGED,
      duplicate: counts.DUPLICATE,
      ...(batch.source ? {} : { sources: [...sources].sort() }),
    },
  });
}

/**
 * The one entry point every transport uses (GraphQL, HTTP, webhooks, file import, broker): one batch, one
 * transaction, results per record in input order. A batch that lost a deadlock or serialisation race is
 * retried whole, so the caller sees either every outcome committed or an error — never half a batch. The
 * transaction ends with the batch's audit entry (one INSERT, whatever the number of records).
 * Acknowledge to the sender only after this resolves.
 */
export async function ingestBatch(
  ctx: ServiceContext,
  batch: IngestBatch,
  options: {
    attempts?: number;
    /** `prepareRecords(ctx.settings, batch)` started ahead (a bulk import's next batch); the first attempt's. */
    prepared?: Promise<PreparedBatch>;
  } = {},
): Promise<IngestOutcome[]> {
  const attempts = options.attempts ?? 5;
  const startedAt = process.hrtime.bigint();
  for (let attempt = 1; ; attempt++) {
    try {
      // Before the transaction: validation and the new records' keys need no connection held open.
      const prepared = await (attempt === 1 && options.prepared
        ? options.prepared
        : prepareRecords(ctx.settings, batch));
      const committed = await inTransaction(ctx, async (tx) => {
        const outcomes = await ingestRecords(tx, batch, prepared);
        // Last: the audit append holds the chain's lock until this transaction commits.
        if (batch.audited !== false) await appendAudit(tx, [ingestAuditEntry(tx, batch, outcomes)]);
        return outcomes;
      });
      ctx.metrics?.recordIngest(batch, committed, startedAt);
      void noteRecordsWritten(
        ctx.dataSource,
        ctx.logger,
        committed.filter((o) => o.status === 'CREATED' || o.status === 'UPDATED').length,
      );
      return committed;
    } catch (error) {
      const state = sqlState(error);
      if (!state || !RETRYABLE.has(state) || attempt >= attempts) {
        ctx.metrics?.recordIngestFailure(batch.transport);
        throw error;
      }
      ctx.logger.warn({ sqlState: state, attempt }, 'ingest batch lost a concurrency race; retrying');
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 50));
    }
  }
}

/** Counts of a batch's outcomes, for summaries and metrics. */
export function summarise(outcomes: IngestOutcome[]): Record<IngestOutcome['status'], number> {
  const counts = { CREATED: 0, UPDATED: 0, UNCHANGED: 0, DUPLICATE: 0, REJECTED: 0 };
  for (const outcome of outcomes) counts[outcome.status]++;
  return counts;
}
