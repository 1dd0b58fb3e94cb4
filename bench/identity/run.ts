import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Command, InvalidArgumentError } from 'commander';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { systemContext, type ServiceContext } from '../../src/common/context';
import { createDataSource } from '../../src/db/data-source';
import { migrate } from '../../src/db/database';
import { pgArray } from '../../src/db/pg-array';
import { ephemeralDataDir, startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { ingestBatch } from '../../src/ingest/ingest-batch';
import { validateCanonicalRecord } from '../../src/ingest/canonical-record';
import { createLogger } from '../../src/logging/logger';
import { identityKeys } from '../../src/identity/resolution/identity-keys';
import { DEFAULT_MATCHING } from '../../src/identity/matching/scoring/matching-config';
import { autoMergeable, scorePair } from '../../src/identity/matching/scoring/score-pair';
import {
  compareAddress,
  compareBirthDate,
  compareCity,
  compareEmail,
  comparePhone,
  comparePostalCode,
  prepare,
} from '../../src/identity/matching/scoring/field-comparisons';
import {
  BENCH_SOURCES,
  createRandom,
  generate,
  type BenchRecord,
  type Country,
  ERROR_KINDS,
  type ErrorKind,
  type GeneratedData,
  type GeneratedRecord,
} from './generate';
import {
  evaluate,
  pairwiseScores,
  withLinksJoined,
  type Assignment,
  type Evaluation,
  type PairwiseScores,
} from './metrics';
import { positive } from '../bench-options';
import { cpuBetween, serverCpu } from '../process-cpu';

/**
 * `npm run bench:identity -- [--persons 5000] [--seed 1] [--json] [--scale [--scale-sizes 10000,1000000]]`
 *
 * Identity-resolution quality: generates persons and their CRM and MA records with realistic errors, ingests
 * them shuffled through the real pipeline (`ingestBatch`) into a fresh database, and scores the profiles the
 * hub built against the truth — pairwise precision, recall and F1 and cluster figures. A second data set, of
 * the same persons' kind but every record carrying only name, birth date and address (an in-store form, a
 * loyalty card), is ingested into its own database and scored the same way: matching without any identifier.
 * Each data set also shows what a perfect record-pair matcher would reach (every true record pair scoring at
 * least the auto-merge threshold joined, transitively, nothing else): how much evidence the records carry.
 * `--scale` also measures the ingest cost per record of one fresh sample on top of background databases of
 * two sizes.
 */

const TARGETS = { precision: 0.99, recall: 0.95, sliceF1: 0.95, scaleRatio: 1.5 };

interface Options {
  persons: number;
  seed: number;
  batchSize: number;
  phoneRegion: Country;
  json?: boolean;
  scale?: boolean;
  scaleSizes: number[];
  scaleSample: number;
}

function sizes(value: string): number[] {
  const list = value.split(',').map((v) => v.trim().replace(/_/g, ''));
  if (list.length < 2 || list.some((v) => !/^\d+$/.test(v) || Number(v) < 1)) {
    throw new InvalidArgumentError('use two or more whole numbers, comma-separated, e.g. 10000,1000000');
  }
  return list.map(Number);
}

function region(value: string): Country {
  const upper = value.toUpperCase();
  if (!['PL', 'DE', 'GB', 'ES', 'US'].includes(upper)) throw new InvalidArgumentError('use PL, DE, GB, ES or US');
  return upper as Country;
}

// ── databases ────────────────────────────────────────────────────────────────────────────────────────────────

interface Server {
  description: string;
  /** A new, migrated database; `drop` removes it. */
  database(): Promise<{ name: string; url: string; dataSource: DataSource; drop(): Promise<void> }>;
  stop(): Promise<void>;
}

/** DATABASE_URL's server (databases created there and dropped afterwards), else a throw-away embedded one. */
async function startServer(): Promise<Server> {
  let adminUrl: string;
  let description: string;
  let stop = async () => {};
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '/postgres';
    adminUrl = url.toString();
    description = "databases created on DATABASE_URL's server and dropped afterwards";
  } else {
    const embedded = await startEmbeddedPostgres({
      dataDir: await ephemeralDataDir('profile-hub-bench-'),
      ephemeral: true,
    });
    adminUrl = embedded.adminUrl;
    description =
      'embedded PostgreSQL, ephemeral (fsync, synchronous_commit and full_page_writes off; malloc keeps freed memory)';
    stop = () => embedded.stop();
  }
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    description,
    stop,
    async database() {
      const name = `hub_bench_identity_${process.pid}_${randomBytes(3).toString('hex')}`;
      await admin(`CREATE DATABASE ${name}`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const dataSource = createDataSource({
        url: url.toString(),
        poolSize: 4,
        applicationName: 'profile-hub-bench-identity',
      });
      const drop = async () => {
        if (dataSource.isInitialized) await dataSource.destroy();
        await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      };
      try {
        await dataSource.initialize();
        await migrate(dataSource);
      } catch (error) {
        await drop().catch(() => undefined);
        throw error;
      }
      return { name, url: url.toString(), dataSource, drop };
    },
  };
}

// ── ingest ───────────────────────────────────────────────────────────────────────────────────────────────────

