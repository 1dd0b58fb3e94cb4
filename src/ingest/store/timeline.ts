import type { TxContext } from '../../common/context';
import { refreshConsentCurrent } from '../../consent/consent-current';
import { jsonbRows } from '../../db/jsonb-rows';
import type { NewChangeEvent } from '../../feed/change-events';
import type { StatementChain } from '../../db/statement-chain';
import type { SourceRecordWrite } from './source-records';

/**
 * Appends the batch's consent statements (append-only). A statement already on file — same profile, purpose,
 * channel, contact point, status, source and capture time — is not written twice, so re-deliveries without
 * an event id stay no-ops. Returns a `consent.recorded` change event per new statement, and a `consent.changed`
 * event per scope whose current state they changed (`consent_current` is re-derived in the same transaction).
 */
export async function storeConsentStatements(
  tx: TxContext,
  writes: SourceRecordWrite[],
  ids: Map<string, string>,
): Promise<NewChangeEvent[]> {
  const statements = writes.flatMap((w) =>
    w.records.flatMap((r) =>
      r.consents.map((c) => ({
        profile_id: w.profileId,
        source_record_id: ids.get(w.key)!,
        purpose: c.purpose,
        channel: c.channel,
        contact_point: c.contactPoint,
        status: c.status,
        legal_basis: c.legalBasis ?? null,
        source: r.source,
        captured_at: c.capturedAt,
        expires_at: c.expiresAt ?? null,
        evidence: c.evidence,
      })),
    ),
  );
  if (statements.length === 0) return [];
  const rows: Record<string, unknown>[] = await tx.manager.query(
    `INSERT INTO consent_statement (profile_id, source_record_id, purpose, channel, contact_point, status,
                                    legal_basis, source, captured_at, expires_at, evidence)
     SELECT DISTINCT ON (c.profile_id, c.purpose, c.channel, c.contact_point, c.status, c.source, c.captured_at)
            c.profile_id, c.source_record_id, c.purpose, c.channel, c.contact_point, c.status, c.legal_basis,
            c.source, c.captured_at, c.expires_at, c.evidence
       FROM jsonb_to_recordset($1::jsonb) AS c(profile_id uuid, source_record_id uuid, purpose text, channel text,
            contact_point text, status text, legal_basis text, source text, captured_at timestamptz,
            expires_at timestamptz, evidence jsonb)
      WHERE NOT EXISTS (
              SELECT 1 FROM consent_statement s
               WHERE s.profile_id = c.profile_id AND s.purpose = c.purpose AND s.channel = c.channel
                 AND s.contact_point = c.contact_point AND s.status = c.status AND s.source = c.source
                 AND s.captured_at = c.captured_at)
     RETURNING id, profile_id, purpose, channel, contact_point, status, source, captured_at`,
    [jsonbRows(statements)],
  );
  const recorded: NewChangeEvent[] = rows.map((row) => ({
    type: 'consent.recorded',
    profileId: row.profile_id as string,
    originSource: row.source as string,
    payload: {
      profileId: row.profile_id,
      statementId: String(row.id),
      purpose: row.purpose,
      channel: row.channel,
      contactPoint: row.contact_point,
      status: row.status,
      source: row.source,
      capturedAt: (row.captured_at as Date).toISOString(),
    },
  }));
  // The current state per scope moves with the new statements (a `consent.changed` event where it did).
  const changed = await refreshConsentCurrent(
    tx,
    rows.map((row) => row.profile_id as string),
  );
  return [...recorded, ...changed];
}

/**
 * Appends the batch's engagement events to the timeline in one statement sent on `chain`; an event id seen before
 * from the source is skipped.
 */
export async function storeEngagementEvents(
  writes: SourceRecordWrite[],
  ids: Map<string, string>,
  chain: StatementChain,
): Promise<void> {
  const events = writes.flatMap((w) =>
    w.records.flatMap((r) =>
      r.events.map((e) => ({
        profile_id: w.profileId,
        source_record_id: ids.get(w.key)!,
        source: r.source,
        external_event_id: e.id,
        type: e.type,
        occurred_at: e.occurredAt,
        properties: e.properties,
      })),
    ),
  );
  if (events.length === 0) return;
  await chain.send(
    `INSERT INTO engagement_event (profile_id, source_record_id, source, external_event_id, type, occurred_at, properties)
     SELECT e.profile_id, e.source_record_id, e.source, e.external_event_id, e.type, e.occurred_at, e.properties
       FROM jsonb_to_recordset($1::jsonb) AS e(profile_id uuid, source_record_id uuid, source text,
            external_event_id text, type text, occurred_at timestamptz, properties jsonb)
     ON CONFLICT (source, external_event_id) DO NOTHING`,
    [jsonbRows(events)],
  );
}
