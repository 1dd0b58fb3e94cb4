import type { TxContext } from '../common/context';

/** How a record reached the hub. */
export type Transport = 'graphql' | 'http' | 'webhook' | 'file' | 'amqp';

/**
 * Content type of a dead letter that holds one canonical record (as opposed to a vendor's whole body): such a
 * letter is replayed through validation and the pipeline, a body through its adapter again.
 */
export const CANONICAL_RECORD = 'application/vnd.profile-hub.record+json';

export interface NewDeadLetter {
  source: string | null;
  transport: Transport;
  contentType?: string;
  /** Exactly what was received for this record, so it can be fixed and replayed. */
  rawPayload: string;
  recordIndex: number | null;
  code: string;
  message: string;
  path: string | null;
}

/** Stores rejected records with their raw payload and reason, in one statement. Returns their ids. */
export async function recordDeadLetters(tx: TxContext, letters: NewDeadLetter[]): Promise<string[]> {
  if (letters.length === 0) return [];
  const rows: { id: string }[] = await tx.manager.query(
    `INSERT INTO dead_letter (source, transport, content_type, raw_payload, record_index, error_code, error_message, error_path)
     SELECT d.source, d.transport, d.content_type, d.raw_payload, d.record_index, d.error_code, d.error_message, d.error_path
       FROM jsonb_to_recordset($1::jsonb) AS d(source text, transport text, content_type text, raw_payload text,
                                              record_index int, error_code text, error_message text, error_path text)
     RETURNING id`,
    [
      JSON.stringify(
        letters.map((l) => ({
          source: l.source,
          transport: l.transport,
          content_type: l.contentType ?? CANONICAL_RECORD,
          raw_payload: l.rawPayload,
          record_index: l.recordIndex,
          error_code: l.code,
          error_message: l.message,
          error_path: l.path,
        })),
      ),
    ],
  );
  return rows.map((r) => r.id);
}