/** Fisher–Yates with its own seeded stream: CRM and MA records interleaved, as they arrive in real life. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = createRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

interface IngestRun {
  ms: number;
  outcomes: Record<string, number>;
  rejections: Record<string, number>;
}

/** Ingests in batches of `batchSize` arrivals, each batch split by source (one `ingestBatch` per source). */
async function ingestAll(ctx: ServiceContext, records: readonly BenchRecord[], batchSize: number): Promise<IngestRun> {
  const outcomes: Record<string, number> = {};
  const rejections: Record<string, number> = {};
  const started = performance.now();
  for (let i = 0; i < records.length; i += batchSize) {
    const batch = records.slice(i, i + batchSize);
    for (const source of BENCH_SOURCES) {
      const ofSource = batch.filter((r) => r.source === source);
      if (ofSource.length === 0) continue;
      for (const outcome of await ingestBatch(ctx, { source, records: ofSource, transport: 'file' })) {
        outcomes[outcome.status] = (outcomes[outcome.status] ?? 0) + 1;
        if (outcome.status === 'REJECTED') rejections[outcome.code] = (rejections[outcome.code] ?? 0) + 1;
      }
    }
  }
  return { ms: performance.now() - started, outcomes, rejections };
}

function benchContext(dataSource: DataSource, phoneRegion: Country): ServiceContext {
  return systemContext(
    dataSource,
    createLogger(process.env.LOG_LEVEL ?? 'silent', { command: 'bench:identity' }),
    new ChangeNotifier(createHubPubSub()),
    'bench',
    // National numbers (600-700-800) are read as the generator wrote them: HUB_PHONE_REGION.
    { phoneRegion },
  );
}

const recordRef = (source: string, externalId: string) => `${source}\u0000${externalId}`;

/** `survivor(start_id, id)`: each profile id from `starts` followed along `merged_into_id` (≤ 64 merges deep). */
const survivorCte = (starts: string) => `
  WITH RECURSIVE chain AS (
    SELECT g.id AS start_id, g.id, g.merged_into_id, 0 AS depth
      FROM golden_profile g
     WHERE g.id IN (${starts})
    UNION ALL
    SELECT c.start_id, g.id, g.merged_into_id, c.depth + 1
      FROM chain c
      JOIN golden_profile g ON g.id = c.merged_into_id
     WHERE c.depth < 64
  ),
  survivor AS (
    SELECT DISTINCT ON (start_id) start_id, id FROM chain ORDER BY start_id, depth DESC
  )`;

interface Outcome {
  /** Record → the surviving profile it belongs to. */
  profiles: Map<string, string>;
  openCandidates: number;
  /** The profile pairs of the open merge candidates, as survivors. */
  candidatePairs: [string, string][];
}

/**
 * Where every source record ended up: its profile, followed along `merged_into_id` to the survivor; and the
 * open merge candidates, waiting for a steward.
 */
async function readOutcome(dataSource: DataSource): Promise<Outcome> {
  const rows: { source: string; external_id: string; profile_id: string }[] = await dataSource.query(
    `${survivorCte('SELECT profile_id FROM source_record')}
     SELECT s.source, s.external_id, v.id AS profile_id
       FROM source_record s
       JOIN survivor v ON v.start_id = s.profile_id`,
  );
  const [{ open }] = await dataSource.query(`SELECT count(*)::int AS open FROM merge_candidate WHERE status = 'open'`);
  const pairs: { a: string; b: string }[] = await dataSource.query(
    `${survivorCte(
      `SELECT profile_a_id FROM merge_candidate WHERE status = 'open'
       UNION SELECT profile_b_id FROM merge_candidate WHERE status = 'open'`,
    )}
     SELECT a.id AS a, b.id AS b
       FROM merge_candidate m
       JOIN survivor a ON a.start_id = m.profile_a_id
       JOIN survivor b ON b.start_id = m.profile_b_id
      WHERE m.status = 'open'`,
  );
  return {
    profiles: new Map(rows.map((r) => [recordRef(r.source, r.external_id), r.profile_id])),
    openCandidates: open,
    candidatePairs: pairs.map((p) => [p.a, p.b]),
  };
}

// ── quality ──────────────────────────────────────────────────────────────────────────────────────────────────

interface Quality {
  ingest: IngestRun & { recordsPerSecond: number };
  openMergeCandidates: number;
  /** The figures if stewards approved every open merge candidate. */
  withCandidatesApproved: { pairwise: PairwiseScores; nameDobAddressOnly: PairwiseScores };
  /** Pairs of two CRM contacts: the hub's per-source guardrail sends their merges to the stewards. */
  crmPairs: PairwiseScores;
  /** Records accepted by the hub but not found in `source_record`, or the other way round (should be 0). */
  unaccounted: number;
  evaluation: Evaluation;
  /** Pairwise scores of the pairs touching a record with each kind of error. */
  byError: Record<string, { records: number; precision: number; recall: number }>;
}

