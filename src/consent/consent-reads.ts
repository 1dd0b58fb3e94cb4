import type { DataSource } from 'typeorm';
import { effectiveStatus, type ConsentStatus, type CurrentConsent } from './consent-state';

/** A profile's current consent of one scope, as stored (`consent_current`). */
export type CurrentConsentView = CurrentConsent & { profileId: string };

/** Current consents of many profiles in one query (a grant past its expiry reads `expired` at once). */
export async function findCurrentConsents(
  ds: DataSource,
  profileIds: readonly string[],
): Promise<CurrentConsentView[][]> {
  const rows: Record<string, unknown>[] = await ds.query(
    `SELECT profile_id, purpose, channel, contact_point, status, legal_basis, source, statement_id::text AS statement_id,
            captured_at, expires_at
       FROM consent_current WHERE profile_id = ANY($1::uuid[]) ORDER BY purpose, channel, contact_point`,
    [profileIds],
  );
  const now = new Date();
  const grouped = new Map<string, CurrentConsentView[]>();
  for (const r of rows) {
    const view: CurrentConsentView = {
      profileId: r.profile_id as string,
      purpose: r.purpose as string,
      channel: r.channel as string,
      contactPoint: r.contact_point as string,
      status: effectiveStatus(r.status as ConsentStatus, (r.expires_at as Date | null) ?? null, now),
      legalBasis: (r.legal_basis as string | null) ?? null,
      source: r.source as string,
      statementId: r.statement_id as string,
      capturedAt: r.captured_at as Date,
      expiresAt: (r.expires_at as Date | null) ?? null,
    };
    (grouped.get(view.profileId) ?? grouped.set(view.profileId, []).get(view.profileId)!).push(view);
  }
  return profileIds.map((id) => grouped.get(id) ?? []);
}

export interface ConsentStatementRecord {
  id: string;
  purpose: string;
  channel: string;
  contactPoint: string;
  status: string;
  legalBasis: string | null;
  source: string;
  capturedAt: Date;
  expiresAt: Date | null;
  evidence: Record<string, unknown>;
  recordedBy: string | null;
  recordedAt: Date;
}

/** A profile's statements, newest capture first, optionally of one purpose and channel. */
export async function findConsentHistory(
  ds: DataSource,
  profileId: string,
  filter: { purpose?: string | null; channel?: string | null; limit: number },
): Promise<ConsentStatementRecord[]> {
  const rows: Record<string, unknown>[] = await ds.query(
    `SELECT id::text AS id, purpose, channel, contact_point, status, legal_basis, source, captured_at, expires_at,
            evidence, recorded_by, created_at
       FROM consent_statement
      WHERE profile_id = $1 AND ($2::text IS NULL OR purpose = $2) AND ($3::text IS NULL OR channel = $3)
      ORDER BY captured_at DESC, id DESC LIMIT $4`,
    [profileId, filter.purpose ?? null, filter.channel ?? null, filter.limit],
  );
  return rows.map((r) => ({
    id: r.id as string,
    purpose: r.purpose as string,
    channel: r.channel as string,
    contactPoint: r.contact_point as string,
    status: r.status as string,
    legalBasis: (r.legal_basis as string | null) ?? null,
    source: r.source as string,
    capturedAt: r.captured_at as Date,
    expiresAt: (r.expires_at as Date | null) ?? null,
    evidence: (r.evidence as Record<string, unknown>) ?? {},
    recordedBy: (r.recorded_by as string | null) ?? null,
    recordedAt: r.created_at as Date,
  }));
}
