import type { DataSource } from 'typeorm';
import type { Logger } from '../logging/logger';

/**
 * `golden_profile`'s columns that a bulk load looks profiles up by, and its surnames — matching's term frequencies.
 * A bulk load's ANALYZE names them: the other attributes, the lineage and custom documents and the expressions of
 * profile search's indexes are left to autovacuum. Sampling them all cost several times as much — the sample is
 * 300,000 rows (the surnames' statistics target is 1,000), sorted for each of two dozen columns and expressions:
 * ~148 ms against ~32 ms at 14,432 profiles.
 */
export const GOLDEN_PROFILE_STATISTICS = 'golden_profile (id, status, merged_into_id, last_name)';

/**
 * The tables identity resolution reads by index on every batch, in two groups analysed on their own schedules: the
 * look-up tables, whose statistics only choose plans, early; `golden_profile`, whose surname statistics are also
 * read as term frequencies by matching (src/identity/resolution/profile-infos.ts), only past 20,000 records — so
 * smaller loads (the demo, the quality benchmark, tests) match the same on every run, whenever a background
 * ANALYZE happens to finish.
 */
const SCHEDULES: readonly { tables: readonly string[]; firstAfter: number }[] = [
  // Without statistics the planner guesses 1 in 200 rows for any key, and reads each of a batch's ~26,000 blocking
  // keys through a bitmap: ~2.3× the time of the plain index look-up it takes once the table is analysed.
  // Each table's ANALYZE names the columns the pipeline's statements filter and join by: the rest (attributes and
  // raw payloads, timestamps) only cost sampling time — source_record's ~260 ms at 17,000 records against ~50 ms.
  {
    tables: [
      'source_record (id, source, external_id, profile_id, deleted)',
      'identifier (type, value, profile_id, source_record_id)',
      'blocking_key (key, source_record_id, profile_id)',
    ],
    firstAfter: 1_000,
  },
  { tables: [GOLDEN_PROFILE_STATISTICS], firstAfter: 20_000 },
];

interface Tracker {
  written: number;
  schedules: { tables: readonly string[]; next: number; running: boolean }[];
}

const trackers = new WeakMap<DataSource, Tracker>();

/**
 * Keeps the planner's statistics of the matching tables in step with a bulk load. PostgreSQL's autovacuum
 * analyses a table after it grew by 10%, but looks only once a minute and is easily behind an import that adds
 * tens of thousands of rows a minute to a young database; with statistics of a table a tenth of its size (or none)
 * the planner reads candidate profiles by scanning whole tables (a sequential scan of `source_record`, every
 * active golden profile through the status index) and each batch costs more than the one before. So this process
 * runs `ANALYZE` of those tables itself, in the background, after it has written the first records of a group's
 * schedule (1,000 for the look-up tables, 20,000 for `golden_profile`), then twice as many each time (a handful of
 * runs for any import, each ~0.1 s of sampling). Call after a batch commits; the returned promise settles when
 * the analyses it started have (a failure is logged, never thrown) — callers need not wait for it.
 */
export function noteRecordsWritten(dataSource: DataSource, logger: Logger, records: number): Promise<void> {
  if (records <= 0) return Promise.resolve();
  let tracker = trackers.get(dataSource);
  if (!tracker) {
    tracker = {
      written: 0,
      schedules: SCHEDULES.map((s) => ({ tables: s.tables, next: s.firstAfter, running: false })),
    };
    trackers.set(dataSource, tracker);
  }
  tracker.written += records;
  const started: Promise<void>[] = [];
  for (const schedule of tracker.schedules) {
    if (schedule.running || tracker.written < schedule.next) continue;
    schedule.next = tracker.written * 2;
    schedule.running = true;
    started.push(
      analyzeInBackground(dataSource, logger, schedule.tables).finally(() => {
        schedule.running = false;
      }),
    );
  }
  return Promise.all(started).then(() => undefined);
}

/**
 * Runs `ANALYZE` of the tables (each optionally with its column list: `blocking_key (key)`) on a pool connection of
 * its own, without waiting; a failure is logged, not thrown.
 */
export function analyzeInBackground(dataSource: DataSource, logger: Logger, tables: readonly string[]): Promise<void> {
  return dataSource
    .query(`ANALYZE ${tables.join(', ')}`)
    .then(() => undefined)
    .catch((error: unknown) => logger.warn({ err: error, tables }, 'could not analyse tables'));
}