async function measureQuality(dataSource: DataSource, data: GeneratedData, options: Options): Promise<Quality> {
  const arrivals = shuffled(data.records, options.seed ^ 0x5eed);
  const run = await ingestAll(
    benchContext(dataSource, options.phoneRegion),
    arrivals.map((g) => g.record),
    options.batchSize,
  );
  const { profiles, openCandidates, candidatePairs } = await readOutcome(dataSource);
  const assignments: (Assignment & { source: string; errors: ErrorKind[] })[] = [];
  for (const g of data.records) {
    const profile = profiles.get(recordRef(g.record.source, g.record.externalId));
    if (!profile) continue; // rejected (counted under ingest.rejections)
    assignments.push({
      record: recordRef(g.record.source, g.record.externalId),
      person: g.personId,
      profile,
      nameDobAddressOnly: g.nameDobAddressOnly,
      source: g.record.source,
      errors: g.errors,
    });
  }
  const byError: Quality['byError'] = {};
  for (const kind of ERROR_KINDS) {
    const records = assignments.filter((a) => a.errors.includes(kind)).length;
    const scores = pairwiseScores(assignments, (a) => a.errors.includes(kind));
    byError[kind] = { records, precision: scores.precision, recall: scores.recall };
  }
  const accepted = data.records.length - (run.outcomes.REJECTED ?? 0);
  const approved = withLinksJoined(assignments, candidatePairs);
  return {
    ingest: { ...run, recordsPerSecond: Math.round(data.records.length / (run.ms / 1000)) },
    openMergeCandidates: openCandidates,
    withCandidatesApproved: {
      pairwise: pairwiseScores(approved),
      nameDobAddressOnly: pairwiseScores(approved, (a) => a.nameDobAddressOnly === true),
    },
    crmPairs: pairwiseScores(assignments.filter((a) => a.source === 'salesforce')),
    unaccounted: Math.abs(accepted - assignments.length) + Math.abs(profiles.size - assignments.length),
    evaluation: evaluate(assignments),
    byError,
  };
}

type PersonRecords = { source: string; features: ReturnType<typeof identityKeys>['features'] }[];

/** Each person's records as the hub reads them (validated and normalised), for the reference figures below. */
function recordsByPerson(data: GeneratedData, phoneRegion: Country): PersonRecords[] {
  const receivedAt = new Date();
  const byPerson = new Map<string, PersonRecords>();
  for (const g of data.records) {
    const validation = validateCanonicalRecord(g.record, undefined, receivedAt, { phoneRegion });
    if (!validation.ok) continue;
    const records = byPerson.get(g.personId) ?? byPerson.set(g.personId, []).get(g.personId)!;
    records.push({ source: g.record.source, features: identityKeys(validation.record.attributes, []).features });
  }
  return [...byPerson.values()];
}

/**
 * The share of true record pairs that end up in one group when each person's records are joined transitively
 * along `links` — pairs `(x, y)` with a strength, strongest first, skipping a join that `allowed` refuses.
 */
function transitiveRecall(
  persons: PersonRecords[],
  link: (a: PersonRecords[number], b: PersonRecords[number]) => number | undefined,
  allowed: (records: PersonRecords, x: number[], y: number[]) => boolean = () => true,
): number {
  let truePairs = 0;
  let linked = 0;
  for (const records of persons) {
    const parent = records.map((_, i) => i);
    const members = records.map((_, i) => [i]);
    const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
    const pairs: { x: number; y: number; strength: number }[] = [];
    for (let x = 0; x < records.length; x++) {
      for (let y = x + 1; y < records.length; y++) {
        truePairs++;
        const strength = link(records[x], records[y]);
        if (strength !== undefined) pairs.push({ x, y, strength });
      }
    }
    for (const { x, y } of pairs.sort((p, q) => q.strength - p.strength)) {
      const [rx, ry] = [find(x), find(y)];
      if (rx === ry || !allowed(records, members[rx], members[ry])) continue;
      parent[rx] = ry;
      members[ry].push(...members[rx]);
    }
    for (let i = 0; i < records.length; i++)
      if (find(i) === i) linked += (members[i].length * (members[i].length - 1)) / 2;
  }
  return truePairs === 0 ? 1 : linked / truePairs;
}

/**
 * Recall of a perfect record-pair matcher: every true pair of records whose own score reaches the auto-merge
 * threshold is joined (with no blocking, and transitively, strongest first), never two CRM contacts into one
 * group (the per-source guardrail), and nothing false. Not a bound on the hub, which scores a record against a whole profile, but a
 * measure of how much of the truth the records' pairwise evidence reveals.
 */
function recordPairReference(persons: PersonRecords[]): number {
  const crmContacts = (records: PersonRecords, group: number[]) =>
    group.filter((i) => records[i].source === 'salesforce').length;
  return transitiveRecall(
    persons,
    (a, b) => {
      const score = scorePair(a.features, b.features);
      return autoMergeable(score) ? score.total : undefined;
    },
    (records, x, y) => crmContacts(records, x) + crmContacts(records, y) <= 1,
  );
}

/**
 * How much of the truth is visible at all beyond the name, whatever the scorer and the thresholds: the recall of
 * joining, transitively, every true pair that agrees on something besides the name, with no guardrail.
 * - `anyLevel`: email, phone, birth date, street line, postal code or city agreeing at any level the comparisons
 *   know (a typo, the same year, the same city, the same local part at another provider …). The true pairs left
 *   out share nothing but a (possibly misspelled) name: no matcher joins them without joining on a name alone.
 * - `exact`: the same email, phone, birth date, street line or postal code — evidence that tells namesakes apart
 *   (a city, a birth year or a postal area does not).
 */
