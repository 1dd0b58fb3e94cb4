import type { TxContext } from '../../common/context';
import { pgArray } from '../../db/pg-array';
import type { Queries, StatementChain } from '../../db/statement-chain';
import { analyzeInBackground, GOLDEN_PROFILE_STATISTICS } from '../../db/table-statistics';
import type { PersonFeatures } from '../matching/person-features';
import type { PreparedFeatures, TermFrequency } from '../matching/scoring';
import { foldName } from '../matching/compare/normalise';

/** What matching knows about a candidate profile. */
export interface ProfileInfo {
  id: string;
  /** Creation order: the oldest profile of a merge survives. */
  order: number;
  /**
   * The smallest `source\0externalId` among its records: breaks ties of `order` (profiles created in one
   * transaction share a creation time) the same way in every database, where ids are random.
   */
  firstRecord: string;
  features: PersonFeatures;
  /** Every email and every phone its live records hold, each once (a few: small lists are read faster than sets). */
  emails: string[];
  phones: string[];
  /** Live contact records per source (for the records-per-source guardrail). */
  perSource: Map<string, number>;
  /** Live source records (for the cluster-size circuit breaker). */
  size: number;
  /**
   * The resolver's prepared form of `features` (`prepareFeatures`), made on first use, and of `features` with
   * another email and phone (`preparedWith`, by `email\0phone`): valid while `preparedFrom` is `features`.
   */
  preparedFrom: PersonFeatures | undefined;
  prepared: PreparedFeatures | undefined;
  variants: Map<string, PreparedFeatures> | undefined;
}

/**
 * Loads the candidate profiles of a batch — golden values, every email and phone their live records hold, their
 * records per source — and the do-not-merge pairs between any of them. The three statements are independent:
 * queued on `reads`, they run back to back while Node.js reads the rows of the one before.
 */
export async function loadProfileInfos(
  reads: StatementChain,
  ids: string[],
): Promise<{ infos: Map<string, ProfileInfo>; blockedPairs: Set<string> }> {
  const infos = new Map<string, ProfileInfo>();
  const blockedPairs = new Set<string>();
  if (ids.length === 0) return { infos, blockedPairs };
  // Two set-based look-ups (each one index scan over the batch's candidates), not one sub-query per profile:
  // golden values, and the profile's live records — their sources, external ids, emails and phones. (The emails
  // and phones are the attribute identifiers `replaceIdentifiers` writes, read here from the records the counts
  // need anyway: a separate identifier look-up read ~2 more rows per candidate, ~200 ms per 5,000 records at a
  // million profiles.) The id list is built once.
  const idList = pgArray(ids);
  const golden: Promise<Record<string, unknown>[]> = reads.query(
    `SELECT id, (extract(epoch FROM created_at) * 1000)::float8 AS created_ms, first_name, last_name,
            birth_date::text AS birth_date, email, phone, address_line1, address_city, address_postal_code,
            address_country
       FROM golden_profile WHERE id = ANY($1::uuid[]) AND status = 'active'`,
    [idList],
  );
  const held: Promise<
    {
      profile_id: string;
      source: string;
      contact: boolean;
      external_id: string;
      email: string | null;
      phone: string | null;
    }[]
  > = reads.query(
    `SELECT profile_id, source, object_type = 'contact' AS contact, external_id,
            attributes ->> 'email' AS email, attributes ->> 'phone' AS phone
       FROM source_record WHERE profile_id = ANY($1::uuid[]) AND NOT deleted`,
    [idList],
  );
  // Driven by the pairs (a steward's list, short next to the profiles) and filtered through hashed sub-plans:
  // written as `profile_id = ANY($1)` the planner estimated both conditions element by element, ~70 ms of planning
  // per batch of 20,000 candidates for a query that ran in microseconds.
  const dnm: Promise<{ pa: string; pb: string }[]> = reads.query(
    `SELECT DISTINCT a.profile_id AS pa, b.profile_id AS pb
       FROM do_not_merge_pair d
       JOIN source_record a ON a.id = d.source_record_a_id
       JOIN source_record b ON b.id = d.source_record_b_id
      WHERE a.profile_id IN (SELECT unnest($1::uuid[])) OR b.profile_id IN (SELECT unnest($1::uuid[]))`,
    [idList],
  );
  for (const r of await golden) {
    const text = (column: string) => (r[column] as string | null) ?? undefined;
    infos.set(r.id as string, {
      id: r.id as string,
      order: r.created_ms as number,
      firstRecord: '\uffff',
      features: {
        firstName: text('first_name'),
        lastName: text('last_name'),
        birthDate: text('birth_date'),
        email: text('email'),
        phone: text('phone'),
        address: {
          line1: text('address_line1'),
          city: text('address_city'),
          postalCode: text('address_postal_code'),
          country: text('address_country'),
        },
      },
      emails: [],
      phones: [],
      perSource: new Map(),
      size: 0,
      preparedFrom: undefined,
      prepared: undefined,
      variants: undefined,
    });
  }
  for (const r of await held) {
    const info = infos.get(r.profile_id);
    if (!info) continue;
    info.size++;
    if (r.contact) info.perSource.set(r.source, (info.perSource.get(r.source) ?? 0) + 1);
    if (r.email !== null && !info.emails.includes(r.email)) info.emails.push(r.email);
    if (r.phone !== null && !info.phones.includes(r.phone)) info.phones.push(r.phone);
    const first = `${r.source}\u0000${r.external_id}`;
    if (first < info.firstRecord) info.firstRecord = first;
  }
  for (const { pa, pb } of await dnm) blockedPairs.add(`${pa}|${pb}`);
  return { infos, blockedPairs };
}

