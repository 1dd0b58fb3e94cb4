import { appendAudit, auditEntryFor } from '../audit/audit-trail';
import type { ServiceContext } from '../common/context';
import { AdapterError } from './adapters/adapter';
import { getAdapter } from './adapters';
import { CANONICAL_RECORD } from './dead-letters';
import { ingestBatch } from './ingest-batch';
import type { IngestOutcome } from './ingest-records';
import { splitRecords } from './transports/http-ingest';

export interface DeadLetterFilter {
  ids?: string[];
  source?: string;
  code?: string;
  /** At most this many letters per call (default 100, at most 1000). */
  limit?: number;
}

export type ReplayStatus = 'REPLAYED' | 'FAILED' | 'SKIPPED';

export interface ReplayOutcome {
  deadLetterId: string;
  status: ReplayStatus;
  code: string | null;
  message: string | null;
}

interface Letter {
  id: string;
  source: string | null;
  transport: string;
  content_type: string;
  raw_payload: string;
  record_index: number | null;
  error_code: string;
}

const NOT_REPLAYABLE = new Set([
  'MISSING_SIGNATURE',
  'INVALID_SIGNATURE',
  'STALE_SIGNATURE',
  'NOT_CONFIGURED',
  'UNKNOWN_ADAPTER',
]);

/** Turns one dead letter back into canonical records, or says why it cannot be. */
function recordsOf(
  letter: Letter,
): { records: unknown[] } | { skip: string } | { fail: { code: string; message: string } } {
  if (NOT_REPLAYABLE.has(letter.error_code)) {
    return { skip: 'refused for authenticity or routing; it is kept as evidence and never replayed' };
  }
  if (letter.transport === 'webhook' && letter.content_type !== CANONICAL_RECORD) {
    try {
      const adapter = getAdapter(letter.source ?? '');
      const output = adapter.toRecords(
        {
          method: 'POST',
          url: `/webhooks/${adapter.key}`,
          publicUrl: `replay:/webhooks/${adapter.key}`,
          headers: { 'content-type': letter.content_type },
          query: {},
          rawBody: Buffer.from(letter.raw_payload, 'utf8'),
          receivedAt: new Date(),
        },
        { secrets: {} },
      );
      const itemError = output.rejected?.[0];
      if (itemError) return { fail: { code: itemError.code, message: itemError.message } };
      return { records: output.records };
    } catch (error) {
      if (error instanceof AdapterError) return { fail: { code: error.code, message: error.message } };
      throw error;
    }
  }
  const split = splitRecords(letter.raw_payload, letter.content_type);
  if (!split || split.badLines.length > 0) {
    return {
      fail: {
        code: 'MALFORMED_JSON',
        message: 'the stored payload is still not JSON; fix it at the source and send it again',
      },
    };
  }
  return { records: split.records };
}

/**
 * Re-runs open dead letters through the pipeline, e.g. after a mapping or validation fix: each letter is
 * turned back into records (a canonical record as is, a vendor body through its adapter again — authenticity
 * failures are never replayed) and ingested. Replays are idempotent, so a letter whose records partly went in
 * before is safe to run again. A letter that goes through is marked `replayed`; one that still fails stays
 * open with the new reason and one more attempt counted.
 */
export async function replayDeadLetters(ctx: ServiceContext, filter: DeadLetterFilter): Promise<ReplayOutcome[]> {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
  const letters: Letter[] = await ctx.dataSource.query(
    `SELECT id, source, transport, content_type, raw_payload, record_index, error_code
       FROM dead_letter
      WHERE status = 'open'
        AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[]))
        AND ($2::text IS NULL OR source = $2)
        AND ($3::text IS NULL OR error_code = $3)
      ORDER BY created_at, id
      LIMIT $4`,
    [filter.ids ?? null, filter.source ?? null, filter.code ?? null, limit],
  );
  const outcomes: ReplayOutcome[] = [];
  for (const letter of letters) {
    const prepared = recordsOf(letter);
    let outcome: ReplayOutcome;
    if ('skip' in prepared) {
      outcome = { deadLetterId: letter.id, status: 'SKIPPED', code: letter.error_code, message: prepared.skip };
    } else if ('fail' in prepared) {
      outcome = { deadLetterId: letter.id, status: 'FAILED', ...prepared.fail };
    } else {
      const results = await ingestBatch(ctx, {
        source: letter.source ?? undefined,
        records: prepared.records,
        transport: letter.transport as 'graphql',
        deadLetterRejections: false,
        audited: false,
      });
      const failure = results.find((r): r is Extract<IngestOutcome, { status: 'REJECTED' }> => r.status === 'REJECTED');
      outcome = failure
        ? {
            deadLetterId: letter.id,
            status: 'FAILED',
            code: failure.code,
            message: `${failure.path}: ${failure.message}`,
          }
        : { deadLetterId: letter.id, status: 'REPLAYED', code: null, message: null };
    }
    outcomes.push(outcome);
  }
  if (outcomes.length > 0) {
    await ctx.dataSource.query(
      `UPDATE dead_letter d
          SET attempts = d.attempts + CASE WHEN o.status = 'SKIPPED' THEN 0 ELSE 1 END,
              status = CASE WHEN o.status = 'REPLAYED' THEN 'replayed' ELSE d.status END,
              replayed_at = CASE WHEN o.status = 'REPLAYED' THEN now() ELSE d.replayed_at END,
              error_code = CASE WHEN o.status = 'FAILED' THEN o.code ELSE d.error_code END,
              error_message = CASE WHEN o.status = 'FAILED' THEN o.message ELSE d.error_message END,
              replay_result = jsonb_build_object('status', o.status, 'at', now(), 'by', $2::text)
         FROM jsonb_to_recordset($1::jsonb) AS o(id uuid, status text, code text, message text)
        WHERE d.id = o.id`,
      [
        JSON.stringify(
          outcomes.map((o) => ({ id: o.deadLetterId, status: o.status, code: o.code, message: o.message })),
        ),
        ctx.actor,
      ],
    );
  }
  // One entry per replay, also when nothing was open: the request itself is worth recording.
  await appendAudit(ctx.dataSource, [
    auditEntryFor(ctx, {
      action: 'dead_letters.replayed',
      targetType: 'dead_letter',
      targetId: null,
      details: {
        filter: { ...filter, limit },
        replayed: outcomes.filter((o) => o.status === 'REPLAYED').length,
        failed: outcomes.filter((o) => o.status === 'FAILED').length,
        skipped: outcomes.filter((o) => o.status === 'SKIPPED').length,
      },
    }),
  ]);
  return outcomes;
}