function evidenceCeiling(persons: PersonRecords[]): { anyLevel: number; exact: number } {
  const comparisons = [compareEmail, comparePhone, compareBirthDate, compareAddress, comparePostalCode, compareCity];
  const ceiling = (agrees: (level: string, compare: (typeof comparisons)[number]) => boolean) =>
    transitiveRecall(persons, (a, b) => {
      const [pa, pb] = [prepare(a.features), prepare(b.features)];
      return comparisons.some((compare) => agrees(compare(pa, pb).level, compare)) ? 1 : undefined;
    });
  return {
    anyLevel: ceiling((level) => level !== 'missing' && level !== 'disagree'),
    exact: ceiling((level, compare) => level === 'exact' && compare !== compareCity),
  };
}

// ── scale ────────────────────────────────────────────────────────────────────────────────────────────────────

/** Background persons generated and written per round trip. */
const BACKGROUND_CHUNK = 10_000;
/** Average records per generated person (RECORDS_PER_PERSON in generate.ts). */
const RECORDS_PER_PERSON = 2.05;

interface ScalePoint {
  profiles: number;
  sourceRecords: number;
  blockingKeys: number;
  loadSeconds: number;
  sampleRecords: number;
  sampleMs: number;
  microsecondsPerRecord: number;
  recordsPerSecond: number;
  /** CPU time of Node.js (this process) and of the PostgreSQL backends per sample record. */
  nodeCpuMicrosecondsPerRecord: number;
  postgresCpuMicrosecondsPerRecord: number;
  /** Precision at this size: what the fresh persons' records did with the background's strangers. */
  strangers: StrangerMatches;
}

/**
 * The sample and warm-up are persons of their own, so any profile they share with a background record, and any
 * merge candidate pairing them with a background profile, is wrong — precision at the background's size, which
 * the quality run (a few thousand persons, few namesakes) cannot show.
 */
interface StrangerMatches {
  freshRecords: number;
  /** Fresh records on a profile that also holds a background record: merged with a stranger. */
  joinedToStranger: number;
  /** Open merge candidates between a fresh person's profile and a background one: a steward's false alarm. */
  candidatesWithStranger: number;
}

/** Counts, in one database, the fresh records' matches with background strangers (see `StrangerMatches`). */
async function strangerMatches(dataSource: DataSource, fresh: readonly BenchRecord[]): Promise<StrangerMatches> {
  const [row] = await dataSource.query(
    `WITH fresh AS (SELECT * FROM unnest($1::text[], $2::text[]) AS f(source, external_id)),
          fresh_records AS (SELECT s.profile_id FROM source_record s JOIN fresh USING (source, external_id)),
          fresh_profiles AS (SELECT DISTINCT profile_id FROM fresh_records),
          mixed AS (
            SELECT s.profile_id
              FROM source_record s
              LEFT JOIN fresh f ON f.source = s.source AND f.external_id = s.external_id
             WHERE s.profile_id IN (SELECT profile_id FROM fresh_profiles)
             GROUP BY s.profile_id
            HAVING bool_or(f.source IS NULL))
     SELECT (SELECT count(*) FROM fresh_records WHERE profile_id IN (SELECT profile_id FROM mixed))::int AS joined,
            (SELECT count(*) FROM merge_candidate m
              WHERE m.status = 'open'
                AND (m.profile_a_id IN (SELECT profile_id FROM fresh_profiles)) <>
                    (m.profile_b_id IN (SELECT profile_id FROM fresh_profiles)))::int AS candidates`,
    [pgArray(fresh.map((r) => r.source)), pgArray(fresh.map((r) => r.externalId))],
  );
  return { freshRecords: fresh.length, joinedToStranger: row.joined, candidatesWithStranger: row.candidates };
}

interface BackgroundChunk {
  /** The parameters of `BACKGROUND_INSERT`. */
  params: unknown[];
  sourceRecords: number;
  blockingKeys: number;
}

/**
 * One chunk of background in one statement (so one round trip, atomic on its own): golden profiles, their
 * source records, identifiers and blocking keys. Foreign keys between the parts hold: their checks run at the
 * end of the statement, when every part is in.
 */
const BACKGROUND_INSERT = `
  WITH golden AS (
    INSERT INTO golden_profile (id, email, phone, first_name, last_name, birth_date, address_line1, address_city,
                                address_postal_code, address_country)
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::text[],
                         $8::text[], $9::text[], $10::text[])
  ), records AS (
    INSERT INTO source_record (id, source, external_id, profile_id, attributes, field_updated_at, raw_payload,
                               source_updated_at)
    SELECT * FROM unnest($11::uuid[], $12::text[], $13::text[], $14::uuid[], $15::jsonb[], $16::jsonb[],
                         $17::jsonb[], $18::timestamptz[])
  ), identifiers AS (
    INSERT INTO identifier (type, value, source_record_id, profile_id)
    SELECT * FROM unnest($19::text[], $20::text[], $21::uuid[], $22::uuid[])
  )
  INSERT INTO blocking_key (key, source_record_id, profile_id)
  SELECT * FROM unnest($23::text[], $24::uuid[], $25::uuid[])`;