const TERM_FREQUENCY_TTL_MS = 60_000;
/** Without statistics, look again soon: the ANALYZE asked for in the background is usually done by then. */
const NO_STATISTICS_TTL_MS = 5_000;
/** Counting holders of a surname stops here: past a few thousand a name is common, whatever the exact number. */
const TF_COUNT_CAP = 2000;
/**
 * Counting directly is cheap while profiles are few; from this many on (and again at each doubling while no
 * statistics appear) an ANALYZE is asked for, so that the shares come from the statistics at any size.
 */
const ANALYZE_FROM_PROFILES = 10_000;
const termFrequencies = new WeakMap<
  object,
  { at: number; shares: Map<string, number> | null; analyzedAtProfiles: number }
>();

/**
 * How common each surname is among profiles, for the term-frequency adjustment: agreeing on "Nowak" says less
 * than agreeing on "Przybylski". Read from PostgreSQL's own column statistics (the most common values of
 * `golden_profile.last_name` and their shares, kept by ANALYZE/autovacuum, 1,000 of them — see migration
 * SurnameStatistics), refreshed once a minute per process: constant cost at any number of profiles; a surname
 * not among the most common is rare and keeps the default weight. A table with no statistics yet (young, or
 * bulk-loaded since its last ANALYZE) has the batch's surnames counted directly, capped, while an ANALYZE runs
 * in the background — without the adjustment, people who share a common name and a city would merge. That ANALYZE
 * is asked for by the count itself, once the table holds ANALYZE_FROM_PROFILES profiles (and at each doubling
 * while statistics are still missing): asked for at the first batch, it found a bulk import's table still empty,
 * and counting — more costly with every batch — went on until autovacuum came by. Below that size the shares are
 * always counted, so that small loads (the demo, the quality benchmark) come out the same on every run. Statistics
 * without a most-common list (every surname rare) mean no surname is common.
 */
export async function loadTermFrequency(
  tx: TxContext,
  features: PersonFeatures[],
  db: Queries = tx.manager,
): Promise<TermFrequency> {
  let entry = termFrequencies.get(tx.dataSource);
  if (!entry || Date.now() - entry.at > (entry.shares ? TERM_FREQUENCY_TTL_MS : NO_STATISTICS_TTL_MS)) {
    const rows: { vals: string[] | null; freqs: number[] | null }[] = await db.query(
      `SELECT most_common_vals::text::text[] AS vals, most_common_freqs::float8[] AS freqs
         FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'golden_profile' AND attname = 'last_name'`,
    );
    let shares: Map<string, number> | null = null;
    if (rows[0]) {
      const { vals, freqs } = rows[0];
      shares = new Map();
      (vals ?? []).forEach((value, i) =>
        shares!.set(foldName(value), (shares!.get(foldName(value)) ?? 0) + (freqs?.[i] ?? 0)),
      );
    }
    entry = { at: Date.now(), shares, analyzedAtProfiles: entry?.analyzedAtProfiles ?? 0 };
    termFrequencies.set(tx.dataSource, entry);
  }
  if (entry.shares) {
    const shares = entry.shares;
    return (field, folded) => (field === 'lastName' ? shares.get(folded) : undefined);
  }
  const counted = await countTermFrequency(db, features);
  if (counted.profiles >= Math.max(ANALYZE_FROM_PROFILES, 2 * entry.analyzedAtProfiles)) {
    entry.analyzedAtProfiles = counted.profiles;
    void analyzeInBackground(tx.dataSource, tx.logger, [GOLDEN_PROFILE_STATISTICS]);
  }
  return counted.tf;
}

async function countTermFrequency(
  db: Queries,
  features: PersonFeatures[],
): Promise<{ tf: TermFrequency; profiles: number }> {
  const last = [...new Set(features.map((f) => f.lastName?.toLowerCase()).filter((v): v is string => !!v))];
  if (last.length === 0) return { tf: () => undefined, profiles: 0 };
  const rows: { value: string; n: number; population: number }[] = await db.query(
    `SELECT v.value,
            (SELECT count(*) FROM (SELECT 1 FROM golden_profile g
                                    WHERE lower(g.last_name) = v.value AND g.status = 'active' LIMIT $2) x)::int AS n,
            (SELECT count(*) FROM golden_profile WHERE status = 'active')::int AS population
       FROM unnest($1::text[]) AS v(value)`,
    [last, TF_COUNT_CAP],
  );
  const shares = new Map<string, number>();
  for (const row of rows) if (row.n > 0) shares.set(foldName(row.value), row.n / Math.max(row.population, 1));
  return {
    tf: (field, folded) => (field === 'lastName' ? shares.get(folded) : undefined),
    profiles: rows[0]?.population ?? 0,
  };
}
