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

/**
 * Migrates until `name` is the last migration applied: all the way up, then down to it (the migrations after it
 * run and are undone, as a deployment rolling back would).
 */
async function migrateTo(ds: DataSource, name: string): Promise<void> {
  const target = ds.migrations.findIndex((m) => m.name === name) + 1;
  expect(target).toBeGreaterThan(0);
  await ds.runMigrations({ transaction: 'each' });
  while ((await appliedMigrations(ds)) > target) await ds.undoLastMigration({ transaction: 'each' });
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

describe('migration GroupedLineage', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => {
    await db?.destroy();
  });

  const CRM = '0190a0a0-0000-7000-8000-000000000001';
  const MA = '0190a0a0-0000-7000-8000-000000000002';
  const PER_FIELD = {
    email: { r: MA, rule: 'mostRecent' },
    firstName: { r: CRM, rule: 'sourcePriority' },
    lastName: { r: CRM, rule: 'sourcePriority' },
    phone: { r: MA, rule: 'pin', pinned: true },
    company: { r: null, rule: 'pin', pinned: true, at: '2026-03-01T00:00:00.000Z' },
  };
  const GROUPED = {
    [CRM]: { sourcePriority: ['firstName', 'lastName'] },
    [MA]: { mostRecent: ['email'], pin: ['phone'] },
    steward: { '2026-03-01T00:00:00.000Z': ['company'] },
  };

  it('groups stored lineage by record and rule, reads it per field in SQL, and undoes it', async () => {
    const ds = db.dataSource;
    await migrateTo(ds, 'DocumentsWithoutStatistics1798001800000');
    const [{ id }] = await ds.query(`INSERT INTO golden_profile (lineage) VALUES ($1) RETURNING id`, [
      JSON.stringify(PER_FIELD),
    ]);
    const [{ id: erased }] = await ds.query(`INSERT INTO golden_profile (status) VALUES ('erased') RETURNING id`);

    await migrateTo(ds, 'GroupedLineage1798001900000');
    const lineageOf = async (profileId: string) =>
      (await ds.query(`SELECT lineage FROM golden_profile WHERE id = $1`, [profileId]))[0].lineage;
    expect(await lineageOf(id)).toEqual(GROUPED);
    expect(await lineageOf(erased)).toEqual({});
    const fields = await ds.query(
      `SELECT l.* FROM golden_profile g, hub_lineage_fields(g.lineage) AS l WHERE g.id = $1 ORDER BY l.field`,
      [id],
    );
    expect(fields).toEqual([
      { field: 'company', source_record_id: null, rule: 'pin', pinned_at: '2026-03-01T00:00:00.000Z' },
      { field: 'email', source_record_id: MA, rule: 'mostRecent', pinned_at: null },
      { field: 'firstName', source_record_id: CRM, rule: 'sourcePriority', pinned_at: null },
      { field: 'lastName', source_record_id: CRM, rule: 'sourcePriority', pinned_at: null },
      { field: 'phone', source_record_id: MA, rule: 'pin', pinned_at: null },
    ]);

    await migrateTo(ds, 'DocumentsWithoutStatistics1798001800000');
    expect(await lineageOf(id)).toEqual(PER_FIELD);
    expect(await lineageOf(erased)).toEqual({});
  });
});

describe('migration CompactFieldTimes', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it("keeps only the times that differ from the record's, and writes them all again when undone", async () => {
    const ds = db.dataSource;
    await migrateTo(ds, 'GroupedLineage1798001900000');
    const [{ id: profileId }] = await ds.query(`INSERT INTO golden_profile DEFAULT VALUES RETURNING id`);
    const full = {
      email: '2026-02-01T10:00:00.000Z',
      firstName: '2026-01-01T09:00:00.000Z',
      'custom.tier': '2026-02-01T10:00:00.000Z',
      $deleted: '2026-02-01T10:00:00.000Z',
    };
    const [{ id }] = await ds.query(
      `INSERT INTO source_record (source, external_id, profile_id, attributes, field_updated_at, source_updated_at)
       VALUES ('crm', 'c1', $1, $2, $3, '2026-02-01T10:00:00Z') RETURNING id`,
      [profileId, { email: 'a@x.io', firstName: 'Ann', 'custom.tier': 'gold' }, full],
    );
    const timesOf = async () =>
      (await ds.query(`SELECT field_updated_at FROM source_record WHERE id = $1`, [id]))[0].field_updated_at;

    await migrateTo(ds, 'CompactFieldTimes1798002000000');
    expect(await timesOf()).toEqual({
      firstName: '2026-01-01T09:00:00.000Z',
      $deleted: '2026-02-01T10:00:00.000Z',
    });
    await migrateTo(ds, 'GroupedLineage1798001900000');
    expect(await timesOf()).toEqual(full);
  });
});

describe('migration HashBlockingKeyIndex', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('finds the rows of a key through a hash index, and through the b-tree again when undone', async () => {
    const ds = db.dataSource;
    await migrateTo(ds, 'CompactFieldTimes1798002000000');
    await ds.query(
      `INSERT INTO blocking_key (key, profile_id, source_record_id)
       SELECT 'n:KWLSK:' || (n % 50), gen_random_uuid(), gen_random_uuid() FROM generate_series(1, 2000) AS n`,
    );
    const method = async () =>
      (
        await ds.query(
          `SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam WHERE c.relname = 'ix_blocking_key_key'`,
        )
      )[0].amname;
    /** The rows of one key, and whether the plan reads them through the key's index. */
    const lookUp = async () =>
      ds.transaction(async (manager) => {
        await manager.query(`SET LOCAL enable_seqscan = off`);
        const sql = `SELECT count(*)::int AS n FROM blocking_key WHERE key = 'n:KWLSK:7'`;
        const plan = (await manager.query(`EXPLAIN ${sql}`)).map((r: Record<string, string>) => r['QUERY PLAN']);
        const [{ n }] = await manager.query(sql);
        return { n, viaIndex: plan.some((line: string) => line.includes('ix_blocking_key_key')) };
      });
    expect(await method()).toBe('btree');
    expect(await lookUp()).toEqual({ n: 40, viaIndex: true });

    await migrateTo(ds, 'HashBlockingKeyIndex1798002100000');
    expect(await method()).toBe('hash');
    expect(await lookUp()).toEqual({ n: 40, viaIndex: true });

    await migrateTo(ds, 'CompactFieldTimes1798002000000');
    expect(await method()).toBe('btree');
    expect(await lookUp()).toEqual({ n: 40, viaIndex: true });
  });
});