/**
 * Background profiles the way the pipeline would have left them: one golden profile per generated person with
 * the person's true values (so that name frequencies are realistic), its 1–4 source records with their errors
 * (normalised attributes, per-field times, raw payload), their email and phone identifiers from the attributes
 * (as `replaceIdentifiers` writes them), and their blocking keys from the hub's own `identityKeys` (as
 * `replaceBlockingKeys` writes them), so that the keys have exactly the format and the fan-out the matcher sees.
 */
function backgroundChunk(
  chunk: number,
  persons: number,
  options: Options,
  takenEmails: Set<string>,
  receivedAt: Date,
): BackgroundChunk {
  const data = generate({
    persons,
    seed: options.seed * 1_000_003 + chunk,
    phoneRegion: options.phoneRegion,
    prefix: `b${chunk.toString(36)}x`,
    takenEmails,
  });
  const golden: (string | null)[][] = Array.from({ length: 10 }, () => []);
  const records: string[][] = Array.from({ length: 8 }, () => []);
  const identifiers: string[][] = Array.from({ length: 4 }, () => []);
  const keys: string[][] = Array.from({ length: 3 }, () => []);
  const push = (columns: (string | null)[][], values: (string | null)[]) =>
    values.forEach((value, i) => columns[i].push(value));
  const profileOf = new Map<string, string>();
  for (const p of data.persons) {
    const id = randomUUID();
    profileOf.set(p.id, id);
    const a = p.address;
    push(golden, [
      id,
      p.email,
      p.phone,
      p.firstName,
      p.lastName,
      p.birthDate,
      a.line1,
      a.city,
      a.postalCode,
      a.country,
    ]);
  }
  for (const g of data.records) {
    const validation = validateCanonicalRecord(g.record, undefined, receivedAt, { phoneRegion: options.phoneRegion });
    if (!validation.ok) continue;
    const { attributes, source, externalId, updatedAt } = validation.record;
    const recordId = randomUUID();
    const profileId = profileOf.get(g.personId)!;
    const stamps = Object.fromEntries(Object.keys(attributes).map((k) => [k, updatedAt]));
    push(records, [
      recordId,
      source,
      externalId,
      profileId,
      JSON.stringify(attributes),
      JSON.stringify(stamps),
      JSON.stringify(g.record),
      updatedAt,
    ]);
    for (const type of ['email', 'phone']) {
      const value = attributes[type];
      if (typeof value === 'string') push(identifiers, [type, value, recordId, profileId]);
    }
    for (const key of identityKeys(attributes, []).blockingKeys) push(keys, [key, recordId, profileId]);
  }
  return {
    params: [...golden, ...records, ...identifiers, ...keys],
    sourceRecords: records[0].length,
    blockingKeys: keys[0].length,
  };
}

/**
 * Loads `profiles` background profiles in chunks; PostgreSQL writes one chunk while Node.js generates the
 * next (a dedicated connection sends each statement at once, so the two cores work side by side).
 */
async function loadBackground(
  url: string,
  profiles: number,
  options: Options,
  takenEmails: Set<string>,
  progress: (done: number) => void,
): Promise<{ sourceRecords: number; blockingKeys: number }> {
  const client = new Client({ connectionString: url, application_name: 'profile-hub-bench-identity-load' });
  await client.connect();
  const receivedAt = new Date();
  let sourceRecords = 0;
  let blockingKeys = 0;
  let writing: Promise<unknown> = Promise.resolve();
  try {
    for (let done = 0, chunk = 0; done < profiles; done += BACKGROUND_CHUNK, chunk++) {
      const n = Math.min(BACKGROUND_CHUNK, profiles - done);
      const next = backgroundChunk(chunk, n, options, takenEmails, receivedAt);
      await writing;
      progress(done);
      writing = client.query(BACKGROUND_INSERT, next.params);
      sourceRecords += next.sourceRecords;
      blockingKeys += next.blockingKeys;
    }
    await writing;
    progress(profiles);
  } finally {
    await writing.catch(() => undefined);
    await client.end();
  }
  return { sourceRecords, blockingKeys };
}

/** Records of the sample timed in one go, before the other database's turn. */
const SCALE_SLICE = 1000;

/**
 * Loads every background first (each size on its own embedded server), then times the sample in slices of SCALE_SLICE records that take turns between
 * the databases (A B, B A, A B …): the minutes between loading one size and the next, and the drift of a shared
 * machine over them, would otherwise fall on one size only. Every database gets the same slices in the same order.
 * Besides wall time it reads the CPU time Node.js and the PostgreSQL backends spent (when the server runs on this
 * machine), which other work on the machine disturbs less.
 */
