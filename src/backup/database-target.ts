import type { HubConfig } from '../config/config';
import { runningEmbeddedPostgres, startEmbeddedPostgres } from '../db/embedded-postgres';
import type { Logger } from '../logging/logger';

/** The database `backup` reads or `restore` writes, and how to let go of it. */
export interface DatabaseTarget {
  url: string;
  /** For messages: `DATABASE_URL` or the embedded database's folder (never a password). */
  description: string;
  close(): Promise<void>;
}

/**
 * `DATABASE_URL`, or the embedded PostgreSQL of `HUB_DATA_DIR`: the one a running `serve` already runs (so a
 * backup works while the hub serves), else started for the command and stopped after it.
 */
export async function openDatabaseTarget(config: HubConfig, logger: Logger): Promise<DatabaseTarget> {
  if (config.databaseUrl) {
    const url = new URL(config.databaseUrl);
    return {
      url: config.databaseUrl,
      description: `DATABASE_URL (${url.hostname}:${url.port || 5432}${url.pathname})`,
      close: async () => undefined,
    };
  }
  const embedded =
    (await runningEmbeddedPostgres({ dataDir: config.dataDir, logger })) ??
    (await startEmbeddedPostgres({ dataDir: config.dataDir, logger }));
  return {
    url: embedded.url,
    description: `the embedded database in ${embedded.dataDir}`,
    close: () => embedded.stop(),
  };
}
