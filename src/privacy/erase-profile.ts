import { appendAudit, auditEntryFor } from '../audit/audit-trail';
import { exitMemberships } from '../segments/membership';
import type { TxContext } from '../common/context';
import { lockNames } from '../db/advisory-locks';
import { pgArray } from '../db/pg-array';
import { appendChangeEvents } from '../feed/change-events';
import { findChainEnds } from '../identity/queries/merge-reads';
import { DEFAULT_IDENTITY } from '../identity/resolution/identity-settings';
import { CORE_COLUMNS } from '../identity/golden-attributes';
import { deadLetterTieCondition, deadLetterTieParameters, loadPersonKeys } from './person-data';
import { usableIdentifier } from './suppression';
import { returnedRows } from '../db/returned-rows';
import { identifierHmac, suppressionKey } from './suppression-key';

/** Why a person was erased: a category, never free text (free text invites personal data into the audit trail). */
export const ERASURE_REASONS = [
  'data_subject_request',
  'consent_withdrawn',
  'objection',
  'no_longer_needed',
  'unlawful_processing',
  'legal_obligation',
  'other',
] as const;
export type ErasureReason = (typeof ERASURE_REASONS)[number];

export type PrivacyRefusalCode = 'NOT_FOUND' | 'ALREADY_ERASED';
export type PrivacyOutcome<T> = ({ ok: true } & T) | { ok: false; code: PrivacyRefusalCode; message: string };

export interface Erasure {
  /** The erased survivor: the id that keeps resolving (to a tombstone). */
  profileId: string;
  /** Profiles that had been merged into it, erased with it. */
  absorbedProfileIds: string[];
  erasedAt: Date;
  sourceRecords: number;
  suppressionEntries: number;
}

/** What replaces the payload of every change event and webhook delivery about an erased person. */
export const ERASED_PAYLOAD = { redacted: 'erasure' };

/**
 * The locked, active end of `profileId`'s merge chain; re-resolved when a concurrent merge moved it meanwhile.
 */
async function lockSurvivor(tx: TxContext, profileId: string): Promise<{ id: string; status: string } | null> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const [end] = await findChainEnds(tx.manager, [profileId]);
    if (!end || end.status === 'erased') return end;
    await lockNames(tx, [`profile:${end.id}`]);
    const [row]: { status: string; merged_into_id: string | null }[] = await tx.manager.query(
      `SELECT status, merged_into_id FROM golden_profile WHERE id = $1 FOR UPDATE`,
      [end.id],
    );
    if (row.status !== 'merged' || row.merged_into_id === null) return { id: end.id, status: row.status };
  }
  throw new Error('profile kept moving while it was being erased');
}

/**
 * Erases a person (right to erasure): the survivor of `profileId`'s merge chain and every profile merged into
 * it. Deletes their source records with raw payloads, identifiers, links, blocking keys, do-not-merge pairs,
 * consent statements and current consents, engagement events, segment memberships, conflicts, pins, merge
 * candidates and the dead letters tied to them; empties merge events' evidence, the payloads of every change
 * event about them and the bodies of their webhook deliveries, and the details of audit entries about them (marked
 * redacted; the hash chain still verifies). The profiles stay as non-personal tombstones (status `erased`, no
 * values, no lineage) so their ids keep resolving. Each identifier goes on the suppression list as a keyed HMAC,
 * so a later record of the person is held. Emits `profile.erased` and records the request in the audit trail —
 * with no personal data in either. A fixed number of statements, whatever the number of records.
 */
