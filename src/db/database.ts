import { MigrationExecutor, type DataSource } from 'typeorm';
import type { HubConfig } from '../config/config';
import type { Logger } from '../logging/logger';
import { createDataSource } from './data-source';
import { runningEmbeddedPostgres, startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres';

/** Any constant will do; every hub process on one database agrees on it, so only one migrates at a time. */
const MIGRATION_LOCK_KEY = 7_240_501_001;

export interface Database {
  dataSource: DataSource;
  /** Set when the hub runs its own embedded PostgreSQL. */
  embedded?: EmbeddedDatabase;
  close(): Promise<void>;
}

/**
 * Applies pending migrations. Several hub processes may start against one database at once: a session-level
 * advisory lock makes the others wait, and they then find nothing left to run. Waiting and migrating happen on one
 * connection without the pool's `statement_timeout` (a migration of a large table may take long).
 */
export async function migrate(dataSource: DataSource, logger?: Logger): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SET statement_timeout = 0');
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    const applied = await executor.executePendingMigrations();
    for (const migration of applied) logger?.info({ migration: migration.name }, 'migration applied');
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.query('RESET statement_timeout').catch(() => undefined);
    await runner.release();
  }
}

/** True when the database is reachable and every migration the code knows of has been applied. */
export async function isReady(dataSource: DataSource): Promise<boolean> {
  try {
    return !(await dataSource.showMigrations());
  } catch {
    return false;
  }
}

/**
 * Connects to `DATABASE_URL`, or starts the embedded PostgreSQL under `HUB_DATA_DIR` when it is unset, and
 * applies migrations unless told not to. With `attach`, an embedded database a running hub already serves
 * from `HUB_DATA_DIR` is used instead of failing as "in use" (commands run beside `serve`, e.g. `demo`).
 */
export async function openDatabase(
  config: HubConfig,
  logger: Logger,
  options: { runMigrations?: boolean; attach?: boolean } = {},
): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url && options.attach) {
    embedded = await runningEmbeddedPostgres({ dataDir: config.dataDir, logger });
    url = embedded?.url;
  }
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
    url = embedded.url;
    logger.info({ dataDir: embedded.dataDir }, 'embedded PostgreSQL started (DATABASE_URL is unset)');
  }
  const dataSource = createDataSource({
    url,
    poolSize: config.dbPoolSize,
    statementTimeoutMs: config.dbStatementTimeoutMs,
  });
  try {
    await dataSource.initialize();
    if (options.runMigrations !== false) await migrate(dataSource, logger);
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw error;
  }
  return {
    dataSource,
    embedded,
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
    },
  };
}