async function measureScale(options: Options): Promise<ScalePoint[]> {
  const samplePersons = Math.max(1, Math.round(options.scaleSample / RECORDS_PER_PERSON));
  // Fresh persons, in nobody else's mailbox: the background is generated around the sample's and the
  // warm-up's mailboxes (handles still recur across providers, as among real people).
  const reserved = new Set<string>();
  const fresh = (persons: number, seed: number, prefix: string) =>
    generate({ persons, seed, phoneRegion: options.phoneRegion, prefix, takenEmails: reserved }).records.map(
      (g) => g.record,
    );
  const sample = shuffled(fresh(samplePersons, options.seed + 7919, 's'), options.seed + 1);
  const warmUp = fresh(400, options.seed + 104_729, 'w');
  const sizes = options.scaleSizes;
  const servers: Server[] = [];
  const dbs: Awaited<ReturnType<Server['database']>>[] = [];
  try {
    const loaded: { sourceRecords: number; blockingKeys: number; loadSeconds: number }[] = [];
    for (const size of sizes) {
      // A server of its own per size (embedded): one size's slices do not evict the other's pages from
      // PostgreSQL's buffers. (On DATABASE_URL's server the databases share them.)
      const server = await startServer();
      servers.push(server);
      const db = await server.database();
      dbs.push(db);
      const started = performance.now();
      const background = await loadBackground(db.url, size, options, new Set(reserved), (done) => {
        if (done > 0 && (done % 100_000 === 0 || done === size)) {
          const seconds = (performance.now() - started) / 1000;
          process.stderr.write(
            `  scale: ${done.toLocaleString('en-US')} of ${size.toLocaleString('en-US')} background profiles (${seconds.toFixed(0)} s)\n`,
          );
        }
      });
      await db.dataSource.query('VACUUM (ANALYZE)');
      loaded.push({ ...background, loadSeconds: (performance.now() - started) / 1000 });
    }
    const ctxs = dbs.map((db) => benchContext(db.dataSource, options.phoneRegion));
    // Warm caches and connections with other fresh records, then time the sample.
    for (const ctx of ctxs) await ingestAll(ctx, warmUp, options.batchSize);
    const spent = sizes.map(() => ({ ms: 0, nodeSeconds: 0, postgresSeconds: 0 }));
    for (let at = 0, turn = 0; at < sample.length; at += SCALE_SLICE, turn++) {
      const slice = sample.slice(at, at + SCALE_SLICE);
      const order = sizes.map((_, i) => i);
      if (turn % 2 === 1) order.reverse();
      for (const i of order) {
        const backendsBefore = await serverCpu(dbs[i].dataSource, dbs[i].name);
        const cpuBefore = process.cpuUsage();
        const run = await ingestAll(ctxs[i], slice, options.batchSize);
        const cpu = process.cpuUsage(cpuBefore);
        spent[i].ms += run.ms;
        spent[i].nodeSeconds += (cpu.user + cpu.system) / 1e6;
        spent[i].postgresSeconds += cpuBetween(backendsBefore, await serverCpu(dbs[i].dataSource, dbs[i].name)) ?? 0;
      }
    }
    const perRecord = (seconds: number) => Math.round((seconds * 1e6) / sample.length);
    const strangers = await Promise.all(dbs.map((db) => strangerMatches(db.dataSource, [...warmUp, ...sample])));
    return sizes.map((size, i) => {
      const { ms, nodeSeconds, postgresSeconds } = spent[i];
      process.stderr.write(
        `  scale: ${size.toLocaleString('en-US')} profiles: sample of ${sample.length.toLocaleString('en-US')} records in ${(ms / 1000).toFixed(2)} s\n`,
      );
      return {
        profiles: size,
        sourceRecords: loaded[i].sourceRecords,
        blockingKeys: loaded[i].blockingKeys,
        loadSeconds: Math.round(loaded[i].loadSeconds),
        sampleRecords: sample.length,
        sampleMs: Math.round(ms),
        microsecondsPerRecord: Math.round((ms * 1000) / sample.length),
        recordsPerSecond: Math.round(sample.length / (ms / 1000)),
        nodeCpuMicrosecondsPerRecord: perRecord(nodeSeconds),
        postgresCpuMicrosecondsPerRecord: perRecord(postgresSeconds),
        strangers: strangers[i],
      };
    });
  } finally {
    for (const db of dbs) await db.drop();
    for (const server of servers) await server.stop();
  }
}

// ── report ───────────────────────────────────────────────────────────────────────────────────────────────────

function errorCounts(records: readonly GeneratedRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of ERROR_KINDS) counts[kind] = 0;
  for (const r of records) for (const kind of r.errors) counts[kind]++;
  return counts;
}

