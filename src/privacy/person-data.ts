import type { TxContext } from '../common/context';
import { toGlobalId } from '../common/global-id';
import { pgArray } from '../db/pg-array';
import { normaliseIdentifier } from '../ingest/canonical-record';
import { sourceRecordIdentifier, type SuppressionIdentifier } from './suppression';

/** Everything that identifies one person across the hub's tables: the profiles, their records, their identifiers. */
export interface PersonKeys {
  /** The survivor and every profile merged into it (tombstones), at any depth. */
  profileIds: string[];
  /** `profileIds` as the API and audit entries name them (UUIDs and global ids). */
  profileRefs: string[];
  sourceRecordIds: string[];
  /** `(source, externalId)` of the records and of the records they link to. */
  recordKeys: { source: string; externalId: string }[];
  /** Normalised identifiers (email, phone, declared, `source_record`) for the suppression list. */
  identifiers: SuppressionIdentifier[];
  /** Lower-case texts whose presence ties a dead letter to the person: emails and phones, also URL-encoded. */
  needles: string[];
}

/**
 * The survivor `survivorId` and every profile whose merge chain ends there, with everything that identifies the
 * person — one statement for the profile tree and one for the identifiers, whatever the number of records.
 */
export async function loadPersonKeys(tx: TxContext, survivorId: string): Promise<PersonKeys> {
  const rows: { id: string }[] = await tx.manager.query(
    `WITH RECURSIVE tree(id, depth) AS (
       SELECT $1::uuid, 0
       UNION
       SELECT g.id, t.depth + 1 FROM golden_profile g JOIN tree t ON g.merged_into_id = t.id WHERE t.depth < 50)
     SELECT DISTINCT id FROM tree`,
    [survivorId],
  );
  const profileIds = rows.map((r) => r.id);
  const [found]: {
    records: { id: string; source: string; externalId: string; email: unknown; phone: unknown }[];
    identifiers: { type: string; value: string }[];
    links: { source: string; externalId: string }[];
    golden: { email: string | null; phone: string | null }[];
    contact_points: string[];
  }[] = await tx.manager.query(
    `SELECT
       (SELECT coalesce(jsonb_agg(jsonb_build_object('id', s.id, 'source', s.source, 'externalId', s.external_id,
                                                     'email', s.attributes->'email', 'phone', s.attributes->'phone')), '[]')
          FROM source_record s WHERE s.profile_id = ANY($1::uuid[])) AS records,
       (SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('type', i.type, 'value', i.value)), '[]')
          FROM identifier i WHERE i.profile_id = ANY($1::uuid[])) AS identifiers,
       (SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('source', l.to_source, 'externalId', l.to_external_id)), '[]')
          FROM source_record_link l JOIN source_record s ON s.id = l.from_source_record_id
         WHERE s.profile_id = ANY($1::uuid[])) AS links,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('email', g.email, 'phone', g.phone)), '[]')
          FROM golden_profile g WHERE g.id = ANY($1::uuid[])) AS golden,
       (SELECT coalesce(jsonb_agg(DISTINCT c.contact_point), '[]')
          FROM consent_statement c WHERE c.profile_id = ANY($1::uuid[]) AND c.contact_point <> '') AS contact_points`,
    [pgArray(profileIds)],
  );
  const region = tx.settings?.phoneRegion;
  const emails = new Set<string>();
  const phones = new Set<string>();
  const addContact = (type: 'email' | 'phone', value: unknown) => {
    if (typeof value !== 'string' || value.trim() === '') return;
    const normalised = normaliseIdentifier(type, value, region) ?? value.trim().toLowerCase();
    (type === 'email' ? emails : phones).add(normalised);
  };
  for (const r of found.records) {
    addContact('email', r.email);
    addContact('phone', r.phone);
  }
  for (const g of found.golden) {
    addContact('email', g.email);
    addContact('phone', g.phone);
  }
  for (const point of found.contact_points) addContact(point.includes('@') ? 'email' : 'phone', point);
  const declared = found.identifiers.filter((i) => i.type !== 'email' && i.type !== 'phone');
  for (const i of found.identifiers) if (i.type === 'email' || i.type === 'phone') addContact(i.type, i.value);

  const recordKeys = [
    ...new Map(
      [...found.records, ...found.links].map((r) => [
        `${r.source}:${r.externalId}`,
        { source: r.source, externalId: r.externalId },
      ]),
    ).values(),
  ];
  const needles = new Set<string>();
  for (const value of [...emails, ...phones]) {
    needles.add(value.toLowerCase());
    needles.add(encodeURIComponent(value).toLowerCase());
  }
  for (const phone of phones) if (phone.startsWith('+')) needles.add(phone.slice(1));
  return {
    profileIds,
    profileRefs: profileIds.flatMap((id) => [id, toGlobalId('Profile', id)]),
    sourceRecordIds: found.records.map((r) => r.id),
    recordKeys,
    identifiers: [
      ...[...emails].map((value) => ({ type: 'email', value })),
      ...[...phones].map((value) => ({ type: 'phone', value })),
      ...declared.map((i) => ({ type: i.type, value: i.value.trim() })),
      ...recordKeys.map((k) => sourceRecordIdentifier(k.source, k.externalId)),
    ],
    needles: [...needles].filter((n) => n.length >= 5),
  };
}

/**
 * SQL condition (on alias `d`) for the dead letters tied to a person: one of the person's `(source, externalId)`
 * (as the letter's column, or quoted in its JSON or XML body), or one of their emails or phones anywhere in the
 * body. `needles` and `keys` are the placeholders of {@link deadLetterTieParameters}' two values.
 */
export function deadLetterTieCondition(needles: string, keys: string): string {
  return `(EXISTS (SELECT 1 FROM unnest(${needles}::text[]) AS n(v) WHERE strpos(lower(d.raw_payload), n.v) > 0)
           OR EXISTS (SELECT 1 FROM jsonb_to_recordset(${keys}::jsonb) AS k(source text, "externalId" text)
                       WHERE d.source = k.source
                         AND (d.external_id = k."externalId"
                              OR strpos(d.raw_payload, '"' || k."externalId" || '"') > 0
                              OR strpos(d.raw_payload, '>' || k."externalId" || '<') > 0)))`;
}

/** Parameters for {@link deadLetterTieCondition}. */
export function deadLetterTieParameters(keys: PersonKeys): [string, string] {
  return [pgArray(keys.needles), JSON.stringify(keys.recordKeys)];
}
