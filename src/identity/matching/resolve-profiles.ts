import { randomUUID } from 'node:crypto';
import type { TxContext } from '../../common/context';

/** A source record waiting for its golden profile. */
export interface ResolutionRequest {
  key: string;
  source: string;
  externalId: string;
  /** The profile the record already belongs to, if it exists. */
  currentProfileId: string | null;
  email: string | null;
  /** Records this one declares to be the same person (e.g. the contact a lead was converted to). */
  links: { source: string; externalId: string }[];
}

export interface Resolution {
  profileIds: Map<string, string>;
  /** Profiles this call created (they need a first golden row). */
  createdProfileIds: Set<string>;
}

const recordRef = (source: string, externalId: string) => `${source}\u0000${externalId}`;

/**
 * Deterministic identity resolution, first slice: a known record keeps its profile; a new record joins the
 * profile of a record it is declared linked with (either direction), else the active profile that already
 * holds its email, else a profile created for it — shared with the batch's other new records that carry the
 * same email or link. The caller holds advisory locks on the record keys and emails, so two writers cannot
 * both create a profile for one person.
 */
export async function resolveProfiles(tx: TxContext, requests: ResolutionRequest[]): Promise<Resolution> {
  const pending = requests.filter((r) => !r.currentProfileId);
  const emails = [...new Set(pending.filter((r) => r.email).map((r) => r.email!))];
  const byEmail = new Map<string, string>();
  const byRecord = new Map<string, string>();
  if (emails.length > 0) {
    const rows: { value: string; profile_id: string }[] = await tx.manager.query(
      `SELECT DISTINCT ON (i.value) i.value, i.profile_id
         FROM identifier i
         JOIN golden_profile p ON p.id = i.profile_id AND p.status = 'active'
        WHERE i.type = 'email' AND i.value = ANY($1::text[])
        ORDER BY i.value, p.created_at, p.id`,
      [emails],
    );
    for (const row of rows) byEmail.set(row.value, row.profile_id);
  }
  if (pending.length > 0) {
    const targets = pending.flatMap((r) => r.links);
    // Profiles of the records these link to, and of the records that already link to these.
    const rows: { ref_source: string; ref_external_id: string; profile_id: string }[] = await tx.manager.query(
      `SELECT s.source AS ref_source, s.external_id AS ref_external_id, s.profile_id
         FROM source_record s
         JOIN unnest($1::text[], $2::text[]) AS t(source, external_id)
           ON s.source = t.source AND s.external_id = t.external_id
        WHERE NOT s.deleted
       UNION ALL
       SELECT l.to_source, l.to_external_id, s.profile_id
         FROM source_record_link l
         JOIN unnest($3::text[], $4::text[]) AS n(source, external_id)
           ON l.to_source = n.source AND l.to_external_id = n.external_id
         JOIN source_record s ON s.id = l.from_source_record_id AND NOT s.deleted`,
      [
        targets.map((t) => t.source),
        targets.map((t) => t.externalId),
        pending.map((r) => r.source),
        pending.map((r) => r.externalId),
      ],
    );
    for (const row of rows) byRecord.set(recordRef(row.ref_source, row.ref_external_id), row.profile_id);
  }

  const profileIds = new Map<string, string>();
  const createdProfileIds = new Set<string>();
  for (const request of requests) {
    const ref = recordRef(request.source, request.externalId);
    let profileId =
      request.currentProfileId ??
      byRecord.get(ref) ??
      request.links.map((l) => byRecord.get(recordRef(l.source, l.externalId))).find(Boolean) ??
      (request.email ? byEmail.get(request.email) : undefined);
    if (!profileId) {
      profileId = randomUUID();
      createdProfileIds.add(profileId);
    }
    profileIds.set(request.key, profileId);
    // Later records of the batch find this one by email, by its own key and by the keys it links to.
    if (request.email && !byEmail.has(request.email)) byEmail.set(request.email, profileId);
    if (!byRecord.has(ref)) byRecord.set(ref, profileId);
    for (const link of request.links) {
      const target = recordRef(link.source, link.externalId);
      if (!byRecord.has(target)) byRecord.set(target, profileId);
    }
  }
  return { profileIds, createdProfileIds };
}
