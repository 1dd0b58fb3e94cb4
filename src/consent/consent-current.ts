import type { TxContext } from '../common/context';
import { returnedRows } from '../db/returned-rows';
import type { NewChangeEvent } from '../feed/change-events';
import {
  deriveConsents,
  moreRestrictive,
  scopeKey,
  type ConsentStatementView,
  type ConsentStatus,
  type CurrentConsent,
} from './consent-state';

/** Statements of many profiles in one query, by profile. */
export async function loadStatements(
  tx: Pick<TxContext, 'manager'>,
  profileIds: readonly string[],
): Promise<Map<string, ConsentStatementView[]>> {
  const byProfile = new Map<string, ConsentStatementView[]>();
  if (profileIds.length === 0) return byProfile;
  const rows: Record<string, unknown>[] = await tx.manager.query(
    `SELECT id::text AS id, profile_id, purpose, channel, contact_point, status, legal_basis, source, captured_at,
            expires_at
       FROM consent_statement WHERE profile_id = ANY($1::uuid[])`,
    [[...new Set(profileIds)]],
  );
  for (const row of rows) {
    const list =
      byProfile.get(row.profile_id as string) ??
      byProfile.set(row.profile_id as string, []).get(row.profile_id as string)!;
    list.push(toStatement(row));
  }
  return byProfile;
}

function toStatement(row: Record<string, unknown>): ConsentStatementView {
  return {
    id: row.id as string,
    purpose: row.purpose as string,
    channel: row.channel as string,
    contactPoint: row.contact_point as string,
    status: row.status as ConsentStatementView['status'],
    legalBasis: (row.legal_basis as string | null) ?? null,
    source: row.source as string,
    capturedAt: row.captured_at as Date,
    expiresAt: (row.expires_at as Date | null) ?? null,
  };
}

interface CurrentRow {
  profile_id: string;
  purpose: string;
  channel: string;
  contact_point: string;
  status: string;
  statement_id: string;
}

interface Scope {
  purpose: string;
  channel: string;
  contactPoint: string;
}

const scopeOfRow = (r: CurrentRow): Scope => ({
  purpose: r.purpose,
  channel: r.channel,
  contactPoint: r.contact_point,
});

/** The `consent.changed` event of one scope whose current state moved (`now` null: no state any more). */
function changedEvent(
  profileId: string,
  scope: Scope,
  now: CurrentConsent | null,
  previousStatus: string | null,
): NewChangeEvent {
  return {
    type: 'consent.changed',
    profileId,
    originSource: now?.source ?? null,
    payload: {
      profileId,
      purpose: scope.purpose,
      channel: scope.channel,
      contactPoint: scope.contactPoint,
      status: now?.status ?? null,
      previousStatus,
      source: now?.source ?? null,
      statementId: now?.statementId ?? null,
      capturedAt: now?.capturedAt.toISOString() ?? null,
      expiresAt: now?.expiresAt?.toISOString() ?? null,
    },
  };
}

/**
 * Re-derives `consent_current` of the given profiles from their statements (one read of statements and one of
 * current rows, one upsert and one delete) and returns a `consent.changed` event per scope whose status or
 * deciding statement changed. Call it in the transaction that wrote statements or moved them (merge, unmerge).
 */
export async function refreshConsentCurrent(tx: TxContext, profileIds: readonly string[]): Promise<NewChangeEvent[]> {
  const ids = [...new Set(profileIds)];
  if (ids.length === 0) return [];
  const now = new Date();
  const [statements, existing] = await Promise.all([
    loadStatements(tx, ids),
    tx.manager.query(
      `SELECT profile_id, purpose, channel, contact_point, status, statement_id::text AS statement_id
         FROM consent_current WHERE profile_id = ANY($1::uuid[])`,
      [ids],
    ) as Promise<CurrentRow[]>,
  ]);
  const held = new Map(existing.map((r) => [`${r.profile_id}\u0000${scopeKey(scopeOfRow(r))}`, r]));
  const upserts: Record<string, unknown>[] = [];
  const events: NewChangeEvent[] = [];
  const wanted = new Set<string>();
  for (const profileId of ids) {
    for (const current of deriveConsents(statements.get(profileId) ?? [], now)) {
      const key = `${profileId}\u0000${scopeKey(current)}`;
      wanted.add(key);
      const before = held.get(key);
      if (before && before.status === current.status && before.statement_id === current.statementId) continue;
      upserts.push({
        profile_id: profileId,
        purpose: current.purpose,
        channel: current.channel,
        contact_point: current.contactPoint,
        status: current.status,
        legal_basis: current.legalBasis,
        source: current.source,
        statement_id: current.statementId,
        captured_at: current.capturedAt.toISOString(),
        expires_at: current.expiresAt?.toISOString() ?? null,
      });
      if (!before || before.status !== current.status) {
        events.push(changedEvent(profileId, current, current, before?.status ?? null));
      }
    }
  }
  const gone = existing.filter((r) => !wanted.has(`${r.profile_id}\u0000${scopeKey(scopeOfRow(r))}`));
  if (upserts.length > 0) {
    await tx.manager.query(
      `INSERT INTO consent_current (profile_id, purpose, channel, contact_point, status, legal_basis, source,
                                    statement_id, captured_at, expires_at, updated_at)
       SELECT c.profile_id, c.purpose, c.channel, c.contact_point, c.status, c.legal_basis, c.source,
              c.statement_id, c.captured_at, c.expires_at, now()
         FROM jsonb_to_recordset($1::jsonb) AS c(profile_id uuid, purpose text, channel text, contact_point text,
              status text, legal_basis text, source text, statement_id bigint, captured_at timestamptz,
              expires_at timestamptz)
       ON CONFLICT (profile_id, purpose, channel, contact_point) DO UPDATE
         SET status = EXCLUDED.status, legal_basis = EXCLUDED.legal_basis, source = EXCLUDED.source,
             statement_id = EXCLUDED.statement_id, captured_at = EXCLUDED.captured_at,
             expires_at = EXCLUDED.expires_at, updated_at = now()`,
      [JSON.stringify(upserts)],
    );
  }
  if (gone.length > 0) {
    await tx.manager.query(
      `DELETE FROM consent_current c
        USING jsonb_to_recordset($1::jsonb) AS g(profile_id uuid, purpose text, channel text, contact_point text)
        WHERE c.profile_id = g.profile_id AND c.purpose = g.purpose AND c.channel = g.channel
          AND c.contact_point = g.contact_point`,
      [
        JSON.stringify(
          gone.map((g) => ({
            profile_id: g.profile_id,
            purpose: g.purpose,
            channel: g.channel,
            contact_point: g.contact_point,
          })),
        ),
      ],
    );
    for (const g of gone) events.push(changedEvent(g.profile_id, scopeOfRow(g), null, g.status));
  }
  return events;
}

