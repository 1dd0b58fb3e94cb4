import { appendAudit, auditEntryFor } from '../audit/audit-trail';
import type { TxContext } from '../common/context';
import { toGlobalId } from '../common/global-id';
import { pgArray } from '../db/pg-array';
import { feedPayload } from '../feed/stored-payload';
import { findChainEnds } from '../identity/queries/merge-reads';
import { fieldTimes, SOURCE_TIME_SQL } from '../ingest/store/field-times';
import type { PrivacyOutcome } from './erase-profile';
import { deadLetterTieCondition, deadLetterTieParameters, loadPersonKeys } from './person-data';

export interface ProfileExport {
  /** The survivor the requested id resolves to. */
  profileId: string;
  generatedAt: Date;
  /** One JSON document: every section below, rows with camelCase keys. */
  document: Record<string, unknown>;
}

/**
 * Each section of the export: its name and its query over named parameters — `:ids` (profile ids), `:records`
 * (source record ids), `:refs` (profile ids as audit entries name them) and the dead-letter ties.
 */
const SECTIONS: [name: string, sql: string][] = [
  [
    'mergedProfiles',
    `SELECT * FROM golden_profile WHERE id = ANY(:ids::uuid[]) AND merged_into_id IS NOT NULL ORDER BY created_at`,
  ],
  ['sourceRecords', `SELECT * FROM source_record WHERE profile_id = ANY(:ids::uuid[]) ORDER BY created_at, id`],
  ['identifiers', `SELECT * FROM identifier WHERE profile_id = ANY(:ids::uuid[]) ORDER BY id`],
  [
    'sourceRecordLinks',
    `SELECT * FROM source_record_link WHERE from_source_record_id = ANY(:records::uuid[]) OR to_source_record_id = ANY(:records::uuid[]) ORDER BY id`,
  ],
  [
    'doNotMergePairs',
    `SELECT * FROM do_not_merge_pair WHERE source_record_a_id = ANY(:records::uuid[]) OR source_record_b_id = ANY(:records::uuid[]) ORDER BY id`,
  ],
  ['consentHistory', `SELECT * FROM consent_statement WHERE profile_id = ANY(:ids::uuid[]) ORDER BY captured_at, id`],
  [
    'consents',
    `SELECT * FROM consent_current WHERE profile_id = ANY(:ids::uuid[]) ORDER BY purpose, channel, contact_point`,
  ],
  ['timeline', `SELECT * FROM engagement_event WHERE profile_id = ANY(:ids::uuid[]) ORDER BY occurred_at, id`],
  [
    'segmentMemberships',
    `SELECT s.key AS segment_key, m.* FROM segment_membership m JOIN segment s ON s.id = m.segment_id
      WHERE m.profile_id = ANY(:ids::uuid[]) ORDER BY s.key`,
  ],
  [
    'mergeHistory',
    `SELECT * FROM merge_event WHERE survivor_profile_id = ANY(:ids::uuid[]) OR absorbed_profile_id = ANY(:ids::uuid[])
        OR target_profile_id = ANY(:ids::uuid[]) OR source_record_id = ANY(:records::uuid[]) ORDER BY created_at, id`,
  ],
  [
    'mergeCandidates',
    `SELECT * FROM merge_candidate WHERE profile_a_id = ANY(:ids::uuid[]) OR profile_b_id = ANY(:ids::uuid[]) ORDER BY created_at, id`,
  ],
  ['conflicts', `SELECT * FROM conflict WHERE profile_id = ANY(:ids::uuid[]) ORDER BY created_at, id`],
  ['pins', `SELECT * FROM pinned_value WHERE profile_id = ANY(:ids::uuid[]) ORDER BY id`],
  ['changeEvents', `SELECT * FROM change_event WHERE profile_id = ANY(:ids::uuid[]) ORDER BY txid, position`],
  [
    'webhookDeliveries',
    `SELECT * FROM webhook_delivery WHERE profile_id = ANY(:ids::uuid[])
        OR change_event_id IN (SELECT id FROM change_event WHERE profile_id = ANY(:ids::uuid[])) ORDER BY id`,
  ],
  [
    'deadLetters',
    `SELECT * FROM dead_letter d WHERE ${deadLetterTieCondition(':needles', ':recordKeys')} ORDER BY created_at, id`,
  ],
  [
    'auditEntries',
    `SELECT seq, occurred_at, actor, scopes, action, operation, target_type, target_id, details, request_id,
            redacted_at, encode(hash, 'hex') AS hash
       FROM audit_entry WHERE target_id = ANY(:refs::text[]) OR details->'profileIds' ?| :refs::text[] ORDER BY seq`,
  ],
];

