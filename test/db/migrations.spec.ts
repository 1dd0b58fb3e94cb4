import type { DataSource } from 'typeorm';
import { schemaDrift } from '../../src/db/schema-drift';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** Every table the hub owns; the migrations must create exactly these and the entities must map exactly these. */
const HUB_TABLES = [
  'audit_entry',
  'blocking_key',
  'change_event',
  'conflict',
  'consent_current',
  'consent_statement',
  'dead_letter',
  'do_not_merge_pair',
  'engagement_event',
  'feed_checkpoint',
  'feed_txid_offset',
  'golden_profile',
  'identifier',
  'merge_candidate',
  'merge_event',
  'pinned_value',
  'privacy_key',
  'processed_event',
  'segment',
  'segment_membership',
  'segment_version',
  'source_record',
  'source_record_link',
  'suppression_entry',
  'webhook_delivery',
  'webhook_subscription',
];

async function tablesIn(ds: DataSource): Promise<string[]> {
  const rows: { tablename: string }[] = await ds.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'
      ORDER BY tablename`,
  );
  return rows.map((row) => row.tablename);
}

async function appliedMigrations(ds: DataSource): Promise<number> {
  const [row] = await ds.query(`SELECT count(*)::int AS n FROM schema_migrations`);
  return row.n;
}

describe('migrations', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('the entities map exactly the hub tables', () => {
    const mapped = db.dataSource.entityMetadatas.map((metadata) => metadata.tableName).sort();
    expect(mapped).toEqual(HUB_TABLES);
  });

  it('migrate up, all the way down and up again, ending where the entities say', async () => {
    const ds = db.dataSource;
    expect(await tablesIn(ds)).toEqual([]);

    const applied = await ds.runMigrations({ transaction: 'each' });
    expect(applied.map((m) => m.name)).toEqual(ds.migrations.map((m) => m.name));
    expect(await tablesIn(ds)).toEqual(HUB_TABLES);

    for (let left = await appliedMigrations(ds); left > 0; left--) {
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await appliedMigrations(ds)).toBe(left - 1);
    }
    expect(await tablesIn(ds)).toEqual([]);
    const functions = await ds.query(`SELECT proname FROM pg_proc WHERE proname LIKE 'hub\\_%'`);
    expect(functions).toEqual([]);

    await ds.runMigrations({ transaction: 'each' });
    expect(await tablesIn(ds)).toEqual(HUB_TABLES);
    expect(await schemaDrift(ds)).toEqual([]);
  });
});

describe('schemaDrift', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('reports what the migrated schema lacks compared with the entities', async () => {
    const ds = db.dataSource;
    expect(await schemaDrift(ds)).toEqual([]);

    await ds.query(`DROP INDEX ix_identifier_type_value`);
    await ds.query(`ALTER TABLE merge_candidate DROP CONSTRAINT ck_merge_candidate_pair_order`);
    await ds.query(`ALTER TABLE source_record ALTER COLUMN object_type DROP DEFAULT`);
    // An expression index TypeORM cannot express (declared with `synchronize: false`) is still checked for.
    await ds.query(`DROP INDEX ix_golden_profile_email_lower`);

    const drift = await schemaDrift(ds);
    expect(drift).toEqual(
      expect.arrayContaining([
        expect.stringContaining('CREATE INDEX "ix_identifier_type_value"'),
        expect.stringContaining('ADD CONSTRAINT "ck_merge_candidate_pair_order"'),
        expect.stringMatching(/"source_record".*"object_type"/),
        expect.stringContaining('missing index "ix_golden_profile_email_lower"'),
      ]),
    );
  });
});

describe('change_event.txid', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it("is the writing transaction's id, below the feed horizon once that transaction has ended", async () => {
    const ds = db.dataSource;
    const { txid, current } = await ds.transaction(async (manager) => {
      const [row] = await manager.query(`INSERT INTO change_event (type) VALUES ('test.event') RETURNING txid`);
      const [tx] = await manager.query(`SELECT pg_current_xact_id()::text AS current`);
      return { txid: row.txid as string, current: tx.current as string };
    });
    expect(txid).toBe(current);
    // The horizon is server-wide: a transaction still open elsewhere (another test file) may hold it back briefly.
    let horizon = 0n;
    for (let attempt = 0; attempt < 100 && horizon <= BigInt(txid); attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      const [row] = await ds.query(`SELECT hub_feed_horizon()::text AS horizon`);
      horizon = BigInt(row.horizon);
    }
    expect(BigInt(txid)).toBeLessThan(horizon);
  });
});
