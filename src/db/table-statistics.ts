import type { DataSource } from 'typeorm';
import type { Logger } from '../logging/logger';

/** The tables identity resolution reads by index on every batch: their planner statistics must follow growth. */
const MATCHING_TABLES = ['golden_profile', 'source_record', 'identifier', 'blocking_key'];

/**
 * Records written by this process before its first ANALYZE of them; each further one waits for twice as many.
 * Smaller loads (the demo, the quality benchmark, tests) never trigger one, so their results do not depend on
 * when a background ANALYZE happens to finish.
 */
const FIRST_ANALYZE_AFTER = 20_000;

interface Tracker {
  written: number;
  next: number;
  running: boolean;
}

const trackers = new WeakMap<DataSource, Tracker>();

/**
 * Keeps the planner's statistics of the matching tables in step with a bulk load. PostgreSQL's autovacuum
 * analyses a table after it grew by 10%, but looks only once a minute and is easily behind an import that adds
 * tens of thousands of rows a minute to a young database; with statistics of a table a tenth of its size the
 * planner reads candidate profiles by scanning whole tables (a sequential scan of `source_record`, every active
 * golden profile through the status index) and each batch costs more than the one before. So this process runs
 * `ANALYZE` of those tables itself, in the background, after it has written 20,000 records, then 40,000, 80,000 …
 * (doubling: a handful of runs for any import, each ~0.1 s of sampling). Call after a batch commits.
 */
export function noteRecordsWritten(dataSource: DataSource, logger: Logger, records: number): void {
  if (records <= 0) return;
  let tracker = trackers.get(dataSource);
  if (!tracker) {
    tracker = { written: 0, next: FIRST_ANALYZE_AFTER, running: false };
    trackers.set(dataSource, tracker);
  }
  tracker.written += records;
  if (tracker.running || tracker.written < tracker.next) return;
  tracker.next = tracker.written * 2;
  tracker.running = true;
  const done = tracker;
  void analyzeInBackground(dataSource, logger, MATCHING_TABLES).finally(() => {
    done.running = false;
  });
}

/** Runs `ANALYZE` of the tables on a pool connection of its own, without waiting; a failure is logged, not thrown. */
export function analyzeInBackground(dataSource: DataSource, logger: Logger, tables: readonly string[]): Promise<void> {
  return dataSource
    .query(`ANALYZE ${tables.join(', ')}`)
    .then(() => undefined)
    .catch((error: unknown) => logger.warn({ err: error, tables }, 'could not analyse tables'));
}
