import { rmSync } from 'node:fs';
import { Client } from 'pg';
import { templateDatabase } from './test-database';

export default async function globalTeardown(): Promise<void> {
  if (process.env.HUB_TEST_TMP) rmSync(process.env.HUB_TEST_TMP, { recursive: true, force: true });
  const embedded = globalThis.__HUB_TEST_PG__;
  if (embedded) {
    await embedded.stop();
    return;
  }
  const admin = new Client({ connectionString: process.env.HUB_TEST_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase()} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