/**
 * Before profiles merge: where the merged profiles' current states of a scope differ, the most restrictive one
 * wins — recorded as a statement of the hub (source `hub`, captured just after the latest of them, evidence
 * naming the statements it weighed), so that the latest-statement rule keeps it until someone states anew.
 * A merge never resurrects an old opt-in.
 */
export async function reconcileConsentsOnMerge(
  tx: TxContext,
  merges: readonly { survivor: string; absorbed: string }[],
): Promise<void> {
  if (merges.length === 0) return;
  const groups = new Map<string, string[]>();
  for (const m of merges) {
    const group = groups.get(m.survivor) ?? groups.set(m.survivor, [m.survivor]).get(m.survivor)!;
    group.push(m.absorbed);
  }
  const statements = await loadStatements(tx, [...groups.values()].flat());
  const now = new Date();
  const inserts: Record<string, unknown>[] = [];
  for (const [survivor, members] of groups) {
    const byScope = new Map<string, CurrentConsent[]>();
    for (const member of members) {
      for (const current of deriveConsents(statements.get(member) ?? [], now)) {
        const list = byScope.get(scopeKey(current)) ?? byScope.set(scopeKey(current), []).get(scopeKey(current))!;
        list.push(current);
      }
    }
    for (const states of byScope.values()) {
      if (states.length < 2 || new Set(states.map((s) => s.status)).size < 2) continue;
      const strictest = states.reduce<ConsentStatus>((acc, s) => moreRestrictive(acc, s.status), 'granted');
      const winner = states.find((s) => s.status === strictest)!;
      const latest = Math.max(...states.map((s) => s.capturedAt.getTime()));
      inserts.push({
        profile_id: survivor,
        purpose: winner.purpose,
        channel: winner.channel,
        contact_point: winner.contactPoint,
        // An expired grant restricts like no consent: the hub records it as denied.
        status: strictest === 'expired' ? 'denied' : strictest,
        legal_basis: winner.legalBasis,
        captured_at: new Date(latest + 1).toISOString(),
        evidence: {
          rule: 'merge: the most restrictive current state of the merged profiles',
          statements: states.map((s) => ({ statementId: s.statementId, status: s.status, source: s.source })),
        },
      });
    }
  }
  if (inserts.length === 0) return;
  await tx.manager.query(
    `INSERT INTO consent_statement (profile_id, purpose, channel, contact_point, status, legal_basis, source,
                                    captured_at, evidence, recorded_by)
     SELECT c.profile_id, c.purpose, c.channel, c.contact_point, c.status, c.legal_basis, 'hub', c.captured_at,
            c.evidence, $2
       FROM jsonb_to_recordset($1::jsonb) AS c(profile_id uuid, purpose text, channel text, contact_point text,
            status text, legal_basis text, captured_at timestamptz, evidence jsonb)`,
    [JSON.stringify(inserts), tx.actor],
  );
}

/**
 * Grants whose expiry has passed: `consent_current` rows still `granted` are set `expired`, each with a
 * `consent.changed` event. Reads already show them expired; this moves the stored state (for segments and the
 * feed). Runs in batches; rows another process is updating are skipped and picked up next time.
 */
export async function expireLapsedGrants(tx: TxContext, limit = 1000): Promise<NewChangeEvent[]> {
  const updated = returnedRows(
    await tx.manager.query(
      `WITH due AS (
       SELECT profile_id, purpose, channel, contact_point FROM consent_current
        WHERE status = 'granted' AND expires_at <= now()
        ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     UPDATE consent_current c SET status = 'expired', updated_at = now()
       FROM due
      WHERE c.profile_id = due.profile_id AND c.purpose = due.purpose AND c.channel = due.channel
        AND c.contact_point = due.contact_point
     RETURNING c.profile_id, c.purpose, c.channel, c.contact_point, c.legal_basis, c.source,
               c.statement_id::text AS statement_id, c.captured_at, c.expires_at`,
      [limit],
    ),
  );
  return updated.map((r) => {
    const scope = {
      purpose: r.purpose as string,
      channel: r.channel as string,
      contactPoint: r.contact_point as string,
    };
    const now: CurrentConsent = {
      ...scope,
      status: 'expired',
      legalBasis: (r.legal_basis as string | null) ?? null,
      source: r.source as string,
      statementId: r.statement_id as string,
      capturedAt: r.captured_at as Date,
      expiresAt: (r.expires_at as Date | null) ?? null,
    };
    return changedEvent(r.profile_id as string, scope, now, 'granted');
  });
}
