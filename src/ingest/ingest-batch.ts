import { inTransaction, type ServiceContext } from '../common/context';
import { SqlState, sqlState } from '../common/hub-error';
import { ingestRecords, type IngestBatch, type IngestOutcome } from './ingest-records';

const RETRYABLE = new Set<string>([SqlState.DeadlockDetected, SqlState.SerializationFailure]);

/**
 * The one entry point every transport uses (GraphQL, HTTP, webhooks, file import, broker): one batch, one
 * transaction, results per record in input order. A batch that lost a deadlock or serialisation race is
 * retried whole, so the caller sees either every outcome committed or an error — never half a batch.
 * Acknowledge to the sender only after this resolves.
 */
export async function ingestBatch(ctx: ServiceContext, batch: IngestBatch, attempts = 5): Promise<IngestOutcome[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(ctx, (tx) => ingestRecords(tx, batch));
    } catch (error) {
      const state = sqlState(error);
      if (!state || !RETRYABLE.has(state) || attempt >= attempts) throw error;
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
