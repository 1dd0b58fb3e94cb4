import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { systemContext } from '../../src/common/context';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { ingestBatch } from '../../src/ingest/ingest-batch';
import { createLogger } from '../../src/logging/logger';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { testTempDir } from '../support/test-temp';

const BIN = path.resolve(__dirname, '../../bin/profile-hub.js');

function cli(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 60000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const rulesFile = (rules: unknown) => {
  const file = path.join(testTempDir('hub-backfill-'), 'rules.json');
  writeFileSync(file, JSON.stringify(rules));
  return file;
};

describe('profile-hub backfill', () => {
  let db: TestDatabase;
  const updates = async () =>
    (await db.dataSource.query(`SELECT count(*)::int AS n FROM change_event WHERE type = 'profile.updated'`))[0]
      .n as number;

  beforeAll(async () => {
    db = await createTestDatabase();
    const ctx = systemContext(db.dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test');
    // Ten people in both systems whose company differs between them, and five only in the CRM.
    const both = Array.from({ length: 10 }, (_, i) => i);
    await ingestBatch(ctx, {
      source: 'salesforce',
      transport: 'file',
      records: [...both, 10, 11, 12, 13, 14].map((i) => ({
        externalId: `c${i}`,
        updatedAt: '2026-10-01T00:00:00Z',
        attributes: { email: `p${i}@example.com`, firstName: `P${i}`, lastName: 'Test', company: `CRM Co ${i}` },
      })),
    });
    await ingestBatch(ctx, {
      source: 'hubspot',
      transport: 'file',
      records: both.map((i) => ({
        externalId: `h${i}`,
        updatedAt: '2026-10-02T00:00:00Z',
        attributes: { email: `p${i}@example.com`, firstName: `P${i}`, lastName: 'Test', company: `MA Co ${i}` },
      })),
    });
  });
  afterAll(async () => db.destroy());

  it('stops on a bad rules file, naming the field and the rule', () => {
    const result = cli(['backfill'], {
      DATABASE_URL: db.url,
      HUB_CONFIG: rulesFile({ survivorship: { fields: { company: ['sourcePriority'] } } }),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/survivorship\.fields\.company\.rules\[0\]: sourcePriority needs its sources/);
  });

  it('recomputes every profile under new rules and emits events only for the ones that changed', async () => {
    const [{ before }] = await db.dataSource.query(
      `SELECT count(*)::int AS before FROM golden_profile WHERE company LIKE 'CRM Co%'`,
    );
    expect(before).toBe(15); // the shipped default: the CRM's company first
    const eventsBefore = await updates();
    const env = {
      DATABASE_URL: db.url,
      HUB_CONFIG: rulesFile({ survivorship: { fields: { company: [{ sourceOfTruth: 'hubspot' }] } } }),
    };
    const result = cli(['backfill', '--batch-size', '4', '--json'], env);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ total: 15, done: 15, changed: 15 });
    const rows: { company: string | null }[] = await db.dataSource.query(
      `SELECT company FROM golden_profile WHERE status = 'active' ORDER BY company`,
    );
    // Ten take the MA platform's company; the five the MA platform does not know lose theirs.
    expect(rows.filter((r) => r.company?.startsWith('MA Co'))).toHaveLength(10);
    expect(rows.filter((r) => r.company === null)).toHaveLength(5);
    expect((await updates()) - eventsBefore).toBe(15);

    // Again under the same rules: nothing changes, nothing is emitted.
    const again = cli(['backfill', '--json'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ done: 15, changed: 0 });
    expect((await updates()) - eventsBefore).toBe(15);
  });
});
