import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';

/** The database the global setup migrates once per run; every test file copies it. */
export function templateDatabase(): string {
  return (process.env.HUB_TEST_TEMPLATE ??= `hub_test_template_${process.pid}`);
}

export interface TestDatabase {
  name: string;
  url: string;
  /** Initialised DataSource on the new database. */
  dataSource: DataSource;
  /** Closes the pool and drops the database. */
  destroy(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.HUB_TEST_ADMIN_URL;
  if (!url) throw new Error('HUB_TEST_ADMIN_URL is unset: run the tests through jest (the global setup sets it)');
  return url;
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database for one test file, so files can run in parallel: a copy of the migrated template, or an
 * empty database with `{ migrated: false }`.
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `hub_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const template = options.migrated === false ? 'template0' : templateDatabase();
  await withAdmin(async (client) => {
    // Two files copying the template at the same instant can collide; a retry is enough.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
  });
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const dataSource = createDataSource({ url: url.toString(), poolSize: 5 });
  await dataSource.initialize();
  return {
    name,
    url: url.toString(),
    dataSource,
    async destroy() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