/** `:name::type` placeholders to `$n`, with exactly the parameters the statement uses. */
function bind(sql: string, parameters: Record<string, string>): [string, string[]] {
  const names: string[] = [];
  const text = sql.replace(/(?<!:):([a-zA-Z]+)(?=::)/g, (_, name: string) => {
    if (!names.includes(name)) names.push(name);
    return `$${names.indexOf(name) + 1}`;
  });
  return [text, names.map((name) => parameters[name])];
}

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const camelRow = (row: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(row).map(([key, value]) => [camel(key), value]));

/**
 * Everything the hub holds on a person (right of access), as one JSON document: the golden profile with its
 * lineage (source, record, rule and source time per field), the profiles merged into it, every source record
 * with its raw payload, identifiers, links, consent history and current consents, the timeline, segment
 * memberships, merge history, merge candidates, conflicts, pins, change events, webhook deliveries, the dead
 * letters tied to the person and the audit entries about them (reads of their unmasked PII included).
 * `profileId` may be any id of the person (merges are followed). One statement per section, in one transaction;
 * the export itself is audited.
 */
export async function exportProfile(
  tx: TxContext,
  input: { profileId: string },
): Promise<PrivacyOutcome<ProfileExport>> {
  const [end] = await findChainEnds(tx.manager, [input.profileId]);
  if (!end) return { ok: false, code: 'NOT_FOUND', message: 'no such profile' };
  const keys = await loadPersonKeys(tx, end.id);
  const [needles, recordKeys] = deadLetterTieParameters(keys);
  const parameters: Record<string, string> = {
    ids: pgArray(keys.profileIds),
    records: pgArray(keys.sourceRecordIds),
    needles,
    recordKeys,
    refs: pgArray(keys.profileRefs),
  };
  const [profile]: Record<string, unknown>[] = await tx.manager.query(
    `SELECT g.*, (
       SELECT coalesce(jsonb_object_agg(l.field, jsonb_build_object(
                'sourceRecordId', l.source_record_id,
                'source', CASE WHEN l.source_record_id IS NULL THEN 'steward' ELSE s.source END,
                'rule', l.rule,
                'pinned', l.rule = 'pin',
                'updatedAt', coalesce(s.field_updated_at->>l.field, ${SOURCE_TIME_SQL('s')}, l.pinned_at))), '{}')
         FROM hub_lineage_fields(g.lineage) AS l LEFT JOIN source_record s ON s.id = l.source_record_id
     ) AS lineage
       FROM golden_profile g WHERE g.id = $1`,
    [end.id],
  );
  const document: Record<string, unknown> = {
    profileId: toGlobalId('Profile', end.id),
    requestedProfileId: toGlobalId('Profile', input.profileId),
    profile: camelRow(profile),
  };
  const counts: Record<string, number> = {};
  for (const [name, sql] of SECTIONS) {
    const rows: Record<string, unknown>[] = await tx.manager.query(...bind(sql, parameters));
    document[name] = rows.map(camelRow);
    counts[name] = rows.length;
  }
  // Each change event's payload as the feed hands it out (stored, a golden change leaves out what it repeats).
  for (const event of document.changeEvents as Record<string, unknown>[]) {
    event.payload = feedPayload(
      event.type as string,
      event.profileId as string | null,
      event.payload as Record<string, unknown>,
    );
  }
  // Each source record's per-field times in full, as the API shows them (stored, they leave out the record's time).
  for (const record of document.sourceRecords as Record<string, unknown>[]) {
    record.fieldUpdatedAt = fieldTimes(
      record.attributes as Record<string, unknown>,
      record.fieldUpdatedAt as Record<string, string>,
      record.sourceUpdatedAt as Date | null,
    );
  }
  const generatedAt = new Date();
  document.generatedAt = generatedAt.toISOString();
  await appendAudit(tx, [
    auditEntryFor(tx, {
      action: 'profile.export',
      targetType: 'golden_profile',
      targetId: end.id,
      details: { sections: counts },
    }),
  ]);
  return { ok: true, profileId: end.id, generatedAt, document };
}
