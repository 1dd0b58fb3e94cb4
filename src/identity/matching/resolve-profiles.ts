import { randomUUID } from 'node:crypto';
import type { TxContext } from '../../common/context';

/** A source record waiting for its golden profile. */
export interface ResolutionRequest {
  key: string;
  /** The profile the record already belongs to, if it exists. */
  currentProfileId: string | null;
  email: string | null;
}

export interface Resolution {
  profileIds: Map<string, string>;
  /** Profiles this call created (they need a first golden row). */
  createdProfileIds: Set<string>;
}

/**
 * Exact-email identity resolution, the first slice of matching: a known record keeps its profile; a new record
 * joins the active profile that already holds its email, else a profile created for it (shared with the
 * other new records of the batch that carry the same email). The caller holds the advisory locks on the
 * emails, so two writers cannot both create a profile for one person.
 */
export async function resolveProfiles(tx: TxContext, requests: ResolutionRequest[]): Promise<Resolution> {
  const emails = [...new Set(requests.filter((r) => !r.currentProfileId && r.email).map((r) => r.email!))];
  const known = new Map<string, string>();
  if (emails.length > 0) {
    const rows: { value: string; profile_id: string }[] = await tx.manager.query(
      `SELECT DISTINCT ON (i.value) i.value, i.profile_id
         FROM identifier i
         JOIN golden_profile p ON p.id = i.profile_id AND p.status = 'active'
        WHERE i.type = 'email' AND i.value = ANY($1::text[])
        ORDER BY i.value, p.created_at, p.id`,
      [emails],
    );
    for (const row of rows) known.set(row.value, row.profile_id);
  }
  const profileIds = new Map<string, string>();
  const createdProfileIds = new Set<string>();
  for (const request of requests) {
    let profileId = request.currentProfileId ?? (request.email ? known.get(request.email) : undefined);
    if (!profileId) {
      profileId = randomUUID();
      createdProfileIds.add(profileId);
      if (request.email) known.set(request.email, profileId);
    }
    profileIds.set(request.key, profileId);
  }
  return { profileIds, createdProfileIds };
}
