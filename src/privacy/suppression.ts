import type { TxContext } from '../common/context';
import { isJunkIdentifier } from '../identity/matching/junk-values';
import { DEFAULT_IDENTITY } from '../identity/resolution/identity-settings';
import type { CanonicalRecord } from '../ingest/canonical-record';
import { identifierHmac, suppressionKey } from './suppression-key';

/** Code of a record held because it belongs to an erased person (dead letter and `IngestRejected.code`). */
export const SUPPRESSED = 'SUPPRESSED';

/**
 * One normalised identifier the suppression list knows by its HMAC: `email`, `phone`, a declared identifier type
 * (`customerNumber` …), or `source_record` with `<source>:<externalId>` (source keys never hold a colon).
 */
export interface SuppressionIdentifier {
  type: string;
  value: string;
}

export const sourceRecordIdentifier = (source: string, externalId: string): SuppressionIdentifier => ({
  type: 'source_record',
  value: `${source}:${externalId}`,
});

/** Junk values (`test@test.com`, role inboxes, blocked values) are shared by many people: never suppressed. */
export function usableIdentifier(identifier: SuppressionIdentifier, blockedValues: readonly string[]): boolean {
  if (identifier.type === 'source_record') return true;
  return (
    identifier.value.trim() !== '' && !isJunkIdentifier(identifier.type, identifier.value, { blocked: blockedValues })
  );
}

/** What a canonical (already normalised) record is checked against: its own id, its links, contact points, identifiers. */
export function recordSuppressionIdentifiers(record: CanonicalRecord): SuppressionIdentifier[] {
  const identifiers = [
    sourceRecordIdentifier(record.source, record.externalId),
    ...record.links.map((link) => sourceRecordIdentifier(link.source, link.externalId)),
    ...record.identifiers.map((i) => ({ type: i.type, value: i.value.trim() })),
  ];
  for (const type of ['email', 'phone'] as const) {
    const value = record.attributes[type];
    if (typeof value === 'string') identifiers.push({ type, value });
  }
  return identifiers;
}

interface Accepted {
  index: number;
  record: CanonicalRecord;
}

interface Rejected {
  index: number;
  code: string;
  message: string;
  path: string;
}

/**
 * Holds the records of erased people: any accepted record whose id, link, email, phone or declared identifier is
 * on the suppression list moves from `accepted` to `rejected` with code `SUPPRESSED` (the pipeline stores it as
 * a dead letter and creates nothing). One query per batch, whatever its size. Both arrays are changed in place.
 */
export async function holdSuppressedRecords(tx: TxContext, accepted: Accepted[], rejected: Rejected[]): Promise<void> {
  if (accepted.length === 0) return;
  // Most deployments have erased nobody yet: one index probe spares every record's HMACs and the look-up. The
  // look-up below would see the same committed entries (each statement reads what has committed before it).
  const [{ any }]: { any: boolean }[] = await tx.manager.query(
    `SELECT EXISTS (SELECT 1 FROM suppression_entry) AS any`,
  );
  if (!any) return;
  const key = await suppressionKey(tx);
  const blocked = tx.settings?.identity?.guardrails.blockedValues ?? DEFAULT_IDENTITY.guardrails.blockedValues;
  const probes = accepted.flatMap((a, i) =>
    recordSuppressionIdentifiers(a.record)
      .filter((identifier) => usableIdentifier(identifier, blocked))
      .map((identifier) => ({ i, type: identifier.type, hmac: identifierHmac(key, identifier.value) })),
  );
  const rows: { i: number; types: string[] }[] = await tx.manager.query(
    `SELECT p.i, array_agg(DISTINCT p.type ORDER BY p.type) AS types
       FROM jsonb_to_recordset($1::jsonb) AS p(i int, type text, hmac text)
       JOIN suppression_entry s ON s.identifier_type = p.type AND s.value_hmac = p.hmac
      GROUP BY p.i`,
    [JSON.stringify(probes)],
  );
  if (rows.length === 0) return;
  const held = new Map(rows.map((row) => [row.i, row.types]));
  const kept = accepted.filter((_, i) => !held.has(i));
  for (const [i, types] of held) {
    rejected.push({
      index: accepted[i].index,
      code: SUPPRESSED,
      // Names only the kind of identifier that matched, never its value.
      message: `held: the person was erased and is on the suppression list (matched by ${types.join(', ')})`,
      path: '$',
    });
  }
  accepted.splice(0, accepted.length, ...kept);
}
