import type { TxContext } from '../../common/context';
import { lockNames } from '../../db/advisory-locks';
import type { NewChangeEvent } from '../../feed/change-events';
import { validateCanonicalRecord } from '../../ingest/canonical-record';
import { ADDRESS_PARTS, type AttributeValue } from '../golden-attributes';
import { findChainEnds } from '../queries/merge-reads';
import { recordGoldenChanges, refreshGoldenProfiles } from './refresh-golden-profiles';
import { ADDRESS_GROUP, RULE_FIELDS } from './survivorship-rules';

export type PinRefusal =
  'NOT_FOUND' | 'NOT_ACTIVE' | 'BAD_FIELD' | 'BAD_VALUE' | 'NOT_IN_PROFILE' | 'NOT_PINNED' | 'ALREADY_DECIDED';

export type PinOutcome<T> = ({ ok: true } & T) | { ok: false; code: PinRefusal; message: string };

const refuse = (code: PinRefusal, message: string) => ({ ok: false as const, code, message });

/** What a steward pins: a value, or a source record whose value the field then follows. */
export interface PinChoice {
  value?: AttributeValue;
  sourceRecordId?: string | null;
}

const CUSTOM_FIELD = /^custom\.[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

/** A field a pin may name: a core attribute, `address` as a whole, or a custom attribute. */
function checkField(field: string): string | undefined {
  if (field.startsWith(`${ADDRESS_GROUP}.`)) {
    return `the address is decided as a whole: pin the field "address" with an object of its parts`;
  }
  if (RULE_FIELDS.includes(field) || CUSTOM_FIELD.test(field)) return undefined;
  return `"${field}" is not a golden field (one of: ${RULE_FIELDS.join(', ')}, custom.<key>)`;
}

/**
 * The value as the hub would store it from a source (an email lower-cased, a phone in E.164, an address as
 * its parts), or why not — the same validation as ingest.
 */
function normalisePinnedValue(
  tx: TxContext,
  field: string,
  value: AttributeValue,
): { ok: true; value: AttributeValue } | { ok: false; message: string } {
  if (value === null) return { ok: true, value: null };
  let attributes: Record<string, unknown>;
  if (field === ADDRESS_GROUP) {
    if (typeof value !== 'object' || Array.isArray(value)) {
      return { ok: false, message: `an address is an object of its parts (${ADDRESS_PARTS.join(', ')})` };
    }
    const unknown = Object.keys(value).filter((k) => !(ADDRESS_PARTS as readonly string[]).includes(k));
    if (unknown.length > 0) return { ok: false, message: `unknown address part "${unknown[0]}"` };
    attributes = { address: value };
  } else {
    attributes = { [field]: value };
  }
  const check = validateCanonicalRecord({ externalId: 'pin', attributes }, 'steward', new Date(), {
    phoneRegion: tx.settings?.phoneRegion,
  });
  if (!check.ok) return { ok: false, message: `${check.code}: ${check.message}` };
  if (field !== ADDRESS_GROUP) return { ok: true, value: check.record.attributes[field] ?? null };
  const parts = Object.fromEntries(
    Object.entries(check.record.attributes)
      .filter(([k, v]) => k.startsWith(`${ADDRESS_GROUP}.`) && v !== null)
      .map(([k, v]) => [k.slice(ADDRESS_GROUP.length + 1), v]),
  );
  return { ok: true, value: Object.keys(parts).length > 0 ? parts : null };
}

async function activeProfile(tx: TxContext, profileId: string): Promise<PinOutcome<{ id: string }>> {
  const [end] = await findChainEnds(tx.manager, [profileId]);
  if (!end) return refuse('NOT_FOUND', 'no such profile');
  if (end.status !== 'active') return refuse('NOT_ACTIVE', `the profile is ${end.status}`);
  await lockNames(tx, [`profile:${end.id}`]);
  return { ok: true, id: end.id };
}

async function rerun(tx: TxContext, profileId: string, events: NewChangeEvent[]): Promise<void> {
  await recordGoldenChanges(tx, await refreshGoldenProfiles(tx, [profileId]), () => null, events);
}

/**
 * A steward overrides one golden field until unpinned: with a value (validated and normalised like ingest) or a
 * source record of the profile whose value the field then follows. Survivorship re-runs at once; the change,
 * if any, goes out as a `profile.updated` event to every system (its origin is no source).
 */
export async function pinAttribute(
  tx: TxContext,
  input: { profileId: string; field: string; reason?: string | null; conflictId?: string | null } & PinChoice,
): Promise<PinOutcome<{ profileId: string }>> {
  const badField = checkField(input.field);
  if (badField) return refuse('BAD_FIELD', badField);
  const hasValue = input.value !== undefined;
  const hasRecord = Boolean(input.sourceRecordId);
  if (hasValue === hasRecord) return refuse('BAD_VALUE', 'give either a value or a source record, not both');
  const profile = await activeProfile(tx, input.profileId);
  if (!profile.ok) return profile;
  let value: AttributeValue = null;
  if (hasRecord) {
    const [owner] = await tx.manager.query(`SELECT profile_id FROM source_record WHERE id = $1`, [
      input.sourceRecordId,
    ]);
    if (!owner) return refuse('NOT_FOUND', 'no such source record');
    if (owner.profile_id !== profile.id)
      return refuse('NOT_IN_PROFILE', 'the source record belongs to another profile');
  } else {
    const normalised = normalisePinnedValue(tx, input.field, input.value as AttributeValue);
    if (!normalised.ok) return refuse('BAD_VALUE', normalised.message);
    value = normalised.value;
  }
  await tx.manager.query(
    `INSERT INTO pinned_value (profile_id, field, value, source_record_id, pinned_by, reason, conflict_id)
     VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)
     ON CONFLICT (profile_id, field) DO UPDATE
       SET value = EXCLUDED.value, source_record_id = EXCLUDED.source_record_id, pinned_by = EXCLUDED.pinned_by,
           reason = EXCLUDED.reason, conflict_id = EXCLUDED.conflict_id, created_at = now()`,
    [
      profile.id,
      input.field,
      hasRecord ? null : JSON.stringify(value),
      hasRecord ? input.sourceRecordId : null,
      tx.actor,
      input.reason ?? null,
      input.conflictId ?? null,
    ],
  );
  await rerun(tx, profile.id, []);
  return { ok: true, profileId: profile.id };
}

/** Lifts a steward's pin: the field's rules decide again. */
export async function unpinAttribute(
  tx: TxContext,
  input: { profileId: string; field: string },
): Promise<PinOutcome<{ profileId: string }>> {
  const badField = checkField(input.field);
  if (badField) return refuse('BAD_FIELD', badField);
  const profile = await activeProfile(tx, input.profileId);
  if (!profile.ok) return profile;
  // (A bare DELETE … RETURNING comes back from TypeORM as [rows, count]; a CTE reads plainly.)
  const [{ deleted }]: { deleted: number }[] = await tx.manager.query(
    `WITH d AS (DELETE FROM pinned_value WHERE profile_id = $1 AND field = $2 RETURNING id)
     SELECT count(*)::int AS deleted FROM d`,
    [profile.id, input.field],
  );
  if (deleted === 0) return refuse('NOT_PINNED', `"${input.field}" is not pinned on this profile`);
  await rerun(tx, profile.id, []);
  return { ok: true, profileId: profile.id };
}

/**
 * A steward settles an open conflict by choosing a value or a source record: the choice is pinned (until
 * unpinned), the conflict is `resolved` with who decided and what, and a `conflict.resolved` event goes out
 * together with the golden change.
 */
export async function resolveConflict(
  tx: TxContext,
  input: { conflictId: string; note?: string | null } & PinChoice,
): Promise<PinOutcome<{ profileId: string; conflictId: string }>> {
  const [conflict]: { id: string; profile_id: string; field: string; status: string }[] = await tx.manager.query(
    `SELECT id, profile_id, field, status FROM conflict WHERE id = $1 FOR UPDATE`,
    [input.conflictId],
  );
  if (!conflict) return refuse('NOT_FOUND', 'no such conflict');
  if (conflict.status !== 'open') return refuse('ALREADY_DECIDED', `this conflict is already ${conflict.status}`);
  const resolution = {
    ...(input.sourceRecordId ? { sourceRecordId: input.sourceRecordId } : { value: input.value ?? null }),
    note: input.note ?? null,
  };
  // Resolved before the pin re-runs survivorship, which would otherwise close it as settled by other means.
  await tx.manager.query(
    `UPDATE conflict SET status = 'resolved', resolution = $2::jsonb, resolved_by = $3, resolved_at = now(),
            updated_at = now()
      WHERE id = $1`,
    [conflict.id, JSON.stringify(resolution), tx.actor],
  );
  const pinned = await pinAttribute(tx, {
    profileId: conflict.profile_id,
    field: conflict.field,
    value: input.value,
    sourceRecordId: input.sourceRecordId,
    reason: input.note ?? 'conflict resolved',
    conflictId: conflict.id,
  });
  if (!pinned.ok) {
    // Nothing of this attempt may stay: the caller's transaction is rolled back by throwing.
    throw new PinRefusedError(pinned.code, pinned.message);
  }
  await recordGoldenChanges(tx, [], () => null, [
    {
      type: 'conflict.resolved',
      profileId: pinned.profileId,
      payload: {
        conflictId: conflict.id,
        profileId: pinned.profileId,
        field: conflict.field,
        resolvedBy: tx.actor,
        ...(input.sourceRecordId ? { sourceRecordId: input.sourceRecordId } : {}),
      },
    },
  ]);
  return { ok: true, profileId: pinned.profileId, conflictId: conflict.id };
}

/** A refusal found after the transaction already wrote; thrown so that the transaction rolls back. */
export class PinRefusedError extends Error {
  constructor(
    readonly code: PinRefusal,
    message: string,
  ) {
    super(message);
  }
}
