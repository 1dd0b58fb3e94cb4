/** What a statement says. `pending`: a double opt-in awaiting confirmation. */
export type StatementStatus = 'granted' | 'denied' | 'withdrawn' | 'pending';

/** The current state of a scope: a statement's status, or `expired` — a grant whose expiry has passed. */
export type ConsentStatus = StatementStatus | 'expired';

/** One consent statement, as stored (append-only). */
export interface ConsentStatementView {
  id: string;
  purpose: string;
  channel: string;
  /** Which email or phone the statement is about; '' for the person's any. */
  contactPoint: string;
  status: StatementStatus;
  legalBasis: string | null;
  source: string;
  capturedAt: Date;
  expiresAt: Date | null;
}

/** The derived state of one (purpose, channel, contact point). */
export interface CurrentConsent {
  purpose: string;
  channel: string;
  contactPoint: string;
  status: ConsentStatus;
  legalBasis: string | null;
  source: string;
  statementId: string;
  capturedAt: Date;
  expiresAt: Date | null;
}

/** How much a status restricts: more wins ties and merges. `expired` restricts like no consent at all. */
const RESTRICTIVENESS: Record<ConsentStatus, number> = {
  withdrawn: 5,
  denied: 4,
  expired: 3,
  pending: 2,
  granted: 1,
};

export function moreRestrictive(a: ConsentStatus, b: ConsentStatus): ConsentStatus {
  return RESTRICTIVENESS[a] >= RESTRICTIVENESS[b] ? a : b;
}

export const scopeKey = (s: { purpose: string; channel: string; contactPoint: string }) =>
  `${s.purpose}\u0000${s.channel}\u0000${s.contactPoint}`;

/**
 * Whether `a` decides over `b`: the later capture wins (so an older grant that arrives late, from any source,
 * never undoes a withdrawal); at the same instant the more restrictive status wins; then the later statement id.
 */
function decides(a: ConsentStatementView, b: ConsentStatementView): boolean {
  const at = a.capturedAt.getTime() - b.capturedAt.getTime();
  if (at !== 0) return at > 0;
  const restrict = RESTRICTIVENESS[a.status] - RESTRICTIVENESS[b.status];
  if (restrict !== 0) return restrict > 0;
  return BigInt(a.id) > BigInt(b.id);
}

/**
 * The current consent per (purpose, channel, contact point) from a profile's statements: the statement captured
 * last decides, whatever order the statements arrived in; at equal capture times the most restrictive; a grant
 * whose expiry has passed reads `expired`. Statements are never changed — only this view moves.
 */
export function deriveConsents(statements: readonly ConsentStatementView[], now: Date): CurrentConsent[] {
  const latest = new Map<string, ConsentStatementView>();
  for (const s of statements) {
    const key = scopeKey(s);
    const held = latest.get(key);
    if (!held || decides(s, held)) latest.set(key, s);
  }
  return [...latest.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, s]) => ({
      purpose: s.purpose,
      channel: s.channel,
      contactPoint: s.contactPoint,
      status: effectiveStatus(s.status, s.expiresAt, now),
      legalBasis: s.legalBasis,
      source: s.source,
      statementId: s.id,
      capturedAt: s.capturedAt,
      expiresAt: s.expiresAt,
    }));
}

/** A grant past its expiry has lapsed. */
export function effectiveStatus(status: ConsentStatus, expiresAt: Date | null, now: Date): ConsentStatus {
  return status === 'granted' && expiresAt !== null && expiresAt.getTime() <= now.getTime() ? 'expired' : status;
}