async function main(argv: string[]): Promise<void> {
  const options = new Command('bench:identity')
    .description('identity-resolution quality (and, with --scale, ingest cost at two database sizes)')
    .option('--persons <n>', 'how many true persons', positive, 5000)
    .option('--seed <n>', 'seed of the generated data', positive, 1)
    .option('--batch-size <n>', 'records per arriving batch (split by source)', positive, 500)
    .option('--phone-region <code>', 'HUB_PHONE_REGION the records are written for', region, 'PL' as Country)
    .option('--json', 'print the result as one JSON object')
    .option('--scale', 'also measure ingest cost per record at two background sizes')
    .option('--scale-sizes <list>', 'background golden profiles, comma-separated', sizes, [10_000, 1_000_000])
    .option('--scale-sample <n>', 'records in the timed sample', positive, 5000)
    .parse(argv)
    .opts<Options>();

  const data = generate({ persons: options.persons, seed: options.seed, phoneRegion: options.phoneRegion });
  const sliceData = generate({
    persons: options.persons,
    seed: options.seed + 1,
    phoneRegion: options.phoneRegion,
    rates: { nameDobAddressOnly: 1 },
  });
  const server = await startServer();
  let quality: Quality;
  let sliceQuality: Quality;
  let scale: ScalePoint[] | undefined;
  let postgres = '';
  try {
    const db = await server.database();
    try {
      [{ server_version: postgres }] = await db.dataSource.query('SHOW server_version');
      quality = await measureQuality(db.dataSource, data, options);
    } finally {
      await db.drop();
    }
    const sliceDb = await server.database();
    try {
      sliceQuality = await measureQuality(sliceDb.dataSource, sliceData, options);
    } finally {
      await sliceDb.drop();
    }
  } finally {
    await server.stop();
  }
  if (options.scale) scale = await measureScale(options);

  const e = quality.evaluation;
  const sliceSet = sliceQuality.evaluation;
  const mixedPersons = recordsByPerson(data, options.phoneRegion);
  const slicePersons = recordsByPerson(sliceData, options.phoneRegion);
  const reference = {
    mixed: recordPairReference(mixedPersons),
    nameDobAddress: recordPairReference(slicePersons),
  };
  const ceiling = { mixed: evidenceCeiling(mixedPersons), nameDobAddress: evidenceCeiling(slicePersons) };
  const bySource = Object.fromEntries(
    BENCH_SOURCES.map((s) => [s, data.records.filter((r) => r.record.source === s).length]),
  );
  const ratio = scale ? scale[scale.length - 1].microsecondsPerRecord / scale[0].microsecondsPerRecord : undefined;
  const cpuOf = (p: ScalePoint) => p.nodeCpuMicrosecondsPerRecord + p.postgresCpuMicrosecondsPerRecord;
  const cpuRatio = scale ? cpuOf(scale[scale.length - 1]) / cpuOf(scale[0]) : undefined;
  const met = {
    precision: e.pairwise.precision >= TARGETS.precision,
    recall: e.pairwise.recall >= TARGETS.recall,
    sliceF1: sliceSet.pairwise.f1 >= TARGETS.sliceF1,
    ...(ratio !== undefined ? { scaleRatio: ratio <= TARGETS.scaleRatio } : {}),
  };
  const result = {
    seed: options.seed,
    persons: data.persons.length,
    records: data.records.length,
    bySource,
    batchSize: options.batchSize,
    phoneRegion: options.phoneRegion,
    database: { description: server.description, postgres },
    generator: { rates: data.rates, errors: errorCounts(data.records) },
    ingest: quality.ingest,
    openMergeCandidates: quality.openMergeCandidates,
    unaccounted: quality.unaccounted,
    withCandidatesApproved: quality.withCandidatesApproved,
    crmPairs: quality.crmPairs,
    ...e,
    byError: quality.byError,
    recordPairReference: reference,
    evidenceCeiling: ceiling,
    nameDobAddressDataSet: {
      persons: sliceData.persons.length,
      records: sliceData.records.length,
      ingest: sliceQuality.ingest,
      openMergeCandidates: sliceQuality.openMergeCandidates,
      unaccounted: sliceQuality.unaccounted,
      crmPairs: sliceQuality.crmPairs,
      ...sliceSet,
    },
    targets: TARGETS,
    met,
    ...(scale ? { scale: { points: scale, ratio, cpuRatio } } : {}),
  };
  if (options.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }

  const n = (value: number) => value.toLocaleString('en-US');
  const f = (value: number) => value.toFixed(4);
  const pct = (value: number) => `${(100 * value).toFixed(1)}%`;
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const c = e.clusters;
  const s = e.nameDobAddressOnly;
  const lines = [
    `profile-hub identity benchmark: ${n(result.persons)} persons, ${n(result.records)} records ` +
      `(salesforce ${n(bySource.salesforce)}, hubspot ${n(bySource.hubspot)}), seed ${options.seed}`,
    `  database     ${server.description}, PostgreSQL ${postgres}`,
    `  ingest       ${n(quality.ingest.recordsPerSecond)} records/s (${(quality.ingest.ms / 1000).toFixed(2)} s, ` +
      `shuffled, batches of ${options.batchSize} split by source); ` +
      Object.entries(quality.ingest.outcomes)
        .map(([status, count]) => `${status.toLowerCase()} ${n(count)}`)
        .join(', '),
    ...(Object.keys(quality.ingest.rejections).length > 0
      ? [
          `  rejected     ${Object.entries(quality.ingest.rejections)
            .map(([code, count]) => `${code} ${n(count)}`)
            .join(', ')}`,
        ]
      : []),
    `  profiles     ${n(c.profiles)} profiles for ${n(c.persons)} persons; ${n(quality.openMergeCandidates)} open merge candidates` +
      (quality.unaccounted > 0 ? `; ${n(quality.unaccounted)} records unaccounted for` : ''),
    '',
    `                               measured   target`,
    `  precision                    ${f(e.pairwise.precision)}     ≥ ${TARGETS.precision}   ${verdict(met.precision)}`,
    `  recall                       ${f(e.pairwise.recall)}     ≥ ${TARGETS.recall}   ${verdict(met.recall)}`,
    `  F1                           ${f(e.pairwise.f1)}`,
    `  pairs                        ${n(e.pairwise.correctPairs)} correct of ${n(e.pairwise.predictedPairs)} joined, ` +
      `${n(e.pairwise.truePairs)} true`,
    `  a perfect record-pair matcher would reach recall ${f(reference.mixed)} (true record pairs scoring ≥ ` +
      `${DEFAULT_MATCHING.thresholds.autoMerge} joined transitively; the rest share too little)`,
    `  evidence ceiling: ${f(ceiling.mixed.anyLevel)} of the true pairs are linked, even transitively, by anything ` +
      `besides the name (email, phone, birth date, street, postal code or city at any level — the rest share only a ` +
      `name); ${f(ceiling.mixed.exact)} by the same email, phone, birth date, street or postal code`,
    `  pairs touching the ${n(s.records)} records with only name + birth date + address: precision ` +
      `${f(s.pairwise.precision)}, recall ${f(s.pairwise.recall)}, F1 ${f(s.pairwise.f1)}; ${n(s.joined)} of ` +
      `${n(s.joinable)} joined to their person, ${n(s.wronglyJoined)} to someone else`,
    `  if every open merge candidate were approved: precision ${f(quality.withCandidatesApproved.pairwise.precision)}, ` +
      `recall ${f(quality.withCandidatesApproved.pairwise.recall)}, F1 ${f(quality.withCandidatesApproved.pairwise.f1)}; ` +
      `name + birth date + address only F1 ${f(quality.withCandidatesApproved.nameDobAddressOnly.f1)}`,
    `  CRM–CRM      ${n(quality.crmPairs.truePairs)} true pairs of two salesforce contacts (merges the per-source ` +
      `guardrail hands to stewards): recall ${f(quality.crmPairs.recall)}`,
    `  clusters     exact ${pct(c.exactMatchRate)} (${n(c.exactMatches)} of ${n(c.persons)} persons); ` +
      `${n(c.splitPersons)} of ${n(c.personsWithSeveralRecords)} persons with several records split; ` +
      `${n(c.overMergedPersons)} persons over-merged in ${n(c.overMergedProfiles)} profiles`,
    '',
    `  name + birth date + address data set: ${n(sliceData.persons.length)} persons, ${n(sliceData.records.length)} ` +
      `records carrying only those (seed ${options.seed + 1}); ${n(sliceQuality.ingest.recordsPerSecond)} records/s; ` +
      `${n(sliceSet.clusters.profiles)} profiles, ${n(sliceQuality.openMergeCandidates)} open merge candidates` +
      (sliceQuality.unaccounted > 0 ? `; ${n(sliceQuality.unaccounted)} records unaccounted for` : ''),
    `    precision                  ${f(sliceSet.pairwise.precision)}`,
    `    recall                     ${f(sliceSet.pairwise.recall)}`,
    `    F1                         ${f(sliceSet.pairwise.f1)}     ≥ ${TARGETS.sliceF1}   ${verdict(met.sliceF1)}`,
    `    a perfect record-pair matcher would reach recall ${f(reference.nameDobAddress)}; evidence ceiling ` +
      `${f(ceiling.nameDobAddress.anyLevel)} / ${f(ceiling.nameDobAddress.exact)}; CRM–CRM pairs ` +
      `${n(sliceQuality.crmPairs.truePairs)}`,
    '',
    `  pairs touching a record with …   records  precision  recall`,
    ...ERROR_KINDS.map((kind) => {
      const b = quality.byError[kind];
      return `    ${kind.padEnd(28)} ${n(b.records).padStart(8)}     ${f(b.precision)}  ${f(b.recall)}`;
    }),
  ];
  if (scale && ratio !== undefined) {
    lines.push('', `  scale: a fresh sample of ${n(scale[0].sampleRecords)} records on top of background profiles`);
    for (const p of scale) {
      lines.push(
        `    ${n(p.profiles).padStart(10)} profiles (${n(p.sourceRecords)} source records, ${n(p.blockingKeys)} blocking keys, ` +
          `loaded in ${n(p.loadSeconds)} s): ${n(p.microsecondsPerRecord)} µs/record, ${n(p.recordsPerSecond)} records/s; ` +
          `CPU ${n(p.nodeCpuMicrosecondsPerRecord)} µs Node.js + ${n(p.postgresCpuMicrosecondsPerRecord)} µs PostgreSQL`,
      );
    }
    lines.push(
      `    strangers (the ${n(scale[0].strangers.freshRecords)} fresh records — sample and warm-up — against the background):`,
    );
    for (const p of scale) {
      const { joinedToStranger, candidatesWithStranger } = p.strangers;
      lines.push(
        `    ${n(p.profiles).padStart(10)} profiles: ${n(joinedToStranger)} records merged with a stranger, ` +
          `${n(candidatesWithStranger)} merge candidates with a stranger`,
      );
    }
    lines.push(
      `    cost ratio ${ratio.toFixed(2)}× (largest vs smallest)   target ≤ ${TARGETS.scaleRatio}×   ${verdict(met.scaleRatio ?? false)}`,
      `    CPU ratio ${cpuRatio!.toFixed(2)}× (Node.js + PostgreSQL; the slices took turns between the databases)`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}

main(process.argv).catch((error: unknown) => {
  process.stderr.write(`bench:identity: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
