import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createDataSource } from '../../src/db/data-source';
import { ephemeralDataDir, startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded-postgres';
import { templateDatabase } from './test-database';

declare global {
  var __HUB_TEST_PG__: EmbeddedDatabase | undefined;
}

/**
 * One PostgreSQL for the whole run — the server at DATABASE_URL when set, else an embedded one in a temp
 * folder — with a migrated template database that each test file copies into its own fresh database.
 */
export default async function globalSetup(): Promise<void> {
  // The run's temporary files (test/support/test-temp.ts), removed by the global teardown; workers inherit it.
  process.env.HUB_TEST_TMP = mkdtempSync(path.join(tmpdir(), 'hub-test-run-'));
  let adminUrl: string;
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '/postgres';
    adminUrl = url.toString();
  } else {
    const embedded = await startEmbeddedPostgres({
      dataDir: await ephemeralDataDir(),
      ephemeral: true,
      database: 'postgres',
    });
    globalThis.__HUB_TEST_PG__ = embedded;
    adminUrl = embedded.adminUrl;
  }
  process.env.HUB_TEST_ADMIN_URL = adminUrl;

  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase()} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${templateDatabase()}`);
  } finally {
    await admin.end();
  }
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${templateDatabase()}`;
  const dataSource = createDataSource({ url: templateUrl.toString(), poolSize: 2 });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}