export async function eraseProfile(
  tx: TxContext,
  input: { profileId: string; reason: ErasureReason },
): Promise<PrivacyOutcome<Erasure>> {
  const survivor = await lockSurvivor(tx, input.profileId);
  if (!survivor) return { ok: false, code: 'NOT_FOUND', message: 'no such profile' };
  if (survivor.status === 'erased') {
    return { ok: false, code: 'ALREADY_ERASED', message: 'this profile has already been erased' };
  }
  const keys = await loadPersonKeys(tx, survivor.id);
  const ids = pgArray(keys.profileIds);
  const records = pgArray(keys.sourceRecordIds);
  await tx.manager.query(`SELECT 1 FROM golden_profile WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [ids]);

  const hmacKey = await suppressionKey(tx);
  const blocked = tx.settings?.identity?.guardrails.blockedValues ?? DEFAULT_IDENTITY.guardrails.blockedValues;
  const entries = keys.identifiers
    .filter((identifier) => usableIdentifier(identifier, blocked))
    .map((identifier) => ({ type: identifier.type, hmac: identifierHmac(hmacKey, identifier.value) }));
  const suppressed: unknown[] = await tx.manager.query(
    `INSERT INTO suppression_entry (identifier_type, value_hmac, reason, erased_profile_id)
     SELECT DISTINCT e.type, e.hmac, $2, $3::uuid FROM jsonb_to_recordset($1::jsonb) AS e(type text, hmac text)
     ON CONFLICT (identifier_type, value_hmac) DO NOTHING RETURNING 1`,
    [JSON.stringify(entries), input.reason, survivor.id],
  );

  const [needles, recordKeys] = deadLetterTieParameters(keys);
  await tx.manager.query(`DELETE FROM dead_letter d WHERE ${deadLetterTieCondition('$1', '$2')}`, [
    needles,
    recordKeys,
  ]);
  await tx.manager.query(
    `DELETE FROM merge_candidate WHERE profile_a_id = ANY($1::uuid[]) OR profile_b_id = ANY($1::uuid[])`,
    [ids],
  );
  await tx.manager.query(
    `UPDATE merge_event SET evidence = '{}', reason = NULL
      WHERE survivor_profile_id = ANY($1::uuid[]) OR absorbed_profile_id = ANY($1::uuid[])
         OR target_profile_id = ANY($1::uuid[]) OR source_record_id = ANY($2::uuid[])`,
    [ids, records],
  );
  // Every audience the person was in hears that they left it (ids only).
  await exitMemberships(tx, { profileIds: keys.profileIds });
  for (const table of ['conflict', 'pinned_value', 'consent_current']) {
    await tx.manager.query(`DELETE FROM ${table} WHERE profile_id = ANY($1::uuid[])`, [ids]);
  }
  // Consent statements go with the person: their contact points and evidence are personal data, and the
  // suppression list, not a consent record, is what keeps the person from being contacted again.
  for (const table of ['consent_statement', 'engagement_event', 'identifier']) {
    await tx.manager.query(
      `DELETE FROM ${table} WHERE profile_id = ANY($1::uuid[]) OR source_record_id = ANY($2::uuid[])`,
      [ids, records],
    );
  }
  // Blocking keys belong to records (no index on their profile_id): every record of the person is in `records`.
  await tx.manager.query(`DELETE FROM blocking_key WHERE source_record_id = ANY($1::uuid[])`, [records]);
  await tx.manager.query(
    `DELETE FROM source_record_link l
      WHERE l.from_source_record_id = ANY($1::uuid[]) OR l.to_source_record_id = ANY($1::uuid[])
         OR EXISTS (SELECT 1 FROM jsonb_to_recordset($2::jsonb) AS k(source text, "externalId" text)
                     WHERE l.to_source = k.source AND l.to_external_id = k."externalId")`,
    [records, recordKeys],
  );
  // Do-not-merge pairs go with their records (ON DELETE CASCADE).
  await tx.manager.query(`DELETE FROM source_record WHERE profile_id = ANY($1::uuid[])`, [ids]);
  const nulls = Object.values(CORE_COLUMNS)
    .map((column) => `${column} = NULL`)
    .join(', ');
  const [erased] = returnedRows<{ erased_at: Date }>(
    await tx.manager.query(
      `UPDATE golden_profile
        SET status = 'erased', ${nulls}, custom = '{}', lineage = '{}', lead_score = 0, lifecycle_stage = NULL,
            erased_at = now(), updated_at = now(), version = version + 1
      WHERE id = ANY($1::uuid[])
     RETURNING erased_at`,
      [ids],
    ),
  );

  const events = returnedRows<{ id: string }>(
    await tx.manager.query(
      `UPDATE change_event SET payload = $2::jsonb, redacted_at = now()
      WHERE profile_id = ANY($1::uuid[])
     RETURNING id`,
      [ids, JSON.stringify(ERASED_PAYLOAD)],
    ),
  );
  await tx.manager.query(
    `UPDATE webhook_delivery SET request_body = jsonb_set(request_body, '{payload}', $3::jsonb)
      WHERE profile_id = ANY($1::uuid[]) OR change_event_id = ANY($2::uuid[])`,
    [ids, pgArray(events.map((e) => e.id)), JSON.stringify(ERASED_PAYLOAD)],
  );
  // The one update the audit trail allows: the chain covers the digest of the details as first written.
  await tx.manager.query(
    `UPDATE audit_entry SET details = $2::jsonb, redacted_at = now()
      WHERE target_id = ANY($1::text[]) AND redacted_at IS NULL`,
    [pgArray(keys.profileRefs), JSON.stringify(ERASED_PAYLOAD)],
  );

  const absorbedProfileIds = keys.profileIds.filter((id) => id !== survivor.id);
  const erasedAt = erased.erased_at;
  const details = {
    reason: input.reason,
    absorbedProfileIds,
    sourceRecords: keys.sourceRecordIds.length,
    suppressionEntries: suppressed.length,
  };
  await appendChangeEvents(tx, [
    {
      type: 'profile.erased',
      profileId: survivor.id,
      payload: { profileId: survivor.id, erasedAt: erasedAt.toISOString(), reason: input.reason, absorbedProfileIds },
    },
  ]);
  // Last: the audit append holds the chain's lock until the transaction commits.
  await appendAudit(tx, [
    auditEntryFor(tx, { action: 'profile.erase', targetType: 'golden_profile', targetId: survivor.id, details }),
  ]);
  tx.logger.info({ profileId: survivor.id, ...details }, 'profile erased');
  return {
    ok: true,
    profileId: survivor.id,
    absorbedProfileIds,
    erasedAt,
    sourceRecords: keys.sourceRecordIds.length,
    suppressionEntries: suppressed.length,
  };
}
