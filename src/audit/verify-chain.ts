import type { EntityManager } from 'typeorm';
import { ERASED_PAYLOAD } from '../privacy/erase-profile';

/** What can be wrong with one entry of the chain. */
export type ChainProblem =
  /** `seq` does not follow the previous entry's: entries are missing (expected and found are sequence numbers). */
  | 'missing'
  /** `prev_hash` is not the previous entry's `hash`: an entry before it was changed, removed or inserted. */
  | 'prev_hash'
  /** `hash` does not match the entry's content: the entry itself was changed. */
  | 'hash'
  /** The details are not the ones whose digest the chain holds (an unredacted entry's details were changed). */
  | 'details'
  /** A redacted entry holds something other than the erasure marker. */
  | 'redaction';

export interface BrokenLink {
  seq: string;
  problem: ChainProblem;
  /** Hex digests (sequence numbers for `missing`); what the chain says should be there … */
  expected: string;
  /** … and what is there. */
  found: string;
}

export interface ChainReport {
  intact: boolean;
  entries: number;
  /** Entries whose details erasure scrubbed: their link still verifies, their details no longer can. */
  redacted: number;
  /** The last entry verified: anchor its hash elsewhere to notice a truncated or rewritten chain later. */
  headSeq: string | null;
  headHash: string | null;
  /** Every problem found, oldest first (at most `maxReported`). */
  broken: BrokenLink[];
  /** How many problems there are in all. */
  brokenCount: number;
}

const GENESIS = '00'.repeat(32);

/**
 * The entry's hash as the insert trigger computes it (`hub_audit_entry_hash`, migration AuditChain), written out
 * again here so that verification does not trust a function stored in the database it checks.
 */
const ENTRY_HASH = `sha256(prev_hash || convert_to(jsonb_build_array(
    seq, (extract(epoch FROM occurred_at) * 1000000)::bigint, actor, scopes, action, operation, target_type, target_id,
    encode(details_digest, 'hex'), request_id)::text, 'UTF8'))`;

/**
 * One batch of the chain after `$1` (seq) / `$2` (its hash) up to `$3` (the head when verification began), at most
 * `$4` entries: counts, the last entry and every problem, computed in PostgreSQL with window functions.
 */
const VERIFY_BATCH = `
  WITH page AS (
    SELECT * FROM audit_entry WHERE seq > $1::bigint AND seq <= $3::bigint ORDER BY seq LIMIT $4
  ), checked AS (
    SELECT seq, prev_hash, hash, details_digest, redacted_at, details,
           coalesce(lag(seq) OVER w, $1::bigint) + 1 AS expected_seq,
           coalesce(lag(hash) OVER w, decode($2, 'hex')) AS expected_prev,
           ${ENTRY_HASH} AS computed_hash,
           sha256(convert_to(details::text, 'UTF8')) AS computed_digest
      FROM page
    WINDOW w AS (ORDER BY seq)
  ), problems AS (
    SELECT c.seq, x.problem, x.expected, x.found
      FROM checked c
     CROSS JOIN LATERAL (VALUES
       ('missing', c.expected_seq::text, c.seq::text, c.seq <> c.expected_seq),
       ('prev_hash', encode(c.expected_prev, 'hex'), encode(c.prev_hash, 'hex'), c.prev_hash <> c.expected_prev),
       ('hash', encode(c.computed_hash, 'hex'), encode(c.hash, 'hex'), c.hash <> c.computed_hash),
       ('details', encode(c.details_digest, 'hex'), encode(c.computed_digest, 'hex'),
        c.redacted_at IS NULL AND c.computed_digest <> c.details_digest),
       ('redaction', $5::jsonb::text, c.details::text, c.redacted_at IS NOT NULL AND c.details <> $5::jsonb)
     ) AS x(problem, expected, found, broken)
     WHERE x.broken
  )
  SELECT (SELECT count(*)::int FROM checked) AS entries,
         (SELECT count(*)::int FROM checked WHERE redacted_at IS NOT NULL) AS redacted,
         (SELECT max(c.seq)::text FROM checked c) AS last_seq,
         (SELECT encode(c.hash, 'hex') FROM checked c ORDER BY c.seq DESC LIMIT 1) AS last_hash,
         (SELECT coalesce(jsonb_agg(jsonb_build_object('seq', seq::text, 'problem', problem, 'expected', expected,
                                                       'found', found) ORDER BY p.seq), '[]') FROM problems p) AS problems`;

/**
 * Walks the whole audit chain in batches (set-based: one statement per `batchSize` entries), from the first entry
 * to the head as it was when verification began, and reports every broken link. Entries appended meanwhile are
 * left for the next run. A chain cut short at its end, or rewritten from some entry on by someone able to
 * recompute every hash after it, verifies — compare `headHash` with one anchored elsewhere to notice that.
 */
export async function verifyAuditChain(
  db: Pick<EntityManager, 'query'>,
  options: { batchSize?: number; maxReported?: number } = {},
): Promise<ChainReport> {
  const batchSize = options.batchSize ?? 10_000;
  const maxReported = options.maxReported ?? 1000;
  const [{ head }]: { head: string | null }[] = await db.query(`SELECT max(seq)::text AS head FROM audit_entry`);
  const report: ChainReport = {
    intact: true,
    entries: 0,
    redacted: 0,
    headSeq: null,
    headHash: null,
    broken: [],
    brokenCount: 0,
  };
  if (head === null) return report;
  let afterSeq = '0';
  let afterHash = GENESIS;
  for (;;) {
    const [batch]: {
      entries: number;
      redacted: number;
      last_seq: string | null;
      last_hash: string | null;
      problems: BrokenLink[];
    }[] = await db.query(VERIFY_BATCH, [afterSeq, afterHash, head, batchSize, JSON.stringify(ERASED_PAYLOAD)]);
    if (batch.entries === 0 || batch.last_seq === null || batch.last_hash === null) break;
    report.entries += batch.entries;
    report.redacted += batch.redacted;
    report.brokenCount += batch.problems.length;
    report.broken.push(...batch.problems.slice(0, Math.max(maxReported - report.broken.length, 0)));
    afterSeq = batch.last_seq;
    afterHash = batch.last_hash;
  }
  report.headSeq = afterSeq;
  report.headHash = afterHash;
  report.intact = report.brokenCount === 0;
  return report;
}
