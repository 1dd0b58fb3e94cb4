import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A new folder for a test's files (rules files, key sets), inside the run's own temporary folder, which the
 * global teardown removes (`HUB_TEST_TMP`, made by the global setup); outside jest, in the system's.
 */
export function testTempDir(prefix: string): string {
  return mkdtempSync(path.join(process.env.HUB_TEST_TMP ?? tmpdir(), prefix));
}
