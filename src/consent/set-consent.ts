import type { TxContext } from '../common/context';
import { lockNames } from '../db/advisory-locks';
import { findChainEnds } from '../identity/queries/merge-reads';
import { recordGoldenChanges } from '../identity/survivorship/refresh-golden-profiles';
import { normaliseIdentifier } from '../ingest/canonical-record';
import { refreshConsentCurrent } from './consent-current';
import { DEFAULT_CONSENT } from './consent-settings';
import type { StatementStatus } from './consent-state';

export type ConsentRefusal = 'NOT_FOUND' | 'NOT_ACTIVE' | 'UNKNOWN_PURPOSE' | 'UNKNOWN_CHANNEL' | 'BAD_VALUE';

export type ConsentOutcome<T> = ({ ok: true } & T) | { ok: false; code: ConsentRefusal; message: string };

export interface SetConsentInput {
  profileId: string;
  purpose: string;
  channel: string;
  /** Which email or phone; omitted for the person's any. Normalised like ingest. */
  contactPoint?: string | null;
  status: StatementStatus;
  legalBasis?: string | null;
  /** When the person stated it (default now); a statement about the past never overrides a later one. */
  capturedAt?: Date | null;
  expiresAt?: Date | null;
  /** Form, IP, text version … */
  evidence?: Record<string, unknown> | null;
  /** The channel of record: the app or system that captured it (default `api`). */
  source?: string | null;
}

const refuse = (code: ConsentRefusal, message: string) => ({ ok: false as const, code, message });

/**
 * Records a consent statement for a profile through the API (a preference centre, a call-centre app): appended
 * like any source's statement, with who recorded it; the current state is re-derived and a `consent.changed`
 * event goes out where it moved.
 */
export async function setConsent(
  tx: TxContext,
  input: SetConsentInput,
): Promise<ConsentOutcome<{ profileId: string; statementId: string }>> {
  const settings = tx.settings?.consent ?? DEFAULT_CONSENT;
  if (!settings.purposes.includes(input.purpose)) {
    return refuse(
      'UNKNOWN_PURPOSE',
      `"${input.purpose}" is not a configured purpose (${settings.purposes.join(', ')})`,
    );
  }
  if (!settings.channels.includes(input.channel)) {
    return refuse(
      'UNKNOWN_CHANNEL',
      `"${input.channel}" is not a configured channel (${settings.channels.join(', ')})`,
    );
  }
  let contactPoint = '';
  if (input.contactPoint) {
    const type = input.contactPoint.includes('@') ? 'email' : 'phone';
    const normalised = normaliseIdentifier(type, input.contactPoint, tx.settings?.phoneRegion);
    if (!normalised) return refuse('BAD_VALUE', `the contact point is not a valid ${type}`);
    contactPoint = normalised;
  }
  const capturedAt = input.capturedAt ?? new Date();
  if (input.expiresAt && input.expiresAt.getTime() <= capturedAt.getTime()) {
    return refuse('BAD_VALUE', 'expiresAt must be after capturedAt');
  }
  const source = input.source ?? 'api';
  if (!/^[a-z][a-z0-9_-]{0,62}$/.test(source))
    return refuse('BAD_VALUE', 'a source key is lower-case letters, digits, - or _');
  const [end] = await findChainEnds(tx.manager, [input.profileId]);
  if (!end) return refuse('NOT_FOUND', 'no such profile');
  if (end.status !== 'active') return refuse('NOT_ACTIVE', `the profile is ${end.status}`);
  await lockNames(tx, [`profile:${end.id}`]);
  const [row]: { id: string }[] = await tx.manager.query(
    `INSERT INTO consent_statement (profile_id, purpose, channel, contact_point, status, legal_basis, source,
                                    captured_at, expires_at, evidence, recorded_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11)
     RETURNING id::text AS id`,
    [
      end.id,
      input.purpose,
      input.channel,
      contactPoint,
      input.status,
      input.legalBasis ?? null,
      source,
      capturedAt.toISOString(),
      input.expiresAt?.toISOString() ?? null,
      JSON.stringify(input.evidence ?? {}),
      tx.actor,
    ],
  );
  const events = await refreshConsentCurrent(tx, [end.id]);
  // Events, re-scoring and segment membership go the way of every other profile change.
  await recordGoldenChanges(tx, [], () => null, [
    {
      type: 'consent.recorded',
      profileId: end.id,
      originSource: source,
      payload: {
        profileId: end.id,
        statementId: row.id,
        purpose: input.purpose,
        channel: input.channel,
        contactPoint,
        status: input.status,
        source,
        capturedAt: capturedAt.toISOString(),
      },
    },
    ...events,
  ]);
  return { ok: true, profileId: end.id, statementId: row.id };
}
